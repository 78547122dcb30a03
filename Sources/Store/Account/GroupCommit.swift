import Foundation

/// Appends that arrive while a commit is under way wait for it, then the first of them
/// commits all of them together: one write and one fsync of the segment, one index
/// transaction (one WAL fsync), however many messages. Each caller still returns only
/// after its own messages are durable, and each gets its own success or failure.
final class GroupCommit: @unchecked Sendable {
    private final class Request {
        let mailbox: MailboxID
        let messages: [PreparedMessage]
        var result: Result<AppendResult, Error>?
        init(mailbox: MailboxID, messages: [PreparedMessage]) {
            self.mailbox = mailbox
            self.messages = messages
        }
    }

    private unowned let account: Account
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var leaderActive = false
    /// Commits made so far (each one fsync of the segment and one of the index), against
    /// the appends they carried: what grouping saved.
    private(set) var commits = 0
    private(set) var appendsCommitted = 0

    init(account: Account) { self.account = account }

    /// `commits` and `appendsCommitted` read together.
    var tally: (commits: Int, appends: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (commits, appendsCommitted)
    }

    func submit(mailbox: MailboxID, messages: [PreparedMessage]) throws -> AppendResult {
        let request = Request(mailbox: mailbox, messages: messages)
        condition.lock()
        queue.append(request)
        while request.result == nil {
            if leaderActive {
                condition.wait()
                continue
            }
            leaderActive = true
            let batch = queue
            queue.removeAll()
            commits += 1
            appendsCommitted += batch.count
            condition.unlock()
            commit(batch)
            condition.lock()
            leaderActive = false
            condition.broadcast()
        }
        condition.unlock()
        return try request.result!.get()
    }

    /// Writes every request's bytes, syncs them, then inserts each request's rows under its
    /// own savepoint so one failing request (mailbox gone, over quota) fails alone. The
    /// account stays open to other work while the bytes go to disk: the append lock, not
    /// the index's write lock, keeps other writers of the segment away until its new
    /// length is committed.
    private func commit(_ batch: [Request]) {
        do {
            try FileLock.append(root: account.root).holding {
                let size = batch.reduce(0) { $0 + $1.messages.reduce(0) { $0 + $1.message.bytes.count } }
                let (segment, start) = try account.withDatabase { try account.db.transaction { try account.currentSegmentLocked(adding: size) } }
                var offset = start
                var locations: [[(segment: Int64, offset: Int64)]] = []
                for request in batch {
                    var l: [(segment: Int64, offset: Int64)] = []
                    for m in request.messages {
                        l.append((segment, offset))
                        offset += Int64(m.message.bytes.count)
                    }
                    locations.append(l)
                }
                do {
                    try withPieces(batch.flatMap { $0.messages.map(\.message.bytes) }) { pieces in
                        try account.segments.write(segment: segment, at: start, pieces: pieces)
                    }
                    try account.withDatabase {
                        let db = account.db
                        try db.transaction {
                            for (request, l) in zip(batch, locations) {
                                try db.statement("SAVEPOINT one").run()
                                do {
                                    request.result = .success(try account.insertLocked(request.messages, locations: l, into: request.mailbox))
                                    try db.statement("RELEASE one").run()
                                } catch {
                                    try db.statement("ROLLBACK TO one").run()
                                    try db.statement("RELEASE one").run()
                                    request.result = .failure(error)
                                }
                            }
                            try db.statement("UPDATE segment SET length = ? WHERE id = ?").bind(.int(offset), .int(segment)).run()
                        }
                        // Told in UID order while the account is held: a session that heard of
                        // a UID has heard of every lower one (it can only add messages at the end).
                        for request in batch {
                            if case .success(let appended) = request.result { account.hub.publish(.appended(appended.uids), to: request.mailbox) }
                        }
                    }
                } catch {
                    // The bytes of a failed commit are no message's. Cut them now, not at the
                    // next write: a full disk gets their space back at once.
                    _ = try? account.withDatabase { try account.recoverLocked() }
                    throw error
                }
            }
        } catch {
            for request in batch { request.result = .failure(error) }
        }
    }
}

/// Calls `body` with raw views of all arrays at once.
private func withPieces<T>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> T) rethrows -> T {
    var pieces: [UnsafeRawBufferPointer] = []
    pieces.reserveCapacity(arrays.count)
    func recurse(_ i: Int) throws -> T {
        if i == arrays.count { return try body(pieces) }
        return try arrays[i].withUnsafeBytes { raw in
            pieces.append(raw)
            return try recurse(i + 1)
        }
    }
    return try recurse(0)
}

extension Account {
    /// The live segment new bytes go to and its committed length, starting a new segment
    /// when the current one would grow past `segmentLimit`.
    func currentSegmentLocked(adding bytes: Int) throws -> (Int64, Int64) {
        let s = try db.statement("SELECT id, length FROM segment WHERE state = 0 ORDER BY id DESC LIMIT 1")
        var current: (Int64, Int64)? = nil
        if try s.step() { current = (s.int64(0), s.int64(1)) }
        s.reset()
        if let (id, length) = current, length == 0 || length + Int64(bytes) <= segmentLimit {
            return (id, length)
        }
        let m = try db.statement("SELECT coalesce(max(id), 0) + 1 FROM segment")
        _ = try m.step()
        let id = m.int64(0)
        m.reset()
        try db.statement("INSERT INTO segment(id, length, state) VALUES(?, 0, 0)").bind(.int(id)).run()
        return (id, 0)
    }
}
