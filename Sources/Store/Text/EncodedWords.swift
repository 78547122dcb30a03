/// Header text with RFC 2047 encoded words (`=?charset?B?...?=`, `=?charset?Q?...?=`)
/// decoded, for searching headers. Whitespace between two adjacent encoded words is
/// dropped (RFC 2047 §6.2); anything that is not a well-formed encoded word stays as written.
public enum EncodedWords {
    public static func decode(_ value: [UInt8]) -> String {
        var out = ""
        var pendingSpace: [UInt8] = []
        var lastWasEncoded = false
        var plain: [UInt8] = []
        var i = 0
        func flushPlain() {
            if !plain.isEmpty {
                out += Charset.decode(plain, charset: nil)
                plain.removeAll()
            }
        }
        while i < value.count {
            let b = value[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") {
                pendingSpace.append(b == UInt8(ascii: "\t") ? UInt8(ascii: " ") : b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "="), i + 1 < value.count, value[i + 1] == UInt8(ascii: "?"),
               let (text, end) = word(value, at: i) {
                if !lastWasEncoded { plain += pendingSpace.filter { $0 == UInt8(ascii: " ") } }
                pendingSpace.removeAll()
                flushPlain()
                out += text
                lastWasEncoded = true
                i = end
                continue
            }
            plain += pendingSpace.filter { $0 == UInt8(ascii: " ") }
            pendingSpace.removeAll()
            plain.append(b)
            lastWasEncoded = false
            i += 1
        }
        flushPlain()
        return out
    }

    /// The encoded word starting at `start`: its decoded text and where it ends.
    private static func word(_ v: [UInt8], at start: Int) -> (String, Int)? {
        var i = start + 2
        let charsetStart = i
        while i < v.count, v[i] != UInt8(ascii: "?"), v[i] > 0x20 { i += 1 }
        guard i < v.count, v[i] == UInt8(ascii: "?"), i > charsetStart, i + 2 < v.count, v[i + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: v[charsetStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        let encoding = v[i + 1] | 0x20
        i += 3
        let textStart = i
        while i + 1 < v.count, !(v[i] == UInt8(ascii: "?") && v[i + 1] == UInt8(ascii: "=")) {
            guard v[i] > 0x20 else { return nil }
            i += 1
        }
        guard i + 1 < v.count else { return nil }
        let text = v[textStart..<i]
        let bytes: [UInt8]
        switch encoding {
        case UInt8(ascii: "b"): bytes = TransferEncoding.base64(text)
        case UInt8(ascii: "q"): bytes = TransferEncoding.quotedPrintable(text.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: " ") : $0 })
        default: return nil
        }
        return (Charset.decode(bytes, charset: charset), i + 2)
    }
}

extension EncodedWords {
    /// `text` decoded, or `text` itself, whitespace and all, when it holds no encoded word:
    /// what sorting a hundred thousand subjects, most of them plain, wants.
    static func decodeIfEncoded(_ text: String) -> String {
        var previous: UInt8 = 0
        for b in text.utf8 {
            if previous == UInt8(ascii: "="), b == UInt8(ascii: "?") { return decode(Array(text.utf8)) }
            previous = b
        }
        return text
    }
}
