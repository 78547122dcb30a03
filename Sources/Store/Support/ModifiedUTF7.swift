/// IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3), as Dovecot and Courier also
/// write Maildir++ folder names on disk: printable ASCII stands for itself, "&" is "&-",
/// anything else is UTF-16 in base64 (with "," for "/") between "&" and "-".
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)
    private static let values: [UInt8: UInt32] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt32($0)) })

    /// `text` encoded; characters in `alsoEncode` are encoded even though they are printable
    /// ASCII (a Maildir++ name cannot hold its "." separator inside a level). Scalar by
    /// scalar: a printable ASCII character stays itself even when a combining mark follows.
    public static func encode(_ text: String, alsoEncode: Set<Unicode.Scalar> = []) -> String {
        if standsForItself(text, alsoEncode) { return text }
        var out = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            for unit in pending { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            var encoded: [UInt8] = [UInt8(ascii: "&")]
            var i = 0
            while i < bytes.count {
                let chunk = bytes[i..<min(i + 3, bytes.count)]
                let n = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
                for j in 0..<(chunk.count + 1) { encoded.append(alphabet[Int((n >> (18 - 6 * UInt32(j))) & 63)]) }
                i += 3
            }
            encoded.append(UInt8(ascii: "-"))
            out += String(decoding: encoded, as: UTF8.self)
            pending.removeAll()
        }
        for scalar in text.unicodeScalars {
            if scalar == "&" {
                flush()
                out += "&-"
            } else if (0x20...0x7E).contains(scalar.value), !alsoEncode.contains(scalar) {
                flush()
                out.unicodeScalars.append(scalar)
            } else {
                pending += UTF16.encode(scalar).map { Array($0) } ?? []
            }
        }
        flush()
        return out
    }

    /// Whether `text` is printable ASCII without "&" or anything of `alsoEncode`: its own
    /// encoding and decoding, as most mailbox names are.
    private static func standsForItself(_ text: String, _ alsoEncode: Set<Unicode.Scalar>) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: "&") }
            && (alsoEncode.isEmpty || !text.unicodeScalars.contains(where: alsoEncode.contains))
    }

    /// The text `encoded` stands for, or nil when it is not valid modified UTF-7 or not the
    /// one spelling `encode` gives (printable ASCII in base64, two base64 runs in a row,
    /// stray padding bits): two spellings of one name would let two mailboxes that the
    /// store keeps apart look the same to a client. `alsoEncoded` is what `encode` was given.
    public static func decode(_ encoded: String, alsoEncoded: Set<Unicode.Scalar> = []) -> String? {
        if standsForItself(encoded, alsoEncoded) { return encoded }
        let bytes = Array(encoded.utf8)
        var units: [UInt16] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b >= 0x20, b <= 0x7E else { return nil }
            guard b == UInt8(ascii: "&") else {
                units.append(UInt16(b))
                i += 1
                continue
            }
            guard let end = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "-")) else { return nil }
            if end == i + 1 { units.append(UInt16(UInt8(ascii: "&"))) }
            var bits: UInt32 = 0
            var count: UInt32 = 0
            for c in bytes[(i + 1)..<end] {
                guard let v = values[c] else { return nil }
                bits = (bits << 6) | v
                count += 6
                if count >= 16 {
                    count -= 16
                    units.append(UInt16(truncatingIfNeeded: bits >> count))
                    bits &= (1 << count) - 1
                }
            }
            // What is left over must be fewer than 6 zero bits (RFC 3501 §5.1.3 padding).
            guard count < 6, bits == 0 else { return nil }
            i = end + 1
        }
        guard let text = String(validating: units, as: UTF16.self), encode(text, alsoEncode: alsoEncoded) == encoded else {
            return nil
        }
        return text
    }
}
