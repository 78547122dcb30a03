import Store

/// Object identifiers (RFC 8474): `objectid = 1*255(ALPHA / DIGIT / "_" / "-")`, never
/// given to two different objects of an account. Each joins a content hash, which no reused
/// row id can repeat, to the row that holds the object.
enum ObjectID {
    /// EMAILID: the stored bytes' hash and their row; COPY and MOVE keep it (§5.1).
    static func email(blob: Int64, hash: UInt64) -> String {
        "M" + hex(hash) + String(blob, radix: 36)
    }

    /// THREADID: the hash of the thread's first message (§5.2).
    static func thread(_ key: UInt64) -> String {
        "T" + hex(key)
    }

    /// MAILBOXID: the mailbox's UIDVALIDITY (never reused in an account) and its row; a
    /// RENAME keeps both (§4.1).
    static func mailbox(_ status: MailboxStatus) -> String {
        "F" + hex(UInt64(status.uidValidity)) + String(status.id, radix: 36)
    }

    /// The hash and row of an EMAILID, for SEARCH EMAILID.
    static func parseEmail(_ id: String) -> (hash: UInt64, blob: Int64)? {
        guard id.count > 17, id.first == "M", let hash = UInt64(id.dropFirst().prefix(16), radix: 16),
              let blob = Int64(id.dropFirst(17), radix: 36) else { return nil }
        return (hash, blob)
    }

    static func parseThread(_ id: String) -> UInt64? {
        guard id.count == 17, id.first == "T" else { return nil }
        return UInt64(id.dropFirst(), radix: 16)
    }

    /// Sixteen lowercase hex digits.
    private static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { bytes in
            for i in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> (60 - 4 * i)) & 0xF
                bytes[i] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
            }
            return 16
        }
    }
}
