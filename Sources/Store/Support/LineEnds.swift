/// Messages are stored with CRLF line ends, as IMAP serves them (RFC 9051 §2.3.4 counts
/// RFC822.SIZE in CRLF form). Local delivery from a Unix pipe gives bare LF.
public enum LineEnds {
    /// `bytes` with every bare LF made CRLF; CRLF pairs and lone CRs are kept.
    public static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var bare = 0
        for i in bytes.indices where bytes[i] == 10 && (i == 0 || bytes[i - 1] != 13) { bare += 1 }
        guard bare > 0 else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bare)
        for i in bytes.indices {
            if bytes[i] == 10 && (i == 0 || bytes[i - 1] != 13) { out.append(13) }
            out.append(bytes[i])
        }
        return out
    }
}
