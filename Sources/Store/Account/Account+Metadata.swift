extension Account {
    /// METADATA entries (RFC 5464) of a mailbox, or of the server (`mailbox` nil: this
    /// account's private server entries), as `account` sees them: the shared ones and its
    /// own private ones. `names` and, to `depth`, the entries below them.
    public func metadata(_ names: [MetadataEntryName], depth: MetadataDepth, of mailbox: MailboxID?, for account: String) throws -> [MetadataEntry] {
        try withDatabase {
            if let mailbox { _ = try mailboxLocked(id: mailbox) }
            return try MetadataRows.read(db, mailbox: mailbox ?? 0, account: account, names: names, depth: depth)
        }
    }

    /// Sets or (nil) removes entries, all or none (RFC 5464 §4.3).
    public func setMetadata(_ changes: [(MetadataEntryName, [UInt8]?)], of mailbox: MailboxID?, for account: String) throws {
        try withDatabase {
            if let mailbox { _ = try mailboxLocked(id: mailbox) }
            try MetadataRows.write(db, mailbox: mailbox ?? 0, account: account, changes)
        }
    }
}
