import Foundation

/// One account's mail: its index (`index.sqlite`, WAL) and its segment files. Every
/// mailbox operation goes through here. Thread-safe: calls are serialized on one
/// connection, and appends from many threads share commits (see `GroupCommit`).
public final class Account: @unchecked Sendable {
    public let id: String
    public let root: String
    let db: Database
    let segments: SegmentFiles
    let lock = NSLock()
    let hub = ChangeHub()
    lazy var committer = GroupCommit(account: self)
    let fullText: FullTextIndex
    /// Held shared while the account is open here, so that a rebuild of its index (which
    /// needs it exclusively) never runs under a process that uses the old one.
    private let inUse: FileLock
    /// Whether BODY, TEXT and header searches narrow through the full-text index; off,
    /// they read every message (the index is then neither used nor kept up).
    public var usesFullTextIndex: Bool {
        get { lock.withLock { usesFullTextIndexLocked } }
        set { lock.withLock { usesFullTextIndexLocked = newValue } }
    }
    private var usesFullTextIndexLocked = true
    /// Largest size a segment grows to before the next one is started.
    var segmentLimit: Int64 = 256 << 20
    /// Quota in bytes; nil for none. Set by the directory when the account is opened.
    public var quota: Int64? {
        get { lock.withLock { quotaLocked } }
        set { lock.withLock { quotaLocked = newValue } }
    }
    /// The quota, read and written only with `lock` held.
    var quotaLocked: Int64?
    private var lastDataVersion: Int64 = 0
    /// Uses of the index (`withDatabase`), and what `releaseMappedPagesIfIdle` last saw.
    private var uses = 0
    private var mapWatch = (uses: 0, mappedReads: 0, quietSince: ContinuousClock.now, resident: false)
    /// The UIDs of large mailboxes as last read, so that selecting one again reads only
    /// what arrived since; used with `lock` held.
    var uidCache = UIDCache()
    /// Whether `flag_range` may hold STOREs not folded into the message rows yet, and
    /// whether a background fold is on its way; both used with `lock` held.
    var flagRangesWaiting = false
    var foldScheduled = false
    /// Off in tests that look at ranges before any fold.
    var foldsInBackground = true

