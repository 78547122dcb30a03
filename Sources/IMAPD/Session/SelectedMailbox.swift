import Store

/// What one session shows of its selected mailbox: the UIDs in sequence-number order as
/// the client was told them, and the changes it has not been told yet. Changes wait here
/// until the session may announce them (RFC 9051 §7.5.1: no EXPUNGE while answering a
/// FETCH, STORE or SEARCH by sequence number).
public struct SelectedMailbox: Sendable {
    public let id: MailboxID
    /// The store that holds it: the session's own account, or another's it was shared from.
    public let account: Account
    public let owner: AccountRecord
    /// The session's account id when it is not the owner: \Seen is then the reader's own.
    public let reader: String?
    /// What the session may do, checked again at every command (RFC 4314 §5.1.1).
    public var rights: Rights
    /// The rights PERMANENTFLAGS was last written for.
    public var announcedRights: Rights
    /// The name the client selected it by (for rev2's LIST answer and for logs).
    public var name: String
    public let readOnly: Bool
    public let uidValidity: UInt32
    /// Announced UIDs, ascending; sequence number n is `uids[n - 1]`.
    public private(set) var uids: [UID]
    /// The highest mod-sequence this view reflects.
    public private(set) var highestModSeq: ModSequence
    /// Messages that are \Recent for this session (RFC 3501 §2.3.2).
    public private(set) var recent: UIDSet
    /// Keywords the client was told exist (FLAGS and PERMANENTFLAGS).
    public var keywords: [String]
    /// Another process changed the account: the view must be compared with the store.
    public private(set) var needsResync = false
    /// Another session's STORE was recorded as ranges: the flag changes after this
    /// mod-sequence must be read from the store (`rereadFlags`).
    public private(set) var flagsChangedSince: ModSequence?
    /// The mailbox was deleted (by another session or process).
    public private(set) var isDeleted = false

    private var pendingNew = Set<UID>()
    private var pendingExpunged = Set<UID>()
    private var pendingFlags: [UID: FlagUpdate] = [:]
    /// Mod-sequences of flag changes this session made and answered for, each with whether
    /// the answer told the client the new flags (not so with .SILENT); held only until the
    /// store's notification of the change arrives.
    private var ownModSeqs: [UInt64: Bool] = [:]
    /// The highest mod-sequence of a flag change the notification stream has brought. The
    /// store tells changes in the order they were made, so an own change below it was
    /// already told and needs no entry.
    private var notifiedModSeq: UInt64 = 0
    /// How many own changes wait for their notification (a long session must not pile them up).
    var ownChangesAwaitingNotice: Int { ownModSeqs.count }

    public init(id: MailboxID, account: Account, owner: AccountRecord, reader: String?, rights: Rights = .all,
                name: String, readOnly: Bool, uidValidity: UInt32, uids: [UID], highestModSeq: ModSequence,
                recent: UIDSet, keywords: [String] = []) {
        self.id = id
        self.account = account
        self.owner = owner
        self.reader = reader
        self.rights = rights
        self.announcedRights = rights
        self.name = name
        self.keywords = keywords
        self.readOnly = readOnly
        self.uidValidity = uidValidity
        self.uids = uids
        self.highestModSeq = highestModSeq
        self.recent = recent
    }

    public var count: Int { uids.count }

