import CSQLite
import Foundation

/// Rebuilds a damaged `index.sqlite` from what can still be read of it. Every row that lies
/// on a readable page is copied into a fresh database, whose content then replaces the
/// damaged one's in one SQLite transaction (the online backup API): a crash during a
/// rebuild leaves the damaged index or the rebuilt one, never a mix. A copy of the damaged
/// file is kept beside it. Rows on unreadable pages are gone from the index;
/// `Account.repair` then derives what it can from the rest and from the segment files.
enum IndexSalvage {
    /// What SQLite's integrity check finds wrong with an account's index; empty when sound.
    static func damage(root: String) -> [String] {
        do {
            let db = try Database(path: root + "/index.sqlite")
            let s = try db.statement("PRAGMA integrity_check")
            var lines: [String] = []
            while try s.step() {
                if let line = s.text(0), line != "ok" { lines.append(line) }
            }
            s.reset()
            return lines
        } catch {
            return ["\(error)"]
        }
    }

    /// Rebuilds the index of the account in `root`; one line for each thing done. Needs the
    /// account closed in every other process: they would go on using the damaged pages.
    static func rebuild(root: String) throws -> [String] {
        let inUse = try FileLock.inUse(root: root)
        guard inUse.tryLock(exclusive: true) else {
            throw StoreError.notPermitted("its index.sqlite is damaged and must be rebuilt, which needs the account closed: stop roost serve (and any roost deliver, import or compact) and run 'roost check --repair' again")
        }
        let path = root + "/index.sqlite"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let kept = "index.damaged-\(formatter.string(from: Date())).sqlite"
        for suffix in ["", "-wal"] where FileSystem.exists(path + suffix) {
            do {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: "\(root)/\(kept)\(suffix)")
            } catch {
                throw StoreError.io("cannot keep a copy of \(path + suffix): \(error.localizedDescription)")
            }
        }
        var done = ["index.sqlite: damaged (SQLite's integrity check fails); a copy is kept as \(kept)"]
        let fresh = root + "/index.rebuilding.sqlite"
        let removeFresh = { for suffix in ["", "-journal", "-wal", "-shm"] { unlink(fresh + suffix) } }
        removeFresh()
        defer { removeFresh() }

        // Both connections close when this returns, before any file is renamed.
        func build() throws -> Bool {
            let damaged = try Database(path: path)
            let rebuilt = try Database(path: fresh)
            done += try copyRows(from: damaged, into: rebuilt)
            do {
                try damaged.replaceContent(with: rebuilt)
                try damaged.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return true
            } catch {
                return false
            }
        }
        if try !build() {
            // Not even the damaged file's header can be read, so SQLite cannot write into it:
            // the rebuilt file takes its name. Its log goes first, or it would be replayed
            // into the new file.
            for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
            guard rename(fresh, path) == 0 else { throw fileError("cannot move \(fresh) to \(path)") }
            try FileSystem.syncDirectory(root)
        }
        done.append("index.sqlite: rebuilt from the rows that could be read")
        return done
    }

    private static func copyRows(from damaged: Database, into rebuilt: Database) throws -> [String] {
        if let size = try? single("PRAGMA page_size", damaged) {
            // The backup into a WAL database needs one page size on both sides.
            try rebuilt.execute("PRAGMA page_size = \(size)")
        }
        try Migrations.apply(Account.schema, to: rebuilt)
        var done: [String] = []
        try rebuilt.transaction {
            for table in try names("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", rebuilt) {
                let columns = try names("SELECT name FROM pragma_table_info('\(table)')", rebuilt)
                guard let readable = try? names("SELECT name FROM pragma_table_info('\(table)')", damaged), !readable.isEmpty else {
                    done.append("table \(table): unreadable, nothing copied")
                    continue
                }
                let shared = columns.filter(readable.contains)
                let (copied, lost) = try copy(table, shared, from: damaged, into: rebuilt)
                done.append("table \(table): \(copied) row(s) copied\(lost ? "; rows on damaged pages are lost" : "")")
            }
        }
        return done
    }

    /// Copies the readable rows of `table`; says how many, and whether any were unreadable.
    private static func copy(_ table: String, _ columns: [String], from damaged: Database, into rebuilt: Database) throws -> (Int, Bool) {
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        // Each read yields its key first: the rowid, or (mailbox, uid) packed in one integer.
        let keyed: Bool
        let sql: String
        switch table {
        case "mailbox", "segment", "blob":
            keyed = true
            sql = "SELECT rowid, \(list) FROM \(table) WHERE rowid > ?1 ORDER BY rowid"
        case "message", "expunged":
            keyed = true
            sql = "SELECT mailbox * 4294967296 + uid, \(list) FROM \(table) WHERE (mailbox, uid) > (?1 / 4294967296, ?1 % 4294967296) ORDER BY mailbox, uid"
        default:
            keyed = false
            sql = "SELECT 0, \(list) FROM \(table)"
        }
        guard let read = try? damaged.statement(sql) else { return (0, true) }
        let insert = try rebuilt.statement("INSERT OR IGNORE INTO \(table)(\(list)) VALUES(\(columns.map { _ in "?" }.joined(separator: ", ")))")
        var copied = 0
        var lost = false
        var bound: Int64 = -1
        while true {
            read.reset()
            if keyed { read.bind(.int(bound)) }
            do {
                while try read.step() {
                    bound = read.int64(0)
                    insert.reset()
                    for i in columns.indices { insert.bind(read.value(Int32(i) + 1), at: Int32(i) + 1) }
                    try insert.run()
                    copied += 1
                }
                read.reset()
                return (copied, lost)
            } catch where FullTextIndex.isDamage(error) {
                lost = true
                guard keyed, let next = resumePoint(read, after: bound) else {
                    read.reset()
                    return (copied, lost)
                }
                bound = next
            }
        }
    }

    /// The lowest key bound above `failed` from which `read` reads again, nil when none does:
    /// the step doubles until a read works, then a binary search comes back towards the
    /// damage, so that only rows on unreadable pages are lost.
    private static func resumePoint(_ read: Statement, after failed: Int64) -> Int64? {
        func works(_ bound: Int64) -> Bool {
            read.reset()
            read.bind(.int(bound))
            defer { read.reset() }
            return (try? read.step()) != nil
        }
        var bad = failed
        var good: Int64?
        var step: Int64 = 1
        while good == nil {
            let (probe, overflow) = failed.addingReportingOverflow(step)
            if overflow { return nil }
            if works(probe) { good = probe } else { bad = probe }
            step = step.multipliedReportingOverflow(by: 2).partialValue
            if step <= 0 && good == nil { return nil }
        }
        var found = good!
        while found - bad > 1 {
            let middle = bad + (found - bad) / 2
            if works(middle) { found = middle } else { bad = middle }
        }
        return found
    }

    private static func names(_ sql: String, _ db: Database) throws -> [String] {
        let s = try db.statement(sql)
        defer { s.reset() }
        var result: [String] = []
        while try s.step() { result.append(s.text(0) ?? "") }
        return result
    }

    private static func single(_ sql: String, _ db: Database) throws -> Int64 {
        let s = try db.statement(sql)
        defer { s.reset() }
        guard try s.step() else { throw StoreError.corrupted("\(sql) gave nothing") }
        return s.int64(0)
    }
}
