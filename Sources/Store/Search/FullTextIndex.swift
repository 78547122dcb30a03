import CSQLite
import Foundation

/// An account's full-text index, `fts.sqlite`: for each stored body (blob, so copies in
/// several mailboxes are indexed once) the folded texts search compares, in an SQLite
/// FTS5 table with the trigram tokenizer, so that a substring of three or more characters
/// names the few bodies that can hold it.
///
/// The index only narrows: a body it proves free of a needle is skipped, every other one
/// is still checked against its message (RFC 3501 substring semantics stay exact). A body
/// counts as indexed only while the hash recorded with its row equals the hash of the
/// bytes the account holds under that id, so bodies appended since, by this process or by
/// another, and ids reused after an expunge are simply scanned. It is derived data in a
/// file of its own: a missing or damaged file is thrown away and rebuilt, never an error.
final class FullTextIndex: @unchecked Sendable {
    let path: String
    /// Held while the connection is in use.
    private let lock = NSLock()
    private var db: Database?
    private var openedIdentity: FileIdentity?
    /// The doc table as last read, with the data version it was read at (which other
    /// connections' commits change). Only touched with `lock` held.
    private var cachedHashes: (version: Int64, hashes: [Int64: UInt64])?
    /// Guards the flags below, never held across work, so an append never waits on indexing.
    private let flags = NSLock()
    /// Set by the first search or maintenance run: only then do appends start background
    /// indexing, so one-shot processes (`roost deliver`, `roost import`) never index.
    private var isActive = false
    /// Only times the next pass; passes run on the low-priority background thread.
    private let worker = DispatchQueue(label: "roost.fulltext", qos: .utility)
    private var catchUpPending = false
    private var catchUpRunning = false
    /// Held for a whole catch-up, so that a background pass and one asked for directly
    /// (`roost compact`, a test) take turns instead of indexing the same bodies twice.
    private let catchUpLock = NSLock()
    /// Bodies indexed in one transaction: big enough to amortize the commit, small enough
    /// that a search waiting for the index waits briefly.
    static let batchSize = 200
    static let passInterval = DispatchTimeInterval.milliseconds(500)

    /// Header text for TEXT, field values for the header keys, body text for BODY and TEXT.
    static let schema: [String] = [
        """
        CREATE VIRTUAL TABLE text USING fts5(header, fields, body, tokenize = 'trigram case_sensitive 1');
        CREATE TABLE doc(blob INTEGER PRIMARY KEY, hash INTEGER NOT NULL);
        """,
    ]

    init(path: String) {
        self.path = path
    }

    /// The text keys the index can narrow: a folded needle and the columns it looks in.
    struct Key: Hashable {
        enum Scope: Hashable { case body, text, field }
        let scope: Scope
        let needle: [UInt8]

        static func body(_ needle: [UInt8]) -> Key { Key(scope: .body, needle: needle) }
        static func text(_ needle: [UInt8]) -> Key { Key(scope: .text, needle: needle) }
        static func field(_ needle: [UInt8]) -> Key { Key(scope: .field, needle: needle) }

        /// Whether this is the key of `scope` for `needle`, without building one to compare.
        func `is`(_ scope: Scope, _ needle: String) -> Bool {
            guard self.scope == scope, self.needle.count == needle.utf8.count else { return false }
            return needle.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(self.needle) } ?? self.needle.elementsEqual(needle.utf8)
        }

