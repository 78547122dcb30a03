/// XXH64 (Yann Collet's xxHash, 64-bit variant, seed 0): the content hash kept with every
/// stored message so `roost check` can tell intact bytes from damaged ones. Not a
/// cryptographic hash; it detects corruption, not tampering.
public struct XXHash64 {
    private static let p1: UInt64 = 11400714785074694791
    private static let p2: UInt64 = 14029467366897019727
    private static let p3: UInt64 = 1609587929392839161
    private static let p4: UInt64 = 9650029242287828579
    private static let p5: UInt64 = 2870177450012600261

    private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
    private var buffer: [UInt8] = []
    private var total: UInt64 = 0

    public init() {
        v1 = 0 &+ XXHash64.p1 &+ XXHash64.p2
        v2 = XXHash64.p2
        v3 = 0
        v4 = 0 &- XXHash64.p1
        buffer.reserveCapacity(32)
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = XXHash64()
        h.update(bytes)
        return h.finalize()
    }

    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        var acc = acc &+ input &* p2
        acc = (acc << 31) | (acc >> 33)
        return acc &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        let acc = acc ^ round(0, val)
        return acc &* p1 &+ p4
    }

    @inline(__always) private static func load64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    public mutating func update(_ input: UnsafeRawBufferPointer) {
        total &+= UInt64(input.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(32 - buffer.count, input.count)
            buffer.append(contentsOf: input[0..<take])
            i = take
            if buffer.count < 32 { return }
            buffer.withUnsafeBytes { consumeStripe($0, 0) }
            buffer.removeAll(keepingCapacity: true)
        }
        while i + 32 <= input.count {
            consumeStripe(input, i)
            i += 32
        }
        if i < input.count { buffer.append(contentsOf: input[i...]) }
    }

    @inline(__always) private mutating func consumeStripe(_ p: UnsafeRawBufferPointer, _ i: Int) {
        v1 = XXHash64.round(v1, XXHash64.load64(p, i))
        v2 = XXHash64.round(v2, XXHash64.load64(p, i + 8))
        v3 = XXHash64.round(v3, XXHash64.load64(p, i + 16))
        v4 = XXHash64.round(v4, XXHash64.load64(p, i + 24))
    }

    public func finalize() -> UInt64 {
        typealias X = XXHash64
        var h: UInt64
        if total >= 32 {
            h = ((v1 << 1) | (v1 >> 63)) &+ ((v2 << 7) | (v2 >> 57)) &+ ((v3 << 12) | (v3 >> 52)) &+ ((v4 << 18) | (v4 >> 46))
            h = X.merge(h, v1); h = X.merge(h, v2); h = X.merge(h, v3); h = X.merge(h, v4)
        } else {
            h = X.p5
        }
        h &+= total
        buffer.withUnsafeBytes { p in
            var i = 0
            while i + 8 <= p.count {
                h ^= X.round(0, X.load64(p, i))
                h = ((h << 27) | (h >> 37)) &* X.p1 &+ X.p4
                i += 8
            }
            if i + 4 <= p.count {
                h ^= UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* X.p1
                h = ((h << 23) | (h >> 41)) &* X.p2 &+ X.p3
                i += 4
            }
            while i < p.count {
                h ^= UInt64(p[i]) &* X.p5
                h = ((h << 11) | (h >> 53)) &* X.p1
                i += 1
            }
        }
        h ^= h >> 33
        h &*= X.p2
        h ^= h >> 29
        h &*= X.p3
        h ^= h >> 32
        return h
    }
}
