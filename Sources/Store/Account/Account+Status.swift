extension Account {
    /// The lowest UID without \Seen (SELECT's `[UNSEEN n]` in IMAP4rev1), nil when all are
    /// seen; for `reader`, by their own \Seen.
    public func firstUnseen(in mailbox: MailboxID, reader: String? = nil) throws -> UID? {
        try withDatabase {
            let s = reader == nil
                ? try db.statement("SELECT min(uid) FROM message INDEXED BY message_unseen WHERE mailbox = ? AND flags & 1 = 0").bind(.int(mailbox))
                : try db.statement("SELECT min(m.uid) FROM message m \(Account.readerJoin) WHERE m.mailbox = ? AND coalesce(p.seen, 0) = 0")
                    .bind(.text(reader!), .int(mailbox))
            guard try s.step(), !s.isNull(0) else { return nil }
            return UID(UInt32(truncatingIfNeeded: s.int64(0)))
        }
    }

    /// How many messages carry \Deleted (STATUS DELETED, RFC 9051 §6.3.11).
    public func deletedCount(in mailbox: MailboxID) throws -> Int {
        try withDatabase {
            let s = try db.statement("SELECT count(*) FROM message INDEXED BY message_deleted WHERE mailbox = ? AND flags & 8 != 0").bind(.int(mailbox))
            _ = try s.step()
            return s.int(0)
        }
    }

    /// The keywords used in a mailbox, sorted (SELECT's FLAGS, a Maildir export's
    /// `dovecot-keywords`): every keyword a message of it has carried, kept as they are set.
    public func keywords(in mailbox: MailboxID) throws -> [String] {
        try withDatabase {
            let s = try db.statement("SELECT name FROM keyword WHERE mailbox = ?").bind(.int(mailbox))
            var all: [String] = []
            while try s.step() { all.append(s.text(0) ?? "") }
            return all.sorted()
        }
    }

    /// Records the keywords of `flags` as used in `mailbox`.
    func noteKeywordsLocked(_ flags: Flags, in mailbox: MailboxID) throws {
        guard !flags.keywords.isEmpty else { return }
        let s = try db.statement("INSERT OR IGNORE INTO keyword(mailbox, name) VALUES(?, ?)")
        for k in flags.keywords {
            s.reset()
            try s.bind(.int(mailbox), .text(k)).run()
        }
    }
}