        /// The FTS5 query for a folded needle: one phrase of its trigrams within the key's
        /// columns. Nil when the trigram index cannot answer: fewer than three characters,
        /// or a NUL, which the tokenizer stops at.
        var match: String? {
            let columns = switch scope {
            case .body: "body"
            case .text: "{header body}"
            case .field: "fields"
            }
            let text = String(decoding: needle, as: UTF8.self)
            guard text.unicodeScalars.count >= 3, !needle.contains(0) else { return nil }
            return "\(columns) : \"\(text.replacingOccurrences(of: "\"", with: "\"\""))\""
        }
    }

    /// Body ids as bits, one per id up to the largest: a search asks about every message,
    /// and two Sets hashing each id, with a key built and hashed for each message to find
    /// them, were a sixth of a SEARCH FROM of 100,000. A negative id, which SQLite never
    /// hands out, is never held.
    struct BlobBits {
        private var words: [UInt64]

        init(largest: Int64) {
            words = Array(repeating: 0, count: largest >= 0 ? Int(largest >> 6) + 1 : 0)
        }

        func contains(_ id: Int64) -> Bool {
            let word = Int(truncatingIfNeeded: id >> 6)
            return id >= 0 && word < words.count && words[word] & (1 << UInt64(id & 63)) != 0
        }

        /// Adds `id`; false when it was there already or cannot be held (beyond the word of
        /// `largest`).
        @discardableResult
        mutating func insert(_ id: Int64) -> Bool {
            let word = Int(truncatingIfNeeded: id >> 6)
            guard id >= 0, word < words.count else { return false }
            let bit: UInt64 = 1 << UInt64(id & 63)
            let added = words[word] & bit == 0
            words[word] |= bit
            return added
        }

        mutating func remove(_ id: Int64) {
            let word = Int(truncatingIfNeeded: id >> 6)
            guard id >= 0, word < words.count else { return }
            words[word] &= ~(1 << UInt64(id & 63))
        }
    }

    /// What the index says about a set of bodies: how many it holds as they are now, and
    /// for each key it could look up the bodies it proves free of the key's needle (held
    /// as they are now, and not among the key's matches).
    struct Narrowing {
        let indexedCount: Int
        let excluded: [(key: Key, blobs: BlobBits)]

        /// Whether `blob` certainly does not contain `needle` in `scope`. Asked once per
        /// message: the key is found by comparing the few there are, not built and hashed.
        func rulesOut(_ scope: Key.Scope, _ needle: String, blob: Int64) -> Bool {
            excluded.first { $0.key.is(scope, needle) }?.blobs.contains(blob) ?? false
        }
    }

    /// Looks up `keys` for the bodies `blobs` (id and hash of the stored bytes). Nil when
    /// the index cannot help now (no file yet, damaged, busy with an error).
    func narrowing(_ keys: Set<Key>, blobs: [(id: Int64, hash: UInt64)]) -> Narrowing? {
        let queries = keys.compactMap { key in key.match.map { (key, $0) } }
        guard !queries.isEmpty else { return nil }
        flags.withLock { isActive = true }
        return withIndex { db in
            let known = try indexedHashes(db)
            var indexed = BlobBits(largest: blobs.lazy.map(\.id).max() ?? -1)
            var indexedCount = 0
            for blob in blobs where known[blob.id] == blob.hash {
                if indexed.insert(blob.id) { indexedCount += 1 }
            }
            var excluded: [(key: Key, blobs: BlobBits)] = []
            let s = try db.statement("SELECT rowid FROM text WHERE text MATCH ?")
            for (key, match) in queries {
                s.reset()
                s.bind(.text(match))
                var free = indexed
                while try s.step() { free.remove(s.int64(0)) }
                excluded.append((key, free))
            }
            return Narrowing(indexedCount: indexedCount, excluded: excluded)
        }
    }

    // MARK: Keeping up

    /// Starts indexing in the background unless it is running already; from then on every
    /// append does the same. The caller never waits for it.
    func scheduleCatchUp(_ account: Account) {
        flags.withLock { isActive = true }
        startCatchUp(account)
    }

    /// After an append: index the new bodies in the background if this process searches.
    func noteAppend(_ account: Account) {
        if flags.withLock({ isActive }) { startCatchUp(account) }
    }

    /// Whether a background pass is running or due.
    var isCatchingUp: Bool { flags.withLock { catchUpRunning } }

    private func startCatchUp(_ account: Account) {
        let start: Bool = flags.withLock {
            catchUpPending = true
            if catchUpRunning { return false }
            catchUpRunning = true
            return true
        }
        if start { BackgroundThread.shared.run { self.runPass(account) } }
    }

    /// One pass if one was asked for since the last; appends during a pass ask for the next,
    /// which waits `passInterval` so that a stream of deliveries is indexed in few passes
    /// (each pass lists every body of the account). Passes run at the lowest CPU priority,
    /// so sessions keep the cores while an index is built.
    private func runPass(_ account: Account) {
        let asked: Bool = flags.withLock {
            let asked = catchUpPending
            catchUpPending = false
            catchUpRunning = asked
            return asked
        }
        guard asked else { return }
        catchUp(account)
        worker.asyncAfter(deadline: .now() + FullTextIndex.passInterval) {
            BackgroundThread.shared.run { self.runPass(account) }
        }
    }

    /// Brings the index level with the account: drops the rows of bodies that are gone or
    /// changed (an id reused after an expunge), then indexes every body it lacks, oldest
    /// first, a batch per transaction. Returns the number of bodies it holds afterwards,
    /// nil when the index could not be written.
    @discardableResult
    func catchUp(_ account: Account) -> Int? {
        flags.withLock { isActive = true }
        catchUpLock.lock()
        defer { catchUpLock.unlock() }
        guard let stored = try? account.blobHashes() else { return nil }
        let current = Dictionary(stored.map { ($0.id, $0.hash) }, uniquingKeysWith: { a, _ in a })
        guard let known = withIndex({ try indexedHashes($0) }) else { return nil }
        let stale = known.keys.filter { current[$0] != known[$0] }.sorted()
        let dropped = inBatches(stale) { batch in
            write { db in for blob in batch { try remove(blob, from: db) } }
        }
        guard dropped else { return nil }
        var held = known.count - stale.count
        let missing = stored.filter { known[$0.id] != $0.hash }.map(\.id)
        let added = inBatches(missing) { batch in
            // Read and fold outside the index lock: that is the slow part, and searches may wait.
            let documents = batch.compactMap { blob in (try? account.bytes(blob: blob)).map { Document(blob: blob, bytes: $0) } }
            guard write({ db in for d in documents { try insert(d, into: db) } }) else { return false }
            held += documents.count
            return true
        }
        return added ? held : nil
    }

    /// Calls `body` with `batchSize` items at a time, stopping at the first that fails.
    private func inBatches<T>(_ items: [T], _ body: (ArraySlice<T>) -> Bool) -> Bool {
        for start in stride(from: 0, to: items.count, by: FullTextIndex.batchSize) {
            guard body(items[start..<min(start + FullTextIndex.batchSize, items.count)]) else { return false }
        }
        return true
    }

    /// Runs `body` in one transaction on the index; false when it could not be written.
    private func write(_ body: (Database) throws -> Void) -> Bool {
        let written: Void? = withIndex { db in
            cachedHashes = nil  // this connection's own commits leave the data version as it was
            try db.transaction { try body(db) }
        }
        return written != nil
    }

    /// The folded texts of one body, and the hash of the very bytes they came from (the
    /// id may have been reused since it was listed; the hash tells).
    struct Document {
        let blob: Int64
        let hash: UInt64
        let header: String
        let fields: String
        let body: String

        init(blob: Int64, bytes: [UInt8]) {
            var text = MessageText(bytes: bytes)
            self.blob = blob
            hash = XXHash64.hash(bytes)
            header = Document.indexable(text.headerText())
            fields = Document.indexable(text.fieldValues())
            body = Document.indexable(text.bodyText())
        }

        /// The trigram tokenizer stops at a NUL; a space in its place keeps every needle
        /// without NUL findable (needles with one are never looked up).
        static func indexable(_ folded: [UInt8]) -> String {
            String(decoding: folded.contains(0) ? folded.map { $0 == 0 ? UInt8(ascii: " ") : $0 } : folded, as: UTF8.self)
        }
    }

    private func insert(_ d: Document, into db: Database) throws {
        try remove(d.blob, from: db)
        try db.statement("INSERT INTO text(rowid, header, fields, body) VALUES(?, ?, ?, ?)")
            .bind(.int(d.blob), .text(d.header), .text(d.fields), .text(d.body)).run()
        try db.statement("INSERT INTO doc(blob, hash) VALUES(?, ?)").bind(.int(d.blob), .int(Int64(bitPattern: d.hash))).run()
    }

    private func remove(_ blob: Int64, from db: Database) throws {
        try db.statement("DELETE FROM text WHERE rowid = ?").bind(.int(blob)).run()
        try db.statement("DELETE FROM doc WHERE blob = ?").bind(.int(blob)).run()
    }

    /// The bodies held and their hashes, read again only after a commit to the file.
    private func indexedHashes(_ db: Database) throws -> [Int64: UInt64] {
        let version = try db.dataVersion()
        if let cachedHashes, cachedHashes.version == version { return cachedHashes.hashes }
        let s = try db.statement("SELECT blob, hash FROM doc")
        var hashes: [Int64: UInt64] = [:]
        while try s.step() { hashes[s.int64(0)] = UInt64(bitPattern: s.int64(1)) }
        cachedHashes = (version, hashes)
        return hashes
    }

    // MARK: Checking

    /// Verifies the FTS5 structures against their content; a damaged file is removed
    /// (the next search or compaction rebuilds it). Returns the id and hash of every body
    /// held, nil when the index was damaged or could not be read.
    func verify() -> [Int64: UInt64]? {
        withIndex { db in
            try db.execute("INSERT INTO text(text, rank) VALUES('integrity-check', 1)")
            return try indexedHashes(db)
        }
    }

    // MARK: The file

    /// Runs `body` on the open index. Any failure makes the index unavailable for this
    /// call (the caller scans instead); damage also removes the file so it is rebuilt.
    private func withIndex<T>(_ body: (Database) throws -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        do {
            let db = try open()
            defer { db.finishUse() }
            return try body(db)
        } catch {
            if FullTextIndex.isDamage(error) {
                discardLocked()
            } else {
                closeLocked()  // the next call opens afresh (the file may have been replaced)
            }
            return nil
        }
    }

    private func open() throws -> Database {
        // An operator may delete the file, or another process replace a damaged one, while
        // it is open here: then start on the file the path names now.
        if db != nil && FileIdentity(path: path) != openedIdentity { closeLocked() }
        if let db { return db }
        let opened = try Database(path: path)
        // Closing must not remove the write-ahead log by its name: after a replacement that
        // name is the new file's, in use by whoever replaced it.
        var persist: Int32 = 1
        sqlite3_file_control(opened.handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
        // Derived data: WAL keeps it consistent through a crash; losing the last
        // transactions only means indexing them again, so commits need not wait for the disk.
        try opened.execute("PRAGMA journal_mode=WAL")
        try opened.execute("PRAGMA synchronous=NORMAL")
        try Migrations.apply(FullTextIndex.schema, to: opened)
        db = opened
        openedIdentity = FileIdentity(path: path)
        return opened
    }

    private func closeLocked() {
        db = nil
        cachedHashes = nil
    }

    private func discardLocked() {
        closeLocked()
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }

    /// Errors that mean the file is not a sound index of ours (as opposed to a full disk
    /// or a lock held too long, which pass).
    static func isDamage(_ error: Error) -> Bool {
        switch error as? StoreError {
        case .corrupted: return true
        case .database(let code, _): return [SQLITE_CORRUPT, SQLITE_NOTADB].contains(code & 0xFF)
        default: return false
        }
    }
}

/// Which file a path names: device and inode, nil when there is none.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

extension Account {
    /// Every stored body's id and content hash, ascending by id.
    func blobHashes() throws -> [(id: Int64, hash: UInt64)] {
        try withDatabase {
            let s = try db.statement("SELECT id, hash FROM blob ORDER BY id")
            var rows: [(Int64, UInt64)] = []
            while try s.step() { rows.append((s.int64(0), UInt64(bitPattern: s.int64(1)))) }
            return rows
        }
    }

    /// The id and content hash of the bodies of a mailbox's messages.
    func blobHashes(in mailbox: MailboxID) throws -> [(id: Int64, hash: UInt64)] {
        try withDatabase {
            let s = try db.statement("SELECT DISTINCT b.id, b.hash FROM message m JOIN blob b ON b.id = m.blob WHERE m.mailbox = ?")
                .bind(.int(mailbox))
            var rows: [(Int64, UInt64)] = []
            while try s.step() { rows.append((s.int64(0), UInt64(bitPattern: s.int64(1)))) }
            return rows
        }
    }
}
