import CSQLite
import Foundation

/// Copies a store file's write-ahead log back into the file on a thread of its own, so
/// that no commit waits for it. SQLite's default runs the checkpoint inside the COMMIT
/// that takes the log past 1,000 pages: about every fiftieth append, or the STORE that
/// changes a large mailbox, then also wrote megabytes and waited for two more syncs
/// before its client heard OK.
///
/// The checkpoint is PASSIVE on a connection opened for it: it never takes the write lock
/// and copies only what no reader still needs, as SQLite's own does. The log starts again
/// from its beginning only when a write finds it all copied back; writes that follow each
/// other faster than the copying never find that (back-to-back STOREs on 100k messages
/// grew it to 72,000 pages, 295 MB, in 12 s). A log past `inlinePages` is therefore
/// copied back and restarted by the committing connection, waiting at most
/// `restartWait` for readers, which bounds the file.
///
/// Once writes stop, a log left holding pages not copied back is copied back too
/// (`idlePages`, `idleDelay`): a reader looks every page it reads up in the log's index
/// and takes it from the log while the log holds pages not copied back, and nothing else
/// would start that copy once writes stop: a mailbox filled over LMTP leaves up to a
/// threshold's worth, and a restart counts every page of the log as not copied back.
final class Checkpointer: @unchecked Sendable {
    /// The log size that asks for a background checkpoint (SQLite's default threshold).
    static let backgroundPages: Int32 = 1000
    /// The log size at which the writer checkpoints and restarts it itself.
    static let inlinePages: Int32 = 16000
    /// How long, in milliseconds, that restart waits for other connections' readers.
    static let restartWait: Int32 = 250
    /// The log size from which a pause in writes has the log copied back.
    static let idlePages: Int32 = 64
    /// How long writes pause before that (shorter in tests).
    var idleDelay: DispatchTimeInterval = .seconds(1)
    /// How many times a copy that a reader kept from finishing is tried again.
    static let idleAttempts = 10

    let path: String
    /// The file the owning connection opened: a checkpoint never runs on another file
    /// put under the same name (its log would be the new file's).
    private let identity: FileIdentity?
    private let queue = DispatchQueue(label: "roost.checkpoint", qos: .utility)
    private let lock = NSLock()
    private var scheduled = false
    private var completed = 0
    private var lastCommit = DispatchTime.now()
    private var idleArmed = false
    private var idleTries = 0
    private var idleResult: (log: Int32, copied: Int32)?

    init(path: String) {
        self.path = path
        identity = FileIdentity(path: path)
    }

    /// Background checkpoints finished so far.
    var runs: Int { lock.withLock { completed } }

    /// The pages in the log and the pages copied back by the last checkpoint after writes
    /// paused (for tests).
    var lastIdleCheckpoint: (log: Int32, copied: Int32)? { lock.withLock { idleResult } }

    /// Asks for a checkpoint unless one is already waiting to run.
    func schedule() {
        let start: Bool = lock.withLock {
            if scheduled { return false }
            scheduled = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    /// Returns once no checkpoint is waiting or running (for tests).
    func waitUntilIdle() {
        queue.sync {}
    }

    /// Notes a commit that left `pages` in the log: the copy after writes pause is due
    /// `idleDelay` after the last one.
    func committed(pages: Int32) {
        let arm: Bool = lock.withLock {
            lastCommit = .now()
            idleTries = 0
            if idleArmed || pages < Checkpointer.idlePages { return false }
            idleArmed = true
            return true
        }
        if arm { queue.asyncAfter(deadline: .now() + idleDelay) { self.idle() } }
    }

    /// Copies the log back once no commit came for `idleDelay`; again later, a few times,
    /// when a reader of an older state kept it from copying everything.
    private func idle() {
        let due: DispatchTime? = lock.withLock {
            let quiet = lastCommit + idleDelay
            return quiet > .now() ? quiet : nil
        }
        if let due {
            queue.asyncAfter(deadline: due) { self.idle() }
            return
        }
        let result = checkpoint()
        let again: Bool = lock.withLock {
            if let result { idleResult = result }
            idleTries += 1
            let unfinished = result.map { $0.copied < $0.log } ?? false
            idleArmed = unfinished && idleTries < Checkpointer.idleAttempts
            return idleArmed
        }
        if again { queue.asyncAfter(deadline: .now() + idleDelay) { self.idle() } }
    }

    private func run() {
        // Commits from now on ask for the next one.
        lock.withLock { scheduled = false }
        if checkpoint() != nil { lock.withLock { completed += 1 } }
    }

    /// A PASSIVE checkpoint: the pages in the log and the pages copied back, nil when it
    /// could not run.
    private func checkpoint() -> (log: Int32, copied: Int32)? {
        guard identity != nil, FileIdentity(path: path) == identity else { return nil }
        // A connection per checkpoint: one kept open could outlive the file it was opened on.
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            return nil
        }
        defer { sqlite3_close_v2(db) }
        sqlite3_busy_timeout(db, 1000)
        sqlite3_exec(db, "PRAGMA synchronous=FULL", nil, nil, nil)
        var logPages: Int32 = 0, copied: Int32 = 0
        guard sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied) == SQLITE_OK else { return nil }
        return (logPages, copied)
    }
}

extension Database {
    /// Replaces SQLite's checkpoint-at-commit with `checkpointer`.
    func checkpointInBackground(_ checkpointer: Checkpointer) {
        self.checkpointer = checkpointer
        sqlite3_wal_hook(handle, { context, db, name, pages in
            guard let context else { return SQLITE_OK }
            let owner = Unmanaged<Database>.fromOpaque(context).takeUnretainedValue()
            if pages >= Checkpointer.inlinePages {
                // A reader in another process (an export) must not hold every commit for
                // long: past the short wait the checkpoint goes on as a PASSIVE one.
                sqlite3_busy_timeout(db, Checkpointer.restartWait)
                sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, nil, nil)
                sqlite3_busy_timeout(db, Database.busyTimeout)
            } else if pages >= Checkpointer.backgroundPages {
                owner.checkpointer?.schedule()
            }
            owner.checkpointer?.committed(pages: pages)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        // A log left by the last run counts as not copied back at all (SQLite rebuilds its
        // index from the file): copy it back once this connection's first writes pause.
        if let size = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int, size > 0 {
            checkpointer.committed(pages: Int32.max)
        }
    }
}
