/// A run of consecutive UIDs a mailbox holds: `first`, `first + 1`, ... `first + count - 1`.
struct UIDRun: Equatable {
    var first: Int64
    var count: Int64

    var end: Int64 { first + count }

    /// The longest runs of ascending UIDs.
    static func runs(of uids: some Sequence<Int64>) -> [UIDRun] {
        var runs: [UIDRun] = []
        for uid in uids {
            if let last = runs.last, last.end == uid {
                runs[runs.count - 1].count += 1
            } else {
                runs.append(UIDRun(first: uid, count: 1))
            }
        }
        return runs
    }

    /// What is left of ascending, non-adjacent `runs` once the ascending `removed` UIDs are
    /// taken out; UIDs in no run are passed over.
    static func subtracting(_ removed: [Int64], from runs: [UIDRun]) -> [UIDRun] {
        var left: [UIDRun] = []
        var next = removed.startIndex
        for run in runs {
            var start = run.first
            while next < removed.endIndex, removed[next] < run.end {
                let uid = removed[next]
                next += 1
                guard uid >= start else { continue }
                if uid > start { left.append(UIDRun(first: start, count: uid - start)) }
                start = uid + 1
            }
            if start < run.end { left.append(UIDRun(first: start, count: run.end - start)) }
        }
        return left
    }
}

/// The UIDs of each mailbox, kept as runs of consecutive numbers in table `uid_run` in the
/// same transactions that add and remove message rows. A mailbox's UIDs, which a session
/// needs whole to map sequence numbers, are then a handful of rows to read rather than one
/// row per message: SQLite steps a row in about 300 ns, so reading the UIDs of a million
/// messages row by row takes a third of a second, while a mailbox whose messages were never
/// expunged is one run.
extension Account {
    /// The SQL that derives the runs from the message rows: a run is the UIDs whose
    /// difference with their rank is the same (gaps and islands).
    static let uidRunsFromMessages = """
        SELECT mailbox, min(uid), count(*) FROM (
            SELECT mailbox, uid, uid - row_number() OVER (PARTITION BY mailbox ORDER BY uid) AS island FROM message
        ) GROUP BY mailbox, island
        """

    /// Records UIDs just given to messages of `mailbox`: ascending and above every UID it holds.
    func noteAddedLocked(_ uids: [Int64], in mailbox: MailboxID) throws {
        var runs = UIDRun.runs(of: uids)
        guard let head = runs.first else { return }
        let last = try db.statement("SELECT first, count FROM uid_run WHERE mailbox = ? ORDER BY first DESC LIMIT 1").bind(.int(mailbox))
        let extending: Int64? = try last.step() && last.int64(0) + last.int64(1) == head.first ? last.int64(0) : nil
        last.reset()
        if let extending {
            try db.statement("UPDATE uid_run SET count = count + ? WHERE mailbox = ? AND first = ?")
                .bind(.int(head.count), .int(mailbox), .int(extending)).run()
            runs.removeFirst()
        }
        try insertRunsLocked(runs, in: mailbox)
    }

    /// Records that the messages of `uids` (ascending) left `mailbox`.
    func noteRemovedLocked(_ uids: [Int64], in mailbox: MailboxID) throws {
        guard let low = uids.first, let high = uids.last else { return }
        let containing = try db.statement("SELECT first FROM uid_run WHERE mailbox = ? AND first <= ? ORDER BY first DESC LIMIT 1")
            .bind(.int(mailbox), .int(low))
        let start = try containing.step() ? containing.int64(0) : low
        containing.reset()
        let affected = try db.statement("SELECT first, count FROM uid_run WHERE mailbox = ? AND first BETWEEN ? AND ? ORDER BY first")
            .bind(.int(mailbox), .int(start), .int(high))
        var runs: [UIDRun] = []
        while try affected.step() { runs.append(UIDRun(first: affected.int64(0), count: affected.int64(1))) }
        affected.reset()
        try db.statement("DELETE FROM uid_run WHERE mailbox = ? AND first BETWEEN ? AND ?").bind(.int(mailbox), .int(start), .int(high)).run()
        try insertRunsLocked(UIDRun.subtracting(uids, from: runs), in: mailbox)
    }

    private func insertRunsLocked(_ runs: [UIDRun], in mailbox: MailboxID) throws {
        guard !runs.isEmpty else { return }
        let insert = try db.statement("INSERT INTO uid_run(mailbox, first, count) VALUES(?, ?, ?)")
        for run in runs {
            insert.reset()
            try insert.bind(.int(mailbox), .int(run.first), .int(run.count)).run()
        }
    }

    /// The UIDs of `mailbox` from its runs, ascending.
    func uidsFromRunsLocked(_ mailbox: MailboxID, expecting count: Int) throws -> [UID] {
        let s = try db.statement("SELECT first, count FROM uid_run WHERE mailbox = ? ORDER BY first").bind(.int(mailbox))
        var result: [UID] = []
        result.reserveCapacity(count)
        while try s.step() {
            let first = s.int64(0)
            for uid in first..<(first + s.int64(1)) { result.append(UID(UInt32(truncatingIfNeeded: uid))) }
        }
        s.reset()
        return result
    }

    /// Sets every mailbox's runs from its message rows (after a repair, and by the migration).
    func rebuildUIDRunsLocked() throws -> Bool {
        let differing = try uidRunProblemsLocked()
        guard !differing.isEmpty else { return false }
        try db.execute("DELETE FROM uid_run; INSERT INTO uid_run(mailbox, first, count) \(Account.uidRunsFromMessages)")
        return true
    }

    /// Mailboxes whose runs do not say the UIDs their messages have, each with how many runs
    /// are wrong or missing.
    func uidRunProblemsLocked() throws -> [(MailboxID, Int)] {
        let s = try db.statement("""
            WITH derived(mailbox, first, count) AS (\(Account.uidRunsFromMessages)),
            wrong(mailbox) AS (
                SELECT mailbox FROM (SELECT mailbox, first, count FROM uid_run EXCEPT SELECT mailbox, first, count FROM derived)
                UNION ALL
                SELECT mailbox FROM (SELECT mailbox, first, count FROM derived EXCEPT SELECT mailbox, first, count FROM uid_run)
            )
            SELECT mailbox, count(*) FROM wrong GROUP BY mailbox ORDER BY mailbox
            """)
        var problems: [(MailboxID, Int)] = []
        while try s.step() { problems.append((s.int64(0), s.int(1))) }
        s.reset()
        return problems
    }
}
