import CSQLite
import Foundation

/// A thin wrapper over one SQLite connection: prepared statements through the C API,
/// nothing hidden. Not thread-safe by itself; its owner serializes access.
final class Database {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]
    /// Statements stepped since they were last reset. A statement left mid-result keeps a
    /// read transaction open on an old snapshot, which would make this connection's next
    /// write fail (SQLITE_BUSY_SNAPSHOT) and hide other processes' commits from it.
    fileprivate var active: [Statement] = []
    /// Checkpoints this file's log off the committing thread (store files only).
    var checkpointer: Checkpointer?

    init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError.io("cannot open \(path): \(message)")
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, Database.busyTimeout)
        sqlite3_extended_result_codes(db, 1)
    }

    /// How long a statement waits for another connection's lock, in milliseconds.
    static let busyTimeout: Int32 = 10_000

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// WAL with a full sync at every commit: an acknowledged change survives power loss.
    /// The log is checkpointed in the background (see Checkpointer).
    func configureForStore() throws {
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA temp_store=MEMORY")
        try execute("PRAGMA mmap_size=\(Database.mapSize)")
        checkpointInBackground(Checkpointer(path: path))
    }

    /// How much of a store file SQLite reads through a memory map (its largest).
    static let mapSize = 2_147_418_112

    /// Unmaps the file (SQLite maps it again at the next read), so that the pages read
    /// through the map stop counting in this process's resident memory. SQLite keeps the
    /// map while its size limit stays the same, hence the two steps.
    func releaseMappedPages() {
        sqlite3_exec(handle, "PRAGMA mmap_size=0", nil, nil, nil)
        sqlite3_exec(handle, "PRAGMA mmap_size=\(Database.mapSize)", nil, nil, nil)
    }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw failure(rc, "\(message) (in: \(sql.prefix(80)))")
        }
    }

    /// A cached prepared statement, reset and with bindings cleared.
    func statement(_ sql: String) throws -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try Statement(database: self, sql: sql)
        cache[sql] = s
        return s
    }

    /// Resets every statement used since the last call, ending their read transactions.
    /// Owners call it whenever they finish a piece of work on the connection.
    func finishUse() {
        for s in active { s.resetIfActive() }
        active.removeAll(keepingCapacity: true)
    }

    /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back if it throws.
    /// IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading.
    /// The three are prepared once, like any statement (`execute` parses its text each time).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try statement("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try statement("COMMIT").run()
            return result
        } catch {
            try? statement("ROLLBACK").run()
            throw error
        }
    }

    /// Runs `body` inside BEGIN ... COMMIT, so that all it reads is one snapshot taken in
    /// one read transaction: a statement stepped to its end or reset would otherwise end
    /// the transaction, and the next read start another (two lock calls on the shared
    /// memory each).
    func snapshot<T>(_ body: () throws -> T) throws -> T {
        try statement("BEGIN").run()
        defer {
            finishUse()
            if (try? statement("COMMIT").run()) == nil { try? statement("ROLLBACK").run() }
        }
        return try body()
    }

    /// Replaces this database's whole content with `source`'s in one transaction (SQLite's
    /// online backup), so that a crash leaves the old content or the new, never a mix.
    func replaceContent(with source: Database) throws {
        guard let backup = sqlite3_backup_init(handle, "main", source.handle, "main") else { throw error(sqlite3_errcode(handle)) }
        let rc = sqlite3_backup_step(backup, -1)
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else { throw error(rc) }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Increments whenever another connection commits a change to the file.
    func dataVersion() throws -> Int64 {
        let s = try statement("PRAGMA data_version")
        _ = try s.step()
        return s.int64(0)
    }

    func error(_ rc: Int32) -> StoreError {
        failure(rc, String(cString: sqlite3_errmsg(handle)))
    }

    /// A full disk is `.noSpace` whichever way SQLite saw it: SQLITE_FULL from a write, or
    /// an I/O error (a sync) that the system gave as ENOSPC or EDQUOT.
    private func failure(_ rc: Int32, _ message: String) -> StoreError {
        let cause = sqlite3_system_errno(handle)
        if rc & 0xFF == SQLITE_FULL || (rc & 0xFF == SQLITE_IOERR && (cause == ENOSPC || cause == EDQUOT)) {
            return .noSpace("\(path): \(message)")
        }
        return .database(code: rc, message: message)
    }
}

final class Statement {
    let pointer: OpaquePointer
    unowned let database: Database
    private var stepped = false

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw StoreError.database(code: rc, message: "\(String(cString: sqlite3_errmsg(database.handle))) (in: \(sql.prefix(120)))")
        }
        self.pointer = stmt
        self.database = database
    }

    deinit { sqlite3_finalize(pointer) }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
        stepped = false
    }

    fileprivate func resetIfActive() {
        if stepped {
            sqlite3_reset(pointer)
            stepped = false
        }
    }

    @discardableResult
    func bind(_ values: SQLValue...) -> Statement {
        for (i, v) in values.enumerated() { bind(v, at: Int32(i + 1)) }
        return self
    }

    func bind(_ value: SQLValue, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(pointer, index)
        case .int(let v): sqlite3_bind_int64(pointer, index, v)
        case .text(let v): sqlite3_bind_text(pointer, index, v, -1, roost_sqlite_transient())
        case .blob(let v):
            // An empty array may have no address, which SQLite would take for NULL.
            guard !v.isEmpty else {
                sqlite3_bind_zeroblob(pointer, index, 0)
                return
            }
            v.withUnsafeBytes { raw in
                _ = sqlite3_bind_blob(pointer, index, raw.baseAddress, Int32(raw.count), roost_sqlite_transient())
            }
        }
    }

    /// Steps once; true when a row is available.
    func step() throws -> Bool {
        if !stepped {
            stepped = true
            database.active.append(self)
        }
        let rc = sqlite3_step(pointer)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc)
        }
    }

    /// Steps to completion, for statements that return no rows.
    func run() throws {
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(pointer, column)) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String? {
        guard let c = sqlite3_column_text(pointer, column) else { return nil }
        return String(cString: c)
    }

    /// A column as whatever it holds; the index stores no REAL values, so one is read as an integer.
    func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(pointer, column) {
        case SQLITE_NULL: return .null
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .int(int64(column))
        }
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(pointer, column))
        guard count > 0, let p = sqlite3_column_blob(pointer, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: p, count: count))
    }
}

enum SQLValue {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])

    static func int(_ v: Int) -> SQLValue { .int(Int64(v)) }
    static func optionalText(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
    static func optionalInt(_ v: Int64?) -> SQLValue { v.map { .int($0) } ?? .null }
}
