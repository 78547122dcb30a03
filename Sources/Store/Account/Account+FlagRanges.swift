import Foundation

/// A STORE that adds or removes system flags on many messages at once (`UID STORE 1:*
/// +FLAGS.SILENT (\Seen)` on 100,000 of them) is recorded as one row per UID range in
/// `flag_range`, committed with the mailbox's new mod-sequence, and answered; the message
/// rows are brought up to date afterwards, `foldSpan` UIDs a step, by a background task
/// and by whichever use of the index comes first (`withDatabase` folds what waits before
/// it runs its body, so every other reader and writer sees the rows as the STORE left
/// them). Changing 100,000 rows costs SQLite 85 to 200 ms on the 2-core machine
/// (Benchmarks/compare/store_floor.py); recording the range costs one small commit.
///
/// A fold gives each message the range changes the range's mod-sequence, as the STORE
/// would have at once. A range applies only to rows not changed since it was recorded
/// (`modseq` below the range's); with every other write folding first, that is all the
/// rows in it. A fold step commits without waiting for the disk: the range row it
/// shortens is in the same commit, so a crash that loses the step leaves the range to
/// fold again, and any later synced commit of the log carries the step with it.
extension Account {
    /// Fewest messages a STORE names to be recorded as ranges; below it changing the rows
    /// costs about what recording does.
    static let rangeStoreMinimum = 1_000
    /// Most UID ranges a STORE may name to be recorded as ranges.
    static let rangeStoreMaximumRanges = 64
    /// UIDs one fold step covers: 2 to 5 ms of work, the longest a command that records
    /// a range waits for a background step to end.
    static let foldSpan: Int64 = 2_048

    /// Whether a STORE of system flags on `uids` is recorded as ranges.
    static func recordsAsRanges(_ uids: UIDSet, _ change: SystemFlags) -> Bool {
        !change.isEmpty && uids.ranges.count <= rangeStoreMaximumRanges && uids.count >= rangeStoreMinimum
    }

    /// Records the owner adding or removing system flags on `uids` as ranges, under one
    /// new mod-sequence of the mailbox, and starts folding them.
    func recordFlagRangesLocked(_ uids: UIDSet, in mailbox: MailboxID, adding: Bool, _ change: SystemFlags) throws -> ModSequence {
        let modseq = try db.transaction { () -> Int64 in
            let box = try mailboxLocked(id: mailbox)
            let modseq = Int64(box.highestModSeq.rawValue) + 1
            let insert = try db.statement("INSERT INTO flag_range(mailbox, modseq, first, last, bits, adding) VALUES(?, ?, ?, ?, ?, ?)")
            for range in uids.ranges {
                insert.reset()
                try insert.bind(.int(mailbox), .int(modseq), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)),
                                .int(Int64(change.rawValue)), .int(adding ? 1 : 0)).run()
            }
            try db.statement("UPDATE mailbox SET highestmodseq = ? WHERE id = ?").bind(.int(modseq), .int(mailbox)).run()
            return modseq
        }
        flagRangesWaiting = true
        scheduleFoldLocked()
        return ModSequence(UInt64(modseq))
    }

    /// Folds every waiting range into the message rows.
    func foldFlagRangesLocked() throws {
        while try foldStepLocked() {}
    }

    /// Folds the next `foldSpan` UIDs of the oldest waiting range (oldest of its mailbox:
    /// ranges of one mailbox fold in the order they were recorded); false when none waits.
    func foldStepLocked() throws -> Bool {
        try db.execute("PRAGMA synchronous=NORMAL")
        defer { try? db.execute("PRAGMA synchronous=FULL") }
        let folded = try db.transaction { () -> Bool in
            let next = try db.statement("SELECT mailbox, modseq, first, last, bits, adding FROM flag_range ORDER BY mailbox, modseq, first LIMIT 1")
            guard try next.step() else { return false }
            let mailbox = next.int64(0), modseq = next.int64(1), first = next.int64(2), last = next.int64(3)
            let bits = next.int64(4), adding = next.int(5) != 0
            next.reset()
            let end = min(last, first + Account.foldSpan - 1)
            // \Seen changes the mailbox's unseen count.
            let seen = bits & Int64(SystemFlags.seen.rawValue) != 0
            let before = seen ? try unseenCountLocked(in: mailbox, first, end) : 0
            _ = try changeSystemFlagsLocked(in: mailbox, first, end, bits: bits, adding: adding, modseq: modseq)
            if seen {
                let delta = try unseenCountLocked(in: mailbox, first, end) - before
                if delta != 0 {
                    try db.statement("UPDATE mailbox SET unseen = unseen + ? WHERE id = ?").bind(.int(delta), .int(mailbox)).run()
                }
            }
            if end == last {
                try db.statement("DELETE FROM flag_range WHERE mailbox = ? AND modseq = ? AND first = ?")
                    .bind(.int(mailbox), .int(modseq), .int(first)).run()
            } else {
                try db.statement("UPDATE flag_range SET first = ? WHERE mailbox = ? AND modseq = ? AND first = ?")
                    .bind(.int(end + 1), .int(mailbox), .int(modseq), .int(first)).run()
            }
            return true
        }
        if !folded { flagRangesWaiting = false }
        return folded
    }

    /// Starts the background fold unless one is on its way.
    func scheduleFoldLocked() {
        guard foldsInBackground && !foldScheduled else { return }
        foldScheduled = true
        DispatchQueue.global(qos: .utility).async { [weak self] in self?.foldInBackground() }
    }

    /// Folds step by step, letting go of the account between steps so that a command
    /// waits at most for one step.
    private func foldInBackground() {
        while true {
            let more: Bool
            do {
                more = try withDatabase(counted: false, folding: false) { () -> Bool in
                    let more = flagRangesWaiting ? try foldStepLocked() : false
                    if !more { foldScheduled = false }
                    return more
                }
            } catch {
                // Left to the next use of the index, which folds before it runs and fails
                // with the error if it persists.
                lock.withLock { foldScheduled = false }
                return
            }
            guard more else { return }
            usleep(200)  // a command waiting for the account takes it now
        }
    }

    /// Whether STOREs recorded as ranges wait to be folded (for tests).
    var hasWaitingFlagRanges: Bool { lock.withLock { flagRangesWaiting } }
}
