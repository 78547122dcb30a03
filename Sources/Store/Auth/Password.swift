import CCrypt
import Foundation

/// Password hashes in crypt(3) form, made and checked with glibc's libcrypt.
/// New hashes are SHA512-CRYPT (`$6$`, what Dovecot installations commonly hold); any
/// scheme libcrypt knows (`$y$`, `$2b$`, `$5$`, `$1$`) verifies.
public enum Password {
    /// Hashes a password with a fresh random salt.
    public static func hash(_ password: String) throws -> String {
        var settingBuffer = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$6$", 0, nil, 0, &settingBuffer, Int32(settingBuffer.count)) != nil else {
            throw StoreError.io("cannot make a password salt: \(errnoText())")
        }
        let setting = settingBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let hashed = crypt(password, setting: setting), hashed.hasPrefix("$6$") else {
            throw StoreError.io("cannot hash the password")
        }
        return hashed
    }

    /// True when `password` matches `stored`. The comparison takes the same time wherever
    /// the first difference is.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard stored.hasPrefix("$"), let computed = crypt(password, setting: stored) else { return false }
        return constantTimeEqual(Array(computed.utf8), Array(stored.utf8))
    }

    /// A stored hash to use for a password hash given on import. Accepts crypt(3) strings and
    /// Dovecot's `{SCHEME}hash` form for the crypt schemes; `{PLAIN}`/`{CLEARTEXT}` passwords
    /// are hashed here rather than kept.
    public static func importing(_ given: String) throws -> String {
        var scheme: String? = nil
        var value = given
        if given.hasPrefix("{"), let close = given.firstIndex(of: "}") {
            scheme = given[given.index(after: given.startIndex)..<close].uppercased()
            value = String(given[given.index(after: close)...])
        }
        switch scheme {
        case nil, "CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "MD5-CRYPT", "BLF-CRYPT", "DES-CRYPT":
            guard isCryptHash(value) else { throw StoreError.invalidArgument("'\(given.prefix(12))...' is not a crypt(3) password hash") }
            return value
        case "PLAIN", "CLEARTEXT":
            return try hash(value)
        case let other?:
            throw StoreError.invalidArgument("password scheme {\(other)} is not supported (use a crypt scheme such as {SHA512-CRYPT})")
        }
    }

    /// A crypt string libcrypt accepts as a setting, with a hash part after it.
    static func isCryptHash(_ s: String) -> Bool {
        let prefixes = ["$6$", "$5$", "$1$", "$2a$", "$2b$", "$2y$", "$y$", "$gy$", "$7$"]
        guard prefixes.contains(where: { s.hasPrefix($0) }), s.count > 20 else { return false }
        // libcrypt answers an unusable setting with a "*0"/"*1" failure token.
        guard let out = crypt("probe", setting: s) else { return false }
        return !out.hasPrefix("*")
    }

    private static func crypt(_ password: String, setting: String) -> String? {
        // crypt_data is 32 KiB: heap, zeroed, one per call so concurrent logins never share it.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let s = String(cString: result)
        return s.hasPrefix("*") ? nil : s
    }

    /// Whether `a` and `b` are equal, in a time that depends on their lengths only, not on
    /// where they first differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