    static let schema: [String] = [
        // Version 1.
        """
        CREATE TABLE mailbox(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            uidvalidity INTEGER NOT NULL,
            uidnext INTEGER NOT NULL DEFAULT 1,
            highestmodseq INTEGER NOT NULL DEFAULT 1,
            messages INTEGER NOT NULL DEFAULT 0,
            unseen INTEGER NOT NULL DEFAULT 0,
            recent INTEGER NOT NULL DEFAULT 0,
            first_recent_uid INTEGER NOT NULL DEFAULT 1,
            size INTEGER NOT NULL DEFAULT 0,
            special_use TEXT,
            created INTEGER NOT NULL
        );
        CREATE TABLE segment(
            id INTEGER PRIMARY KEY,
            length INTEGER NOT NULL,          -- committed length; bytes beyond it are a torn tail
            state INTEGER NOT NULL DEFAULT 0  -- 0 live, 1 being written by compaction, 2 retired
        );
        CREATE TABLE blob(
            id INTEGER PRIMARY KEY,
            segment INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            hash INTEGER NOT NULL,
            refs INTEGER NOT NULL,
            header_length INTEGER NOT NULL,
            envelope TEXT NOT NULL,
            bodystructure TEXT NOT NULL,
            body TEXT NOT NULL,
            structure BLOB NOT NULL,
            sent_date INTEGER,
            subject TEXT, from_ TEXT, to_ TEXT, cc TEXT,
            message_id TEXT, in_reply_to TEXT, refs_header TEXT
        );
        CREATE INDEX blob_segment ON blob(segment);
        CREATE TABLE message(
            mailbox INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            blob INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            keywords TEXT,
            modseq INTEGER NOT NULL,
            internaldate INTEGER NOT NULL,
            savedate INTEGER NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY(mailbox, uid)
        ) WITHOUT ROWID;
        CREATE TABLE expunged(
            mailbox INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            modseq INTEGER NOT NULL,
            PRIMARY KEY(mailbox, uid)
        ) WITHOUT ROWID;
        CREATE TABLE subscription(name TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        """,
        // Version 2: sharing. Access control lists (RFC 4314), \Seen kept per reader in
        // shared mailboxes, and mailbox aliases.
        """
        CREATE TABLE acl(
            mailbox INTEGER NOT NULL,
            identifier TEXT NOT NULL,       -- an account id or 'anyone', '-' before it for rights taken away
            rights TEXT NOT NULL,
            PRIMARY KEY(mailbox, identifier)
        ) WITHOUT ROWID;
        CREATE TABLE private_seen(
            mailbox INTEGER NOT NULL,
            reader TEXT NOT NULL,           -- the account id of a reader who is not the owner
            uid INTEGER NOT NULL,
            seen INTEGER NOT NULL,
            modseq INTEGER NOT NULL,
            PRIMARY KEY(mailbox, reader, uid)
        ) WITHOUT ROWID;
        CREATE TABLE mailbox_alias(
            name TEXT PRIMARY KEY,
            target TEXT NOT NULL            -- a name of this account or a foreign one (~owner/mailbox)
        ) WITHOUT ROWID;
        """,
        // Version 3: PREVIEW (RFC 8970) made at append, the thread a message joins (RFC 8474
        // THREADID: the content hash of the thread's first message), found by Message-ID; and
        // METADATA entries (RFC 5464) of mailboxes and of the account's server view.
        """
        ALTER TABLE blob ADD COLUMN preview TEXT;     -- '' when there is no text; NULL in rows older than version 3
        ALTER TABLE blob ADD COLUMN thread INTEGER;   -- NULL in rows older than version 3: the row's own hash
        CREATE INDEX blob_message_id ON blob(message_id) WHERE message_id IS NOT NULL;
        CREATE TABLE metadata(
            mailbox INTEGER NOT NULL,       -- 0 for server entries
            reader TEXT NOT NULL,           -- '' for /shared entries, the account id for its /private ones
            name TEXT NOT NULL,             -- the entry name after /shared or /private, lowercased
            value BLOB NOT NULL,
            PRIMARY KEY(mailbox, reader, name)
        ) WITHOUT ROWID;
        """,
        // Version 4: what SELECT and SEARCH need without reading every message row: the
        // unseen and the \Deleted messages (partial indexes, so a query must name the
        // condition exactly as written here; flags is in them because the SQLite of
        // Debian 12 still tests the condition on each row), and the keywords each
        // mailbox has used.
        """
        CREATE INDEX message_unseen ON message(mailbox, uid, flags) WHERE flags & 1 = 0;
        CREATE INDEX message_deleted ON message(mailbox, uid, flags) WHERE flags & 8 != 0;
        CREATE TABLE keyword(
            mailbox INTEGER NOT NULL,
            name TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY(mailbox, name)
        ) WITHOUT ROWID;
        WITH RECURSIVE split(mailbox, word, rest) AS (
            SELECT mailbox, '', keywords || ' ' FROM (SELECT DISTINCT mailbox, keywords FROM message WHERE keywords IS NOT NULL)
            UNION ALL
            SELECT mailbox, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest != ''
        )
        INSERT OR IGNORE INTO keyword(mailbox, name) SELECT mailbox, word FROM split WHERE word != '';
        """,
        // Version 5: each mailbox's UIDs as runs of consecutive numbers (UIDRuns.swift), so
        // SELECT maps sequence numbers without reading a row per message.
        """
        CREATE TABLE uid_run(
            mailbox INTEGER NOT NULL,
            first INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY(mailbox, first)
        ) WITHOUT ROWID;
        INSERT INTO uid_run(mailbox, first, count) \(Account.uidRunsFromMessages);
        """,
        // Version 6: a STORE of system flags on many messages, kept as one row per UID range
        // until it is folded into the message rows (Account+FlagRanges.swift).
        """
        CREATE TABLE flag_range(
            mailbox INTEGER NOT NULL,
            modseq INTEGER NOT NULL,        -- the STORE's mod-sequence, given to each message it changes
            first INTEGER NOT NULL,         -- the UIDs not folded yet
            last INTEGER NOT NULL,
            bits INTEGER NOT NULL,          -- the system flags added or removed
            adding INTEGER NOT NULL,
            PRIMARY KEY(mailbox, modseq, first)
        ) WITHOUT ROWID;
        """,
    ]

