#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The msg-ids of a Message-ID, In-Reply-To or References value (RFC 5322 §3.6.4), in a
/// normal form: quoting, whitespace and comments inside the angle brackets removed, so that
/// `<"a.b"@host>` and `<a.b@host>` are one ID (RFC 5256 §3, REFERENCES). Text outside the
/// brackets (phrases, comments, as In-Reply-To often carries) is skipped.
enum MessageIDs {
    /// Calls `body` with the bytes of each ID in `value`, in order, until it returns false.
    /// The bytes are valid only during the call.
    static func forEach(in value: String?, _ body: (UnsafeRawBufferPointer) -> Bool) {
        guard var value else { return }
        value.withUTF8 { v in
            // An ID is never longer than the value it came from: one scratch buffer serves all.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: v.count + 1) { id in
                var i = 0
                while i < v.count {
                    var n = 0
                    switch v[i] {
                    case UInt8(ascii: "("): i = skipComment(v, i)
                    case UInt8(ascii: "\""): i = skipQuoted(v, i, into: id, at: &n)
                    case UInt8(ascii: "<"):
                        var j = i + 1
                        var closed = false
                        inside: while j < v.count {
                            switch v[j] {
                            case UInt8(ascii: ">"):
                                closed = true
                                j += 1
                                break inside
                            case UInt8(ascii: "<"): break inside  // a stray "<": start again there
                            case UInt8(ascii: "\""): j = skipQuoted(v, j, into: id, at: &n)
                            case UInt8(ascii: "("): j = skipComment(v, j)
                            case .space, .tab, .cr, .lf: j += 1
                            default:
                                id[n] = v[j]
                                n += 1
                                j += 1
                            }
                        }
                        i = j
                        if closed, n > 0, !body(UnsafeRawBufferPointer(start: id.baseAddress, count: n)) { return }
                    default: i += 1
                    }
                }
            }
        }
    }

    /// Past the comment opening at `i` (comments nest, RFC 5322 §3.2.2).
    private static func skipComment(_ v: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var depth = 0
        var j = i
        while j < v.count {
            switch v[j] {
            case UInt8(ascii: "\\"): j += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return j + 1 }
            default: break
            }
            j += 1
        }
        return j
    }

    /// Past the quoted string opening at `i`, its content (unescaped) written to `out` at `n`.
    private static func skipQuoted(_ v: UnsafeBufferPointer<UInt8>, _ i: Int, into out: UnsafeMutableBufferPointer<UInt8>,
                                   at n: inout Int) -> Int {
        var j = i + 1
        while j < v.count {
            var b = v[j]
            if b == UInt8(ascii: "\"") { return j + 1 }
            if b == UInt8(ascii: "\\"), j + 1 < v.count {
                j += 1
                b = v[j]
            }
            out[n] = b
            n += 1
            j += 1
        }
        return j
    }
}

/// Message IDs to thread nodes, exactly (RFC 5256: "Message ID comparisons are
/// case-sensitive"), without a String per ID: each ID's bytes are kept once, found by a
/// 64-bit hash, and IDs sharing a hash are chained.
struct MessageIDTable {
    private var firstWithHash: [UInt64: Int] = [:]
    /// Per node: where its ID's bytes lie, and the next node whose ID has the same hash.
    private var spans: [Range<Int>] = []
    private var sameHash: [Int] = []
    private var bytes: [UInt8] = []

    init(capacity: Int) {
        firstWithHash.reserveCapacity(capacity)
    }

    func node(for id: UnsafeRawBufferPointer) -> Int? {
        var k = firstWithHash[XXHash64.hash(id)] ?? -1
        while k >= 0 {
            let span = spans[k]
            if span.count == id.count, bytes.withUnsafeBytes({ memcmp($0.baseAddress! + span.lowerBound, id.baseAddress!, id.count) == 0 }) {
                return k
            }
            k = sameHash[k]
        }
        return nil
    }

    /// Gives `id` to `node`, which has none yet; nodes are numbered without gaps from 0.
    mutating func insert(_ id: UnsafeRawBufferPointer, node: Int) {
        while spans.count <= node {
            spans.append(0..<0)
            sameHash.append(-1)
        }
        let hash = XXHash64.hash(id)
        spans[node] = bytes.count..<(bytes.count + id.count)
        bytes.append(contentsOf: id)
        sameHash[node] = firstWithHash[hash] ?? -1
        firstWithHash[hash] = node
    }
}

extension MessageIDs {
    /// How many of a new message's references its thread is looked up by, nearest first.
    static let lookupLimit = 20

    /// Each ID of `value` between angle brackets, the form Message-ID fields are stored in.
    static func all(in value: String?) -> [String] {
        var ids: [String] = []
        forEach(in: value) { id in
            ids.append("<" + String(decoding: id, as: UTF8.self) + ">")
            return true
        }
        return ids
    }
}
