/// The UIDs of an account's large mailboxes as last read, each with the mailbox state
/// it was read at. A mailbox gains messages only with UIDs at or above UIDNEXT, which
/// then grows, and loses them only by its message count dropping; so when UIDVALIDITY,
/// UIDNEXT and the count are as they were, the UIDs are too, whichever process changed
/// the account in between. When only UIDNEXT moved, the cached UIDs are still there and
/// only the new ones need reading.
struct UIDCache {
    private struct Entry {
        var uidValidity: UInt32
        var uidNext: UID
        var uids: [UID]
    }

    /// Smaller mailboxes are read whole each time: that is as fast as keeping them.
    var smallest = 10_000
    /// Mailboxes kept per account; beyond it the cache starts again.
    static let capacity = 8
    private var entries: [MailboxID: Entry] = [:]

    /// The UIDs of `box` when nothing changed since they were kept.
    func uids(of box: MailboxStatus) -> [UID]? {
        guard let e = entries[box.id], e.uidValidity == box.uidValidity, e.uidNext == box.uidNext,
              e.uids.count == box.messages else { return nil }
        return e.uids
    }

    /// The UIDs kept for `box` when it may only have gained messages since: a prefix of
    /// its UIDs now, all below the UIDNEXT they were read at.
    func stale(_ box: MailboxStatus) -> [UID]? {
        guard let e = entries[box.id], e.uidValidity == box.uidValidity, e.uidNext < box.uidNext else { return nil }
        return e.uids
    }

    mutating func keep(_ uids: [UID], of box: MailboxStatus) {
        guard uids.count >= smallest else {
            entries[box.id] = nil
            return
        }
        if entries[box.id] == nil && entries.count >= UIDCache.capacity { entries.removeAll() }
        entries[box.id] = Entry(uidValidity: box.uidValidity, uidNext: box.uidNext, uids: uids)
    }
}
