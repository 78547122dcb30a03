#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sort keys for the i;unicode-casemap collation (RFC 5051), which SORT and THREAD compare
/// strings with (RFC 5256 §7): comparing two keys byte by byte orders the strings.
public enum UnicodeCasemap {
    public static func key(_ text: String) -> [UInt8] {
        var key = Array(text.utf8)
        if key.allSatisfy({ $0 < 0x80 }) {
            for i in key.indices { key[i] = key[i].asciiUppercased }
            return key
        }
        // TextFolding folds case and decomposes (NFKD) as RFC 5051 §2 does, but to lower case;
        // RFC 5051 maps to titlecase, under which the ASCII letters sort before "[\]^_`", so
        // they are raised back to capitals.
        key = TextFolding.fold(text)
        for i in key.indices { key[i] = key[i].asciiUppercased }
        return key
    }

    /// Byte order of two keys: negative, zero or positive.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let common = min(a.count, b.count)
        let order = a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in common == 0 ? 0 : Int(memcmp(pa.baseAddress!, pb.baseAddress!, common)) }
        }
        return order != 0 ? order : a.count - b.count
    }
}
