/// The msg-ids of a Message-ID, In-Reply-To or References value (RFC 5322 §3.6.4), in a
/// normal form: quoting, whitespace and comments inside the angle brackets removed, so that
/// `<"a.b"@host>` and `<a.b@host>` are one ID (RFC 5256 §3, REFERENCES). Text outside the
/// brackets (phrases, comments, as In-Reply-To often carries) is skipped.
enum MessageIDs {
    /// Every msg-id in `value`, in order.
    static func all(_ value: String?) -> [String] {
        var ids: [String] = []
        scan(value) { ids.append($0); return true }
        return ids
    }

    /// The first msg-id in `value`.
    static func first(_ value: String?) -> String? {
        var found: String?
        scan(value) { found = $0; return false }
        return found
    }

    /// Calls `body` with each ID until it returns false.
    private static func scan(_ value: String?, _ body: (String) -> Bool) {
        guard let value else { return }
        let v = Array(value.utf8)
        var i = 0
        while i < v.count {
            switch v[i] {
            case UInt8(ascii: "("): i = skipComment(v, i)
            case UInt8(ascii: "\""):
                var phrase: [UInt8] = []
                i = skipQuoted(v, i, into: &phrase)
            case UInt8(ascii: "<"):
                var id: [UInt8] = []
                var j = i + 1
                var closed = false
                inside: while j < v.count {
                    switch v[j] {
                    case UInt8(ascii: ">"):
                        closed = true
                        j += 1
                        break inside
                    case UInt8(ascii: "<"): break inside  // a stray "<": start again there
                    case UInt8(ascii: "\""): j = skipQuoted(v, j, into: &id)
                    case UInt8(ascii: "("): j = skipComment(v, j)
                    case .space, .tab, .cr, .lf: j += 1
                    default:
                        id.append(v[j])
                        j += 1
                    }
                }
                i = j
                if closed, !id.isEmpty, !body(String(decoding: id, as: UTF8.self)) { return }
            default: i += 1
            }
        }
    }

    /// Past the comment opening at `i` (comments nest, RFC 5322 §3.2.2).
    private static func skipComment(_ v: [UInt8], _ i: Int) -> Int {
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

    /// Past the quoted string opening at `i`, its content (unescaped) appended to `out`.
    private static func skipQuoted(_ v: [UInt8], _ i: Int, into out: inout [UInt8]) -> Int {
        var j = i + 1
        while j < v.count {
            var b = v[j]
            if b == UInt8(ascii: "\"") { return j + 1 }
            if b == UInt8(ascii: "\\"), j + 1 < v.count {
                j += 1
                b = v[j]
            }
            out.append(b)
            j += 1
        }
        return j
    }
}