    /// Opens (creating if needed) the account store in `root`, and recovers from any
    /// interrupted write: torn segment tails are cut back, abandoned compaction output removed.
    /// `roost check` opens with `recovering` off, to report what it would find.
    public init(id: String, root: String, recovering: Bool = true) throws {
        self.id = id
        self.root = root
        try FileSystem.makeDirectory(root)
        inUse = try FileLock.inUse(root: root)
        guard inUse.tryLock(exclusive: false) else {
            throw StoreError.io("account \(id) is being repaired ('roost check --repair'); try again later")
        }
        self.segments = try SegmentFiles(directory: root + "/blobs")
        self.db = try Database(path: root + "/index.sqlite")
        self.fullText = FullTextIndex(path: root + "/fts.sqlite")
        try db.configureForStore()
        try Migrations.apply(Account.schema, to: db)
        // `roost check` (not recovering) reports on the rows as they are, folding nothing.
        if recovering {
            flagRangesWaiting = try db.statement("SELECT 1 FROM flag_range LIMIT 1").step()
            try recover()
        }
        lastDataVersion = try db.dataVersion()
        db.finishUse()
    }

    /// Runs `body` with the connection to itself, STOREs kept as ranges folded into the
    /// message rows first, so that `body` reads and changes rows as every STORE left them.
    /// `counted` false for a use that is not a read the maps' pages should be kept for
    /// (`releaseMappedPagesIfIdle`); `folding` false for the few uses that know the ranges
    /// (recording one, folding one step, looking at the data version).
    func withDatabase<T>(counted: Bool = true, folding: Bool = true, _ body: () throws -> T) throws -> T {
        lock.lock()
        if counted { uses &+= 1 }
        defer {
            db.finishUse()
            lock.unlock()
        }
        if folding && flagRangesWaiting { try foldFlagRangesLocked() }
        return try body()
    }

    /// Allocates a UIDVALIDITY that no earlier mailbox of this account had: the current
    /// time in seconds, or one more than the last one given if the clock went back.
    func nextUIDValidity() throws -> UInt32 {
        let now = Int64(Date().timeIntervalSince1970) & 0xFFFF_FFFF
        let last = try counter("uidvalidity")
        let value = max(now, last + 1)
        try setCounter("uidvalidity", value)
        return UInt32(truncatingIfNeeded: value)
    }

    func counter(_ name: String) throws -> Int64 {
        let s = try db.statement("SELECT value FROM counter WHERE name = ?").bind(.text(name))
        return try s.step() ? s.int64(0) : 0
    }

