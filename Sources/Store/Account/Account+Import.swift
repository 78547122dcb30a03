import Foundation

/// What identifies a message's bytes within a mailbox, for an import that must not store
/// the same message twice when it is run again: the stored bytes' XXH64 and their length.
public struct ContentKey: Hashable, Sendable {
    public var hash: UInt64
    public var size: Int

    public init(hash: UInt64, size: Int) {
        self.hash = hash
        self.size = size
    }

    public init(bytes: [UInt8]) {
        self.init(hash: XXHash64.hash(bytes), size: bytes.count)
    }
}

extension Account {
    /// For a migration: the mailbox `name`, created with its ancestors when missing. With
    /// `uidValidity` given, a new mailbox gets that UIDVALIDITY, and an existing one that
    /// has never held a message (UIDNEXT 1, so no client can have seen a UID of it) takes
    /// it. A mailbox in use keeps its own; the caller compares the returned UIDVALIDITY to
    /// learn whether the old UIDs can be kept.
    public func mailboxForImport(named name: String, uidValidity: UInt32?) throws -> MailboxStatus {
        let canonical = try MailboxPath.canonical(name)
        let (status, adopted) = try withDatabase { () -> (MailboxStatus, Bool) in
            try db.transaction {
                for ancestor in MailboxPath.ancestors(of: canonical) + [canonical] where try !mailboxExistsLocked(ancestor) {
                    let value = ancestor == canonical ? uidValidity : nil
                    try db.statement("INSERT INTO mailbox(name, uidvalidity, created) VALUES(?, ?, ?)")
                        .bind(.text(ancestor), .int(Int64(try value ?? nextUIDValidity())), .int(Int64(Date().timeIntervalSince1970)))
                        .run()
                    if let value { try keepUIDValidityCounterAbove(value) }
                }
                let box = try mailboxLocked(named: canonical)
                guard let uidValidity, box.uidValidity != uidValidity, box.uidNext.rawValue == 1 else { return (box, false) }
                try db.statement("UPDATE mailbox SET uidvalidity = ? WHERE id = ?").bind(.int(Int64(uidValidity)), .int(box.id)).run()
                try keepUIDValidityCounterAbove(uidValidity)
                return (try mailboxLocked(id: box.id), true)
            }
        }
        // Sessions that have the (empty) mailbox selected must re-read it.
        if adopted { hub.publish(.external, to: status.id) }
        return status
    }

    /// Mailboxes created later get a UIDVALIDITY above an imported one.
    private func keepUIDValidityCounterAbove(_ value: UInt32) throws {
        if try counter("uidvalidity") < Int64(value) { try setCounter("uidvalidity", Int64(value)) }
    }

    /// Raises a mailbox's UIDNEXT to at least `next`, so that UIDs the old server handed
    /// out for messages that are gone are never given to new ones (RFC 9051 §2.3.1.1).
    public func reserveUIDs(below next: UID, in mailbox: MailboxID) throws {
        try withDatabase {
            try db.transaction {
                _ = try mailboxLocked(id: mailbox)
                try db.statement("UPDATE mailbox SET uidnext = max(uidnext, ?) WHERE id = ?")
                    .bind(.int(Int64(next.rawValue)), .int(mailbox)).run()
            }
        }
    }

    /// How many messages of each content a mailbox holds (copies counted), so that an
    /// import run again skips what it stored before.
    public func contentKeys(in mailbox: MailboxID) throws -> [ContentKey: Int] {
        try withDatabase {
            _ = try mailboxLocked(id: mailbox)
            let s = try db.statement("SELECT b.hash, b.length FROM message m JOIN blob b ON b.id = m.blob WHERE m.mailbox = ?")
                .bind(.int(mailbox))
            var keys: [ContentKey: Int] = [:]
            while try s.step() { keys[ContentKey(hash: UInt64(bitPattern: s.int64(0)), size: s.int(1)), default: 0] += 1 }
            return keys
        }
    }
}

extension Account {
    /// Calls `body` for every message of a mailbox in UID order with a way to stream its
    /// bytes, a thousand index rows at a time, without holding the account while `body`
    /// runs (for exports of mailboxes of any size). The read throws `nonexistent` when the
    /// message was expunged since.
    public func forEachMessage(in mailbox: MailboxID,
                               _ body: (MessageRecord, _ read: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Void) throws {
        var next: UInt32 = 1
        while true {
            var records: [MessageRecord] = []
            try withDatabase {
                let s = try db.statement("SELECT \(Account.recordColumns) FROM message m WHERE m.mailbox = ? AND m.uid >= ? ORDER BY m.uid LIMIT 1000")
                    .bind(.int(mailbox), .int(Int64(next)))
                while try s.step() { records.append(Account.record(s)) }
            }
            guard let last = records.last else { return }
            for record in records {
                try body(record) { chunk in try read(blob: record.blob, chunk: chunk) }
            }
            guard last.uid.rawValue < UInt32.max else { return }
            next = last.uid.rawValue + 1
        }
    }
}
