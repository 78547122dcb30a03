/// IMAP response text under construction: the pieces ENVELOPE and BODYSTRUCTURE are made
/// of (RFC 9051 §4.3, §9). Everything appended keeps the result valid UTF-8, so turning
/// it into a String never changes a byte and literal counts stay true.
struct ResponseText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ ascii: StaticString) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ number: Int) {
        bytes.append(contentsOf: String(number).utf8)
    }

    mutating func appendNil() { append("NIL" as StaticString) }

    mutating func appendNString(_ value: [UInt8]?) {
        if let value { appendString(value) } else { appendNil() }
    }

    /// A quoted string when the value allows one; otherwise a literal. CR and LF cannot
    /// be quoted, and RFC 3501 quoted strings are 7-bit, so 8-bit text goes as a literal
    /// too. NUL is allowed in neither and becomes U+FFFD, as do bytes that are not UTF-8.
    mutating func appendString(_ value: [UInt8]) {
        var needsLiteral = false
        var needsRepair = false
        for byte in value {
            if byte == 0 || byte >= 0x80 { needsRepair = true }
            if byte == .cr || byte == .lf { needsLiteral = true }
        }
        if needsRepair {
            appendLiteral(ResponseText.repaired(value))
        } else if needsLiteral {
            appendLiteral(value)
        } else {
            bytes.append(UInt8(ascii: "\""))
            for byte in value {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func appendLiteral(_ value: [UInt8]) {
        append("{" as StaticString)
        append(value.count)
        append("}\r\n" as StaticString)
        bytes.append(contentsOf: value)
    }

    /// `value` as valid UTF-8 without NUL: what a header value can be shown as.
    static func repaired(_ value: [UInt8]) -> [UInt8] {
        let text = String(decoding: value, as: UTF8.self)
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        for byte in text.utf8 {
            if byte == 0 { out += [0xEF, 0xBF, 0xBD] } else { out.append(byte) }
        }
        return out
    }
}