    /// The sequence number of a UID the client knows, or nil.
    public func sequenceNumber(of uid: UID) -> Int? {
        var lo = 0, hi = uids.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if uids[mid] == uid { return mid + 1 }
            if uids[mid] < uid { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// The index of the first UID not below `uid`.
    public func lowerBound(_ uid: UID) -> Int {
        lowerBound(uid, from: 0)
    }

    /// The index of the first UID not below `uid`, looking from `start` on (no UID before
    /// it may be at or above `uid`). It gallops from `start` before it halves, so that a
    /// walk over ascending UIDs costs little whether they lie close together or far apart.
    public func lowerBound(_ uid: UID, from start: Int) -> Int {
        var lo = start, hi = start, step = 1
        while hi < uids.count && uids[hi] < uid {
            lo = hi + 1
            hi += step
            step *= 2
        }
        hi = min(hi, uids.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if uids[mid] < uid { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Notes this session's own STORE recorded as ranges (the client was not told the new
    /// flags: only a .SILENT STORE is recorded so).
    public mutating func noteOwnRangeChange(_ modSeq: ModSequence) {
        if modSeq.rawValue >= notifiedModSeq { ownModSeqs[modSeq.rawValue] = false }
        highestModSeq = max(highestModSeq, modSeq)
    }

    /// Notes changes made by this session itself that it answers for directly; `reported`
    /// when the answer told the client the new flags.
    public mutating func noteOwnFlagChanges(_ updates: [FlagUpdate], reported: Bool) {
        for u in updates {
            if u.modSeq.rawValue >= notifiedModSeq { ownModSeqs[u.modSeq.rawValue] = reported }
            highestModSeq = max(highestModSeq, u.modSeq)
            supersede(u, reported: reported)
        }
    }

    /// Another session's change to a message waits to be told, and this session's own
    /// change came after it: telling the older flags now would undo the newer ones in
    /// the client. When the client was told the new flags the older change is dropped;
    /// otherwise the client is told the flags as they are now, which include both.
    private mutating func supersede(_ own: FlagUpdate, reported: Bool) {
        guard let waiting = pendingFlags[own.uid], waiting.modSeq < own.modSeq else { return }
        pendingFlags[own.uid] = reported ? nil : own
    }

    /// Queues a change from the store's notification stream.
    public mutating func receive(_ change: MailboxChange) {
        switch change {
        case .appended(let new):
            for uid in new where sequenceNumber(of: uid) == nil { pendingNew.insert(uid) }
        case .expunged(let gone):
            for uid in gone {
                if sequenceNumber(of: uid) != nil {
                    pendingExpunged.insert(uid)
                } else {
                    pendingNew.remove(uid)
                }
                pendingFlags[uid] = nil
            }
        case .flags(let updates):
            for u in updates {
                notifiedModSeq = max(notifiedModSeq, u.modSeq.rawValue)
                queue(u)
            }
            // One command's changes share a mod-sequence (and may come in two notifications,
            // shared flags and a reader's \Seen): only older own changes are done with.
            if !ownModSeqs.isEmpty { ownModSeqs = ownModSeqs.filter { $0.key >= notifiedModSeq } }
        case .flagRange(let modSeq):
            notifiedModSeq = max(notifiedModSeq, modSeq.rawValue)
            if ownModSeqs[modSeq.rawValue] == nil {
                // Read from just before it: this view's mod-sequence may already be past it.
                let before = ModSequence(modSeq.rawValue - 1)
                flagsChangedSince = min(flagsChangedSince ?? before, before)
            }
            ownModSeqs = ownModSeqs.filter { $0.key > notifiedModSeq }
        case .renamed(let newName):
            name = newName
        case .deleted:
            isDeleted = true
        case .external:
            needsResync = true
        }
    }

    /// Queues what a fresh look at the store shows (after another process changed it):
    /// the mailbox's UIDs now and the flag changes since `resyncSince`.
    public mutating func resync(currentUIDs: [UID], flagChanges: [FlagUpdate], highestModSeq: ModSequence) {
        let now = Set(currentUIDs)
        for uid in uids where !now.contains(uid) { pendingExpunged.insert(uid) }
        let lastKnown = uids.last ?? UID(0)
        for uid in currentUIDs where uid > lastKnown { pendingNew.insert(uid) }
        receive(.flags(flagChanges))
        self.highestModSeq = max(self.highestModSeq, highestModSeq)
        needsResync = false
        flagsChangedSince = nil
    }

    /// Queues the flag changes read from the store after `flagsChangedSince`; the
    /// session's own changes among them were answered already.
    public mutating func rereadFlags(_ changes: [FlagUpdate]) {
        flagsChangedSince = nil
        for u in changes { queue(u) }
    }

    /// Queues a flag change to tell, unless it is this session's own (answered already)
    /// or another reader's own \Seen (none of this session's business).
    private mutating func queue(_ u: FlagUpdate) {
        if let other = u.reader, other != reader { return }
        highestModSeq = max(highestModSeq, u.modSeq)
        if let reported = ownModSeqs[u.modSeq.rawValue] {
            supersede(u, reported: reported)
            return
        }
        if sequenceNumber(of: u.uid) != nil { pendingFlags[u.uid] = u }
    }

    /// Where a resync reads flag changes from: this view's mod-sequence, or before a
    /// range change it was told of.
    public var resyncSince: ModSequence { min(highestModSeq, flagsChangedSince ?? highestModSeq) }

    /// Whether changes wait to be announced.
    public var hasPending: Bool { hasPending(allowExpunge: true) }

    /// Whether an announcement now would tell something; expunges count only when allowed.
    public func hasPending(allowExpunge: Bool) -> Bool {
        !pendingNew.isEmpty || allowExpunge && !pendingExpunged.isEmpty || !pendingFlags.isEmpty || needsResync || flagsChangedSince != nil || isDeleted
    }

    /// Whether new messages wait to be announced (they may be \Recent for this session).
    public var hasPendingNew: Bool { !pendingNew.isEmpty }

    /// Messages gone from the view: by sequence number for EXPUNGE, by UID for VANISHED.
    public struct Expunged: Equatable, Sendable {
        /// Highest first, so each number is right when the client reads it.
        public var sequenceNumbers: [Int] = []
        public var uids = UIDSet()
        public var isEmpty: Bool { sequenceNumbers.isEmpty }
    }

    public struct Announcement: Equatable, Sendable {
        public var expunged = Expunged()
        /// The new EXISTS count, when it changed.
        public var exists: Int?
        public var recent: Int?
        /// `* n FETCH (FLAGS ...)` to send: sequence number and the update.
        public var flags: [(Int, FlagUpdate)] = []

        public var isEmpty: Bool { expunged.isEmpty && exists == nil && flags.isEmpty }

        public static func == (a: Announcement, b: Announcement) -> Bool {
            a.expunged == b.expunged && a.exists == b.exists && a.recent == b.recent
                && a.flags.map(\.0) == b.flags.map(\.0) && a.flags.map(\.1) == b.flags.map(\.1)
        }
    }

    /// Takes the pending changes the session may announce now and applies them to the view.
    /// Expunges wait when `allowExpunge` is false; so do new messages that would come
    /// after a waiting expunge's renumbering.
    public mutating func announce(allowExpunge: Bool, newRecent: UIDSet = UIDSet()) -> Announcement {
        var a = Announcement()
        if allowExpunge && !pendingExpunged.isEmpty {
            a.expunged = remove(pendingExpunged)
        }
        for (uid, update) in pendingFlags.sorted(by: { $0.key < $1.key }) {
            if let seq = sequenceNumber(of: uid) { a.flags.append((seq, update)) }
        }
        pendingFlags.removeAll()
        if !pendingNew.isEmpty {
            let last = uids.last ?? UID(0)
            let fresh = pendingNew.filter { $0 > last }.sorted()
            uids.append(contentsOf: fresh)
            pendingNew.removeAll()
            if !fresh.isEmpty {
                a.exists = uids.count
                for uid in fresh where newRecent.contains(uid) { recent.insert(uid) }
                a.recent = recent.count
            }
        }
        return a
    }

    /// Removes messages this session expunged itself and answers for directly.
    public mutating func removeOwnExpunged(_ gone: [UID]) -> Expunged {
        remove(Set(gone))
    }

    private mutating func remove(_ gone: Set<UID>) -> Expunged {
        var result = Expunged()
        var kept: [UID] = []
        kept.reserveCapacity(uids.count)
        for (i, uid) in uids.enumerated() {
            if gone.contains(uid) {
                result.sequenceNumbers.append(i + 1)
                result.uids.insert(uid)  // ascending: each insert appends
            } else {
                kept.append(uid)
            }
        }
        result.sequenceNumbers.reverse()
        uids = kept
        pendingExpunged.subtract(gone)
        for uid in gone { recent = recent.subtracting(uid) }
        return result
    }
}

extension SelectedMailbox {
    /// Positions in `uids` (sequence number - 1) that a sequence set names, ascending and
    /// without repeats. Sequence numbers past the end are an error unless `*` is involved
    /// (RFC 9051 §9 `seq-number`); UIDs the mailbox does not hold are simply not there.
    public func indices(for set: SequenceSet, byUID: Bool, saved: UIDSet?) throws -> [Int] {
        if set.isSavedResult {
            // RFC 5182 §2.1: `$` is the saved UIDs, whatever the command numbers by.
            return indices(of: saved ?? UIDSet())
        }
        if byUID {
            return indices(of: UIDSet(ranges: set.resolved(star: uids.last?.rawValue ?? 0)))
        }
        let count = UInt32(uids.count)
        var wanted = UIDSet()  // used as a set of sequence numbers here
        for (range, resolved) in zip(set.ranges, set.resolved(star: count)) {
            let withStar = range.first == .star || range.last == .star
            if resolved.upperBound > count && !withStar {
                throw SequenceError(message: "Invalid message sequence number \(resolved.upperBound) (\(count) messages)")
            }
            guard count > 0, resolved.lowerBound <= count else { continue }
            wanted.insert(max(1, resolved.lowerBound)...min(count, resolved.upperBound))
        }
        var result: [Int] = []
        result.reserveCapacity(wanted.count)
        for r in wanted.ranges { result.append(contentsOf: Int(r.lowerBound - 1)...Int(r.upperBound - 1)) }
        return result
    }

    /// Positions of the UIDs of `set` that the view holds.
    public func indices(of set: UIDSet) -> [Int] {
        var result: [Int] = []
        for r in set.ranges {
            var i = lowerBound(UID(r.lowerBound))
            while i < uids.count, uids[i].rawValue <= r.upperBound {
                result.append(i)
                i += 1
            }
        }
        return result
    }

    /// The UIDs at `indices`, as a set.
    public func uidSet(_ indices: [Int]) -> UIDSet {
        var set = UIDSet()
        for i in indices { set.insert(uids[i]) }  // ascending: each insert appends
        return set
    }
}

/// A sequence set that names messages the client was never told of.
public struct SequenceError: Error, Equatable {
    public var message: String
}
