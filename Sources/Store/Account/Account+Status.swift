/// A mailbox as SELECT shows it (`Account.selection`), every part from one snapshot.
public struct MailboxSelection: Sendable {
    public var status: MailboxStatus
    /// Ascending; UIDNEXT lies above every one.
    public var uids: [UID]
    /// The keywords used in the mailbox, sorted.
    public var keywords: [String]
    /// The lowest UID without \Seen, nil when all are seen.
    public var firstUnseen: UID?
}

extension Account {
    /// The lowest UID without \Seen (SELECT's `[UNSEEN n]` in IMAP4rev1), nil when all are
    /// seen; for `reader`, by their own \Seen.
    func firstUnseenLocked(_ mailbox: MailboxID, reader: String?) throws -> UID? {
        let s = try reader.map {
            try db.statement("SELECT min(m.uid) FROM message m \(Account.readerJoin) WHERE m.mailbox = ? AND coalesce(p.seen, 0) = 0")
                .bind(.text($0), .int(mailbox))
        } ?? db.statement("SELECT min(uid) FROM message INDEXED BY message_unseen WHERE mailbox = ? AND flags & 1 = 0").bind(.int(mailbox))
        guard try s.step(), !s.isNull(0) else { return nil }
        return UID(UInt32(truncatingIfNeeded: s.int64(0)))
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
        try withDatabase { try keywordsLocked(mailbox) }
    }

    func keywordsLocked(_ mailbox: MailboxID) throws -> [String] {
        let s = try db.statement("SELECT name FROM keyword WHERE mailbox = ?").bind(.int(mailbox))
        var all: [String] = []
        while try s.step() { all.append(s.text(0) ?? "") }
        return all.sorted()
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
