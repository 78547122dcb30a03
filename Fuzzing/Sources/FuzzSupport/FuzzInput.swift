/// A fuzzer's bytes as a test case: the first byte seeds where the rest is cut into reads,
/// so libFuzzer explores both what a client sends and how it arrives in pieces.
public struct FuzzInput {
    /// The input after the seed byte.
    public let bytes: [UInt8]
    private let seed: UInt64

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        let all = UnsafeBufferPointer(start: data, count: size)
        seed = UInt64(all.first ?? 0)
        bytes = Array(all.dropFirst())
    }

    /// `bytes` cut into reads of 1 to `maxRead` bytes, the same cuts for the same input.
    public func reads(maxRead: Int) -> [ArraySlice<UInt8>] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
        var reads: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            // SplitMix64: cheap, and spreads a one-byte seed over many cut points.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let length = 1 + Int(z % UInt64(maxRead))
            let end = min(bytes.count, start + length)
            reads.append(bytes[start..<end])
            start = end
        }
        return reads
    }
}

/// What every reply line must be, whatever the client sent: printable US-ASCII (no NUL,
/// no bare CR, no raw 8-bit), ended by one CRLF, within the protocol's line length.
public enum ReplyLines {
    /// Traps, naming `protocolName` and the offending reply, unless each line of `reply`
    /// holds to the rules and is at most `limit` octets with its CRLF.
    public static func require(_ reply: some Collection<UInt8>, limit: Int, _ protocolName: String) {
        let bytes = Array(reply)
        precondition(bytes.count >= 2 && bytes.suffix(2) == [0x0D, 0x0A], "\(protocolName) reply does not end in CRLF: \(bytes)")
        var lineStart = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0D {
                precondition(i + 1 < bytes.count && bytes[i + 1] == 0x0A, "\(protocolName) reply has a bare CR: \(bytes)")
                precondition(i + 2 - lineStart <= limit, "\(protocolName) reply line over \(limit) octets: \(bytes[lineStart..<i + 2])")
                i += 2
                lineStart = i
                continue
            }
            precondition((0x20...0x7E).contains(bytes[i]), "\(protocolName) reply has byte \(bytes[i]): \(bytes)")
            i += 1
        }
    }
}
