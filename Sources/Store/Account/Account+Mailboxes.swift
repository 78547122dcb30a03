import Foundation

/// A mailbox's identity and counters, read in one row: what SELECT and STATUS answer from.
public struct MailboxStatus: Sendable, Equatable {
    public var id: MailboxID
    public var name: String
    public var uidValidity: UInt32
    public var uidNext: UID
    public var highestModSeq: ModSequence
    public var messages: Int
    public var unseen: Int
    public var recent: Int
    public var size: Int64
    public var specialUse: String?
}

/// RFC 6154 special-use attributes a mailbox may carry.
public enum SpecialUse {
    public static let all = ["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"]

    /// The canonical spelling of an attribute, or nil if it is not one.
    public static func canonical(_ attribute: String) -> String? {
        all.first { $0.lowercased() == attribute.lowercased() }
    }
}

extension Account {
    static let mailboxColumns = "id, name, uidvalidity, uidnext, highestmodseq, messages, unseen, recent, size, special_use"

    static func mailboxStatus(_ s: Statement) -> MailboxStatus {
        MailboxStatus(
            id: s.int64(0), name: s.text(1) ?? "", uidValidity: UInt32(truncatingIfNeeded: s.int64(2)),
            uidNext: UID(UInt32(truncatingIfNeeded: s.int64(3))), highestModSeq: ModSequence(UInt64(s.int64(4))),
            messages: s.int(5), unseen: s.int(6), recent: s.int(7), size: s.int64(8), specialUse: s.text(9))
    }

    /// Every mailbox of the account, sorted by name.
    public func mailboxes() throws -> [MailboxStatus] {
        try withDatabase {
            let s = try db.statement("SELECT \(Account.mailboxColumns) FROM mailbox ORDER BY name")
            var result: [MailboxStatus] = []
            while try s.step() { result.append(Account.mailboxStatus(s)) }
            return result
        }
    }

    public func mailbox(named name: String) throws -> MailboxStatus {
        let canonical = try MailboxPath.canonical(name)
        return try withDatabase { try mailboxLocked(named: canonical) }
    }

    public func mailbox(id: MailboxID) throws -> MailboxStatus {
        try withDatabase { try mailboxLocked(id: id) }
    }

    func mailboxLocked(named canonical: String) throws -> MailboxStatus {
        let s = try db.statement("SELECT \(Account.mailboxColumns) FROM mailbox WHERE name = ?").bind(.text(canonical))
        guard try s.step() else { throw StoreError.nonexistent("mailbox \(canonical) does not exist") }
        return Account.mailboxStatus(s)
    }

    func mailboxLocked(id: MailboxID) throws -> MailboxStatus {
        let s = try db.statement("SELECT \(Account.mailboxColumns) FROM mailbox WHERE id = ?").bind(.int(id))
        guard try s.step() else { throw StoreError.nonexistent("mailbox no longer exists") }
        return Account.mailboxStatus(s)
    }

    func mailboxExistsLocked(_ canonical: String) throws -> Bool {
        let s = try db.statement("SELECT 1 FROM mailbox WHERE name = ?").bind(.text(canonical))
        return try s.step()
    }

    /// Creates a mailbox and any missing ancestors (RFC 9051 §6.3.4), each with a fresh UIDVALIDITY.
    @discardableResult
    public func createMailbox(_ name: String, specialUse: String? = nil) throws -> MailboxStatus {
        let canonical = try MailboxPath.canonical(name)
        let use = try specialUse.map { attribute -> String in
            guard let c = SpecialUse.canonical(attribute) else { throw StoreError.invalidArgument("\(attribute) is not a special-use attribute") }
            return c
        }
        let (status, made) = try withDatabase {
            try db.transaction { () -> (MailboxStatus, [String]) in
                guard try !mailboxExistsLocked(canonical) else { throw StoreError.alreadyExists("mailbox \(canonical) already exists") }
                var made: [String] = []
                for ancestor in MailboxPath.ancestors(of: canonical) where try !mailboxExistsLocked(ancestor) {
                    try insertMailboxLocked(ancestor, specialUse: nil)
                    made.append(ancestor)
                }
                try insertMailboxLocked(canonical, specialUse: use)
                return (try mailboxLocked(named: canonical), made + [canonical])
            }
        }
        for name in made { hub.publish(.created(name)) }
        return status
    }

