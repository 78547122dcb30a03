import CICU

/// Text in the charsets mail is written in, turned into Swift strings through ICU.
public enum Charset {
    /// `bytes` in `charset` (nil or unknown: UTF-8, then Latin-1 when that fails) as a String.
    public static func decode(_ bytes: some Collection<UInt8>, charset: String?) -> String {
        let name = charset?.lowercased() ?? "utf-8"
        switch name {
        case "utf-8", "utf8", "us-ascii", "ascii", "":
            return utf8OrLatin1(bytes)
        case "iso-8859-1", "latin1", "latin-1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            return convert(Array(bytes), from: name) ?? utf8OrLatin1(bytes)
        }
    }

    /// Whether `charset` can be decoded (SEARCH CHARSET answers BADCHARSET otherwise).
    public static func isKnown(_ charset: String) -> Bool {
        roost_icu_charset_known(charset) != 0
    }

    /// `bytes` in `charset` converted by ICU, nil when ICU does not know the charset.
    public static func convert(_ bytes: [UInt8], from charset: String) -> String? {
        if bytes.isEmpty { return isKnown(charset) ? "" : nil }
        return ICUCall.run(bytes, capacity: bytes.count * 3 + 16) {
            roost_icu_to_utf8(charset, $0, $1, $2, $3, $4)
        }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Mail that claims no charset is most often UTF-8 or Latin-1; take UTF-8 when it is valid.
    static func utf8OrLatin1(_ bytes: some Collection<UInt8>) -> String {
        if let s = String(validating: Array(bytes), as: UTF8.self) { return s }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

/// The form text is compared in for case-insensitive search (RFC 5051 i;unicode-casemap:
/// full case folding, then NFKD), as UTF-8 bytes.
public enum TextFolding {
    public static func fold(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        }
        return ICUCall.run(utf8, capacity: utf8.count * 4 + 16) { roost_icu_fold($0, $1, $2, $3, $4) }
            ?? Array(text.lowercased().utf8)
    }

    /// Whether folded `haystack` contains folded `needle`.
    public static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                roost_find_bytes(h.baseAddress, Int64(h.count), n.baseAddress, Int64(n.count)) >= 0
            }
        }
    }
}

/// Calls one of the CICU functions that write into a buffer, growing it once when the
/// function says it is too small. Nil when the call fails.
enum ICUCall {
    typealias Function = (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<CChar>?, Int32, UnsafeMutablePointer<Int32>) -> Int32

    static func run(_ input: [UInt8], capacity: Int, _ function: Function) -> [UInt8]? {
        var capacity = capacity
        for _ in 0..<2 {
            var out = [UInt8](repeating: 0, count: capacity)
            var needed: Int32 = 0
            let written = input.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    i.withMemoryRebound(to: CChar.self) { i in
                        o.withMemoryRebound(to: CChar.self) { o in
                            function(i.baseAddress, Int32(i.count), o.baseAddress, Int32(o.count), &needed)
                        }
                    }
                }
            }
            if written >= 0 { return Array(out[..<Int(written)]) }
            guard written == ROOST_ICU_TOO_SMALL else { return nil }
            capacity = Int(needed) + 16
        }
        return nil
    }
}