    func setCounter(_ name: String, _ value: Int64) throws {
        try db.statement("INSERT INTO counter(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
            .bind(.text(name), .int(value)).run()
    }

    /// Tells subscribers when another process (a `roost deliver`, another server) changed
    /// this account. Servers call it about once a second per open account.
    public func pollExternalChanges() {
        guard hub.hasSubscribers else { return }
        let changed = (try? withDatabase(counted: false, folding: false) { () -> Bool in
            guard let version = try? db.dataVersion(), version != lastDataVersion else { return false }
            lastDataVersion = version
            // Another process may have recorded or folded ranges.
            flagRangesWaiting = (try? db.statement("SELECT 1 FROM flag_range LIMIT 1").step()) ?? true
            return true
        }) ?? false
        if changed { hub.publishExternal() }
    }

    /// Lets go of the pages the memory maps of the index and of the segments hold once
    /// the account has not been read for `mapsKeptUnread` (the server calls this twice a
    /// second). The pages stay in the kernel's cache, but while mapped they count in
    /// the server's resident memory: a header sync of 100,000 messages left some 1.3 GB
    /// of them there, in every measurement of memory that followed.
    public func releaseMappedPagesIfIdle(now: ContinuousClock.Instant = .now) {
        let reads = segments.mappedReads
        lock.lock()
        defer { lock.unlock() }
        if uses != mapWatch.uses || reads != mapWatch.mappedReads {
            mapWatch = (uses, reads, now, true)
            return
        }
        guard mapWatch.resident, now - mapWatch.quietSince >= Account.mapsKeptUnread else { return }
        mapWatch.resident = false
        db.releaseMappedPages()
        segments.releaseMappedPages()
    }

    /// How long an account goes unread before its maps let go of their pages. Mapping
    /// them again costs a fault for every page touched: a header sync of 100,000 two and
    /// a half seconds after the last took 310 ms against 250, a SELECT 0.7 ms against 0.3.
    static let mapsKeptUnread: Duration = .seconds(30)

    /// Whether pages read through the maps may still be held (for tests).
    var mayHoldMappedPages: Bool { lock.withLock { mapWatch.resident } }

    /// Total bytes of all messages in all mailboxes (what quota counts).
    public func usage() throws -> Int64 {
        try withDatabase { try usageLocked() }
    }

    func usageLocked() throws -> Int64 {
        let s = try db.statement("SELECT coalesce(sum(size), 0) FROM mailbox")
        _ = try s.step()
        return s.int64(0)
    }
}

/// Schema versions kept in `PRAGMA user_version`; each entry of a list is one step.
enum Migrations {
    static func apply(_ steps: [String], to db: Database) throws {
        let s = try db.statement("PRAGMA user_version")
        _ = try s.step()
        let current = s.int(0)
        s.reset()
        guard current < steps.count else {
            if current > steps.count {
                throw StoreError.corrupted("\(db.path) has schema version \(current), newer than this roost (\(steps.count))")
            }
            return
        }
        try db.transaction {
            for version in current..<steps.count {
                try db.execute(steps[version])
            }
            try db.execute("PRAGMA user_version = \(steps.count)")
        }
    }
}

/// An advisory lock (flock) on a file in an account folder, between processes and between
/// threads of one (each value opens its own descriptor). Closing the descriptor, when the
/// value goes away or the process dies, releases it.
final class FileLock {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fileError("cannot open \(path)") }
    }

    deinit { close(fd) }

    /// Runs `body` holding the lock exclusively (the value is kept alive until then, so
    /// the descriptor cannot close early).
    func holding<T>(_ body: () throws -> T) throws -> T {
        try lock()
        defer { flock(fd, LOCK_UN) }
        return try withExtendedLifetime(self) { try body() }
    }

    func tryLock(exclusive: Bool = true) -> Bool { flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 }
    func lock() throws {
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.io("cannot lock \(path): \(errnoText())") }
        }
    }

    /// Held by `roost compact` on an account, so that recovery in another process never
    /// removes the segment a live compaction is writing.
    static func compaction(root: String) throws -> FileLock { try FileLock(path: root + "/compact.lock") }

    /// Held shared by every process with the account open; taken exclusively to rebuild a
    /// damaged index.
    static func inUse(root: String) throws -> FileLock { try FileLock(path: root + "/open.lock") }

    /// Held while new bytes are written past a segment's committed length and until that
    /// length is committed (a group commit writes them outside the index's write lock):
    /// whoever looks for torn tails, and compaction sealing a segment, hold it too. Taken
    /// before the account's own lock, never inside it.
    static func append(root: String) throws -> FileLock { try FileLock(path: root + "/append.lock") }
}
