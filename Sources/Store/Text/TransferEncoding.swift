/// Content-Transfer-Encoding (RFC 2045 §6): undoing base64 and quoted-printable, for
/// BINARY fetches and for searching the text of a part.
public enum TransferEncoding {
    /// The decoded bytes, or nil for an encoding this does not know (RFC 3516's
    /// UNKNOWN-CTE). Decoding is forgiving: characters outside the alphabet are skipped.
    public static func decode(_ bytes: some Collection<UInt8>, encoding: String?) -> [UInt8]? {
        switch encoding?.lowercased() {
        case nil, "7bit", "8bit", "binary": return Array(bytes)
        case "base64": return base64(bytes)
        case "quoted-printable": return quotedPrintable(bytes)
        default: return nil
        }
    }

    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()

    public static func base64(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var bits: UInt32 = 0
        var count = 0
        for b in bytes {
            if b == UInt8(ascii: "=") { break }
            let v = base64Values[Int(b)]
            if v == 0xFF { continue }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out
    }

    public static func quotedPrintable(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let b = input[i]
            guard b == UInt8(ascii: "=") else {
                out.append(b)
                i += 1
                continue
            }
            // A soft line break: "=" then optional trailing whitespace then the line end.
            var j = i + 1
            while j < input.count, input[j] == UInt8(ascii: " ") || input[j] == UInt8(ascii: "\t") { j += 1 }
            if j < input.count, input[j] == UInt8(ascii: "\r") || input[j] == UInt8(ascii: "\n") {
                i = input[j] == UInt8(ascii: "\r") && j + 1 < input.count && input[j + 1] == UInt8(ascii: "\n") ? j + 2 : j + 1
                continue
            }
            if j >= input.count { break }
            if i + 2 < input.count, let hi = hex(input[i + 1]), let lo = hex(input[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b)  // a stray "=" stays as it is
                i += 1
            }
        }
        return out
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