    func insertMailboxLocked(_ canonical: String, specialUse: String?) throws {
        try db.statement("INSERT INTO mailbox(name, uidvalidity, special_use, created) VALUES(?, ?, ?, ?)")
            .bind(.text(canonical), .int(Int64(try nextUIDValidity())), .optionalText(specialUse), .int(Int64(Date().timeIntervalSince1970)))
            .run()
    }

    /// Deletes a mailbox and its messages. Its children, if any, stay (RFC 9051 §6.3.5);
    /// INBOX cannot be deleted.
    public func deleteMailbox(_ name: String) throws {
        let canonical = try MailboxPath.canonical(name)
        guard !MailboxPath.isInbox(canonical) else { throw StoreError.notPermitted("INBOX cannot be deleted") }
        let id: MailboxID = try withDatabase {
            try db.transaction {
                let box = try mailboxLocked(named: canonical)
                try releaseBlobsLocked(of: "SELECT blob FROM message WHERE mailbox = ?", .int(box.id))
                try db.statement("DELETE FROM message WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM expunged WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM uid_run WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM private_seen WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM acl WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM metadata WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM keyword WHERE mailbox = ?").bind(.int(box.id)).run()
                try db.statement("DELETE FROM mailbox WHERE id = ?").bind(.int(box.id)).run()
                return box.id
            }
        }
        hub.publish(.deleted, to: id)
        hub.publish(.deleted(canonical))
    }

    /// Renames a mailbox with all its children. Renaming INBOX moves its messages into a
    /// new mailbox and leaves INBOX empty (RFC 9051 §6.3.6).
    public func renameMailbox(_ from: String, to: String) throws {
        let old = try MailboxPath.canonical(from)
        let new = try MailboxPath.canonical(to)
        guard !MailboxPath.isInbox(new) else { throw StoreError.alreadyExists("mailbox INBOX already exists") }
        guard old != new else { throw StoreError.alreadyExists("mailbox \(new) already exists") }
        guard !new.hasPrefix(old + "/") else { throw StoreError.invalidArgument("a mailbox cannot be moved inside itself") }
        if MailboxPath.isInbox(old) {
            try renameInbox(to: new)
            return
        }
        let renamed: [(MailboxID, String)] = try withDatabase {
            try db.transaction {
                _ = try mailboxLocked(named: old)
                guard try !mailboxExistsLocked(new) else { throw StoreError.alreadyExists("mailbox \(new) already exists") }
                let children = try db.statement("SELECT id, name FROM mailbox WHERE name = ? OR substr(name, 1, ?) = ?")
                    .bind(.text(old), .int(old.utf8.count + 1), .text(old + "/"))
                var moves: [(MailboxID, String)] = []
                while try children.step() {
                    let name = children.text(1) ?? ""
                    moves.append((children.int64(0), new + name.dropFirst(old.count)))
                }
                for (_, target) in moves where try mailboxExistsLocked(target) {
                    throw StoreError.alreadyExists("mailbox \(target) already exists")
                }
                for ancestor in MailboxPath.ancestors(of: new) where try !mailboxExistsLocked(ancestor) {
                    try insertMailboxLocked(ancestor, specialUse: nil)
                }
                for (id, target) in moves {
                    try db.statement("UPDATE mailbox SET name = ? WHERE id = ?").bind(.text(target), .int(id)).run()
                }
                return moves
            }
        }
        for (id, name) in renamed { hub.publish(.renamed(name), to: id) }
        for (_, name) in renamed { hub.publish(.renamed(from: old + name.dropFirst(new.count), to: name)) }
    }

    private func renameInbox(to new: String) throws {
        let target = try createMailbox(new)
        let inbox = try mailbox(named: MailboxPath.inbox)
        let all = try uids(in: inbox.id)
        if !all.isEmpty {
            _ = try move(UIDSet(all), from: inbox.id, to: target.id)
        }
    }

    // MARK: Subscriptions (names are kept as given: they may name other users' mailboxes)

    public func subscriptions() throws -> [String] {
        try withDatabase {
            let s = try db.statement("SELECT name FROM subscription ORDER BY name")
            var names: [String] = []
            while try s.step() { names.append(s.text(0) ?? "") }
            return names
        }
    }

    public func subscribe(_ name: String) throws {
        try withDatabase {
            try db.statement("INSERT OR IGNORE INTO subscription(name) VALUES(?)").bind(.text(name)).run()
        }
        hub.publish(.subscription(name, subscribed: true))
    }

    public func unsubscribe(_ name: String) throws {
        try withDatabase {
            try db.statement("DELETE FROM subscription WHERE name = ?").bind(.text(name)).run()
        }
        hub.publish(.subscription(name, subscribed: false))
    }
}
