import Foundation

public struct CheckReport: Sendable {
    public var problems: [String] = []
    public var messages = 0
    public var blobs = 0
    public var bytes: Int64 = 0
    /// Stored bodies the full-text index holds as they are now; nil when the index was
    /// unreadable or damaged (it is then removed and rebuilt, and searches read the
    /// messages meanwhile). Not a problem of the mail: the index is derived from it.
    public var indexedBodies: Int?
    public var isClean: Bool { problems.isEmpty }
}

public struct SpaceReport: Sendable {
    public var mailboxes = 0
    public var messages = 0
    /// Bytes of all messages as clients see them (copies counted each time).
    public var messageBytes: Int64 = 0
    /// Bytes the segment files hold, and how many of them no message uses any more.
    public var segmentBytes: Int64 = 0
    public var deadBytes: Int64 = 0
    public var segments = 0
    public init() {}

    /// The sum of two reports, for totals over accounts.
    public static func + (a: SpaceReport, b: SpaceReport) -> SpaceReport {
        var r = a
        r.mailboxes += b.mailboxes; r.messages += b.messages; r.messageBytes += b.messageBytes
        r.segmentBytes += b.segmentBytes; r.deadBytes += b.deadBytes; r.segments += b.segments
        return r
    }
}

public struct CompactionReport: Sendable {
    public var segmentsRewritten = 0
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
    /// Stored bodies the full-text index holds once compaction has brought it level;
    /// nil when it could not be written (searches then read the messages).
    public var indexedBodies: Int?
}

extension Account {
    // MARK: Check

    /// Verifies the account: SQLite's own integrity check of the index, no leftovers of
    /// interrupted writes, every index row points at bytes whose hash matches, counters
    /// equal a recount, reference counts are right, no UID is reused. Changes nothing but a
    /// damaged full-text index, which is removed to be rebuilt (open the account with
    /// `recovering` off to see the leftovers that opening would cut away).
    public func check() throws -> CheckReport {
        var report = CheckReport()
        var blobs: [(id: Int64, segment: Int64, offset: Int64, length: Int, hash: UInt64, refs: Int)] = []
        var segmentLengths: [Int64: Int64] = [:]
        do {
            // Looked for holding the append lock, so a commit's bytes in flight are not taken for torn ones.
            let leftovers = try FileLock.append(root: root).holding { try withDatabase { try db.transaction { try leftoversLocked() } } }
            try withDatabase {
                let integrity = try db.statement("PRAGMA integrity_check")
                while try integrity.step() {
                    if let line = integrity.text(0), line != "ok" { report.problems.append("index: \(line)") }
                }
                integrity.reset()
                report.problems += leftovers.map(\.description)
                let seg = try db.statement("SELECT id, length FROM segment WHERE state = 0")
                while try seg.step() { segmentLengths[seg.int64(0)] = seg.int64(1) }
                let s = try db.statement("""
                    SELECT b.id, b.segment, b.offset, b.length, b.hash, b.refs, (SELECT count(*) FROM message m WHERE m.blob = b.id)
                    FROM blob b ORDER BY b.segment, b.offset
                    """)
                while try s.step() {
                    if s.int(5) != s.int(6) {
                        report.problems.append("blob \(s.int64(0)): reference count \(s.int(5)) but \(s.int(6)) message(s) use it")
                    }
                    blobs.append((s.int64(0), s.int64(1), s.int64(2), s.int(3), UInt64(bitPattern: s.int64(4)), s.int(5)))
                }
                let orphans = try db.statement("SELECT m.mailbox, m.uid FROM message m LEFT JOIN blob b ON b.id = m.blob WHERE b.id IS NULL")
                while try orphans.step() {
                    report.problems.append("mailbox \(orphans.int64(0)) uid \(orphans.int64(1)): its message bytes are not indexed")
                }
                let homeless = try db.statement("SELECT m.mailbox, count(*) FROM message m LEFT JOIN mailbox x ON x.id = m.mailbox WHERE x.id IS NULL GROUP BY m.mailbox")
                while try homeless.step() {
                    report.problems.append("mailbox \(homeless.int64(0)): \(homeless.int(1)) message(s) in a mailbox the index does not list")
                }
                try checkCountersLocked(&report)
            }
        } catch {
            report.problems.append("index: cannot be read (\(error))")
        }
        for (segment, length) in segmentLengths {
            let size = segments.size(of: segment) ?? 0  // a new segment's file appears with its first write
            if size < length { report.problems.append("segment \(segment): file holds \(size) bytes, index expects \(length)") }
        }
        for b in blobs {
            report.blobs += 1
            report.bytes += Int64(b.length)
            guard let committed = segmentLengths[b.segment], b.offset + Int64(b.length) <= committed else {
                report.problems.append("blob \(b.id): lies outside the committed part of segment \(b.segment)")
                continue
            }
            var hasher = XXHash64()
            var read = 0
            do {
                try segments.read(segment: b.segment, offset: b.offset, length: b.length) { chunk in
                    hasher.update(chunk)
                    read += chunk.count
                }
                if hasher.finalize() != b.hash {
                    let name = (try? withDatabase { try describeLocked(blob: b.id) }) ?? "blob \(b.id)"
                    report.problems.append("\(name): its bytes in segment \(b.segment) at \(b.offset) do not match their hash (damaged on disk, or a wrong index row)")
                }
            } catch {
                report.problems.append("blob \(b.id): cannot be read (\(error))")
            }
        }
        if let known = fullText.verify() {
            report.indexedBodies = blobs.count(where: { known[$0.id] == $0.hash })
        }
        return report
    }

    private func checkCountersLocked(_ report: inout CheckReport) throws {
        var names: [MailboxID: String] = [:]
        for (box, firstRecent) in try mailboxesWithRecentBoundaryLocked() {
            let r = try recountLocked(box.id, firstRecent: firstRecent)
            let name = "mailbox \(box.name)"
            names[box.id] = box.name
            report.messages += r.messages
            if r.messages != box.messages { report.problems.append("\(name): counts \(box.messages) messages, holds \(r.messages)") }
            if r.unseen != box.unseen { report.problems.append("\(name): counts \(box.unseen) unseen, holds \(r.unseen)") }
            if r.size != box.size { report.problems.append("\(name): counts \(box.size) bytes, holds \(r.size)") }
            if r.recent != box.recent { report.problems.append("\(name): counts \(box.recent) recent, holds \(r.recent)") }
            if r.highestUID >= Int64(box.uidNext.rawValue) {
                report.problems.append("\(name): UID \(r.highestUID) is not below UIDNEXT \(box.uidNext)")
            }
            if UInt64(r.highestModSeq) > box.highestModSeq.rawValue {
                report.problems.append("\(name): a message has MODSEQ \(r.highestModSeq) above HIGHESTMODSEQ \(box.highestModSeq)")
            }
            if r.highestExpungedUID >= Int64(box.uidNext.rawValue) {
                report.problems.append("\(name): expunged UID \(r.highestExpungedUID) is not below UIDNEXT \(box.uidNext)")
            }
            if UInt64(r.highestExpungeModSeq) > box.highestModSeq.rawValue {
                report.problems.append("\(name): an expunge has MODSEQ \(r.highestExpungeModSeq) above HIGHESTMODSEQ \(box.highestModSeq)")
            }
            if r.reusedUIDs > 0 { report.problems.append("\(name): \(r.reusedUIDs) UID(s) reused after being expunged") }
        }
        for (mailbox, wrong) in try uidRunProblemsLocked() {
            report.problems.append("mailbox \(names[mailbox] ?? "#\(mailbox)"): \(wrong) run(s) of its UIDs in uid_run differ from its messages")
        }
    }

    func mailboxesWithRecentBoundaryLocked() throws -> [(MailboxStatus, Int64)] {
        let boxes = try db.statement("SELECT \(Account.mailboxColumns), first_recent_uid FROM mailbox ORDER BY id")
        var statuses: [(MailboxStatus, Int64)] = []
        while try boxes.step() { statuses.append((Account.mailboxStatus(boxes), boxes.int64(10))) }
        return statuses
    }

    /// What a mailbox's counters should say, counted from its messages and tombstones.
    struct MailboxRecount {
        var messages = 0, unseen = 0, recent = 0
        var size: Int64 = 0
        var highestUID: Int64 = 0, highestModSeq: Int64 = 0
        var highestExpungedUID: Int64 = 0, highestExpungeModSeq: Int64 = 0
        var reusedUIDs = 0
    }

    func recountLocked(_ mailbox: MailboxID, firstRecent: Int64) throws -> MailboxRecount {
        let recount = try db.statement("""
            SELECT count(*), coalesce(sum((flags & 1) = 0), 0), coalesce(sum(size), 0), coalesce(sum(uid >= ?2), 0),
                   coalesce(max(uid), 0), coalesce(max(modseq), 0)
            FROM message WHERE mailbox = ?1
            """).bind(.int(mailbox), .int(firstRecent))
        _ = try recount.step()
        var r = MailboxRecount(messages: recount.int(0), unseen: recount.int(1), recent: recount.int(3), size: recount.int64(2),
                               highestUID: recount.int64(4), highestModSeq: recount.int64(5))
        let tombs = try db.statement("""
            SELECT coalesce(max(e.uid), 0), coalesce(max(e.modseq), 0),
                   (SELECT count(*) FROM expunged x JOIN message m ON m.mailbox = x.mailbox AND m.uid = x.uid WHERE x.mailbox = ?1)
            FROM expunged e WHERE e.mailbox = ?1
            """).bind(.int(mailbox))
        _ = try tombs.step()
        r.highestExpungedUID = tombs.int64(0)
        r.highestExpungeModSeq = tombs.int64(1)
        r.reusedUIDs = tombs.int(2)
        return r
    }

    // MARK: Space

    public func space() throws -> SpaceReport {
        try withDatabase {
            var r = SpaceReport()
            let s = try db.statement("SELECT count(*), coalesce(sum(messages), 0), coalesce(sum(size), 0) FROM mailbox")
            _ = try s.step()
            r.mailboxes = s.int(0); r.messages = s.int(1); r.messageBytes = s.int64(2)
            let seg = try db.statement("""
                SELECT count(*), coalesce(sum(length), 0),
                       coalesce(sum(length), 0) - (SELECT coalesce(sum(b.length), 0) FROM blob b JOIN segment g ON g.id = b.segment AND g.state = 0)
                FROM segment WHERE state = 0
                """)
            _ = try seg.step()
            r.segments = seg.int(0); r.segmentBytes = seg.int64(1); r.deadBytes = seg.int64(2)
            return r
        }
    }

    // MARK: Compaction

    /// Rewrites every segment that holds bytes of expunged messages, keeping only live
    /// bytes, then brings the full-text index level with what is left. Safe against a crash at any point: the old segments are retired only in the
    /// same commit that points the index at the new copies, and recovery finishes either way.
    public func compact() throws -> CompactionReport {
        try FileLock.compaction(root: root).holding { try compactLocked() }
    }

    private func compactLocked() throws -> CompactionReport {
        var report = CompactionReport()
        // 1. Seal: new appends go to a fresh segment, so the ones being rewritten stay still.
        // A commit under way finishes first: its bytes are then in a committed length.
        let victims: [(id: Int64, length: Int64, live: Int64)] = try FileLock.append(root: root).holding { try withDatabase {
            try db.transaction {
                let s = try db.statement("""
                    SELECT g.id, g.length, (SELECT coalesce(sum(b.length), 0) FROM blob b WHERE b.segment = g.id)
                    FROM segment g WHERE g.state = 0 ORDER BY g.id
                    """)
                var all: [(Int64, Int64, Int64)] = []
                while try s.step() { all.append((s.int64(0), s.int64(1), s.int64(2))) }
                report.bytesBefore = all.reduce(0) { $0 + $1.1 }
                let wasted = all.filter { $0.2 < $0.1 }
                if let last = all.last, wasted.contains(where: { $0.0 == last.0 }) {
                    try db.statement("INSERT INTO segment(id, length, state) VALUES(?, 0, 0)").bind(.int(last.0 + 1)).run()
                }
                return wasted
            }
        } }
        guard !victims.isEmpty else {
            report.bytesAfter = report.bytesBefore
            report.indexedBodies = fullText.catchUp(self)
            return report
        }
        // 2. Copy live bytes into new segments, registered as "being written" first.
        var moves: [(blob: Int64, from: Int64, fromOffset: Int64, to: Int64, toOffset: Int64)] = []
        var outputs: [(id: Int64, length: Int64)] = []
        for victim in victims where victim.live > 0 {
            let blobs: [(id: Int64, offset: Int64, length: Int, hash: UInt64)] = try withDatabase {
                let s = try db.statement("SELECT id, offset, length, hash FROM blob WHERE segment = ? ORDER BY offset").bind(.int(victim.id))
                var rows: [(Int64, Int64, Int, UInt64)] = []
                while try s.step() { rows.append((s.int64(0), s.int64(1), s.int(2), UInt64(bitPattern: s.int64(3)))) }
                return rows
            }
            for b in blobs {
                if outputs.isEmpty || (outputs[outputs.count - 1].length > 0 && outputs[outputs.count - 1].length + Int64(b.length) > segmentLimit) {
                    outputs.append((try newOutputSegment(), 0))
                }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(b.length)
                try segments.read(segment: victim.id, offset: b.offset, length: b.length) { bytes.append(contentsOf: $0) }
                guard XXHash64.hash(bytes) == b.hash else {
                    throw StoreError.corrupted("blob \(b.id) in segment \(victim.id) does not match its hash; run 'roost check' before compacting")
                }
                let out = outputs[outputs.count - 1]
                try bytes.withUnsafeBytes { try segments.append(segment: out.id, at: out.length, $0) }
                moves.append((b.id, victim.id, b.offset, out.id, out.length))
                outputs[outputs.count - 1].length += Int64(b.length)
            }
        }
        for out in outputs { try segments.sync(segment: out.id) }
        // 3. One commit points the index at the copies and retires the old segments.
        try withDatabase {
            try db.transaction {
                let update = try db.statement("UPDATE blob SET segment = ?, offset = ? WHERE id = ? AND segment = ? AND offset = ?")
                for m in moves {
                    update.reset()
                    try update.bind(.int(m.to), .int(m.toOffset), .int(m.blob), .int(m.from), .int(m.fromOffset)).run()
                }
                for out in outputs {
                    try db.statement("UPDATE segment SET length = ?, state = 0 WHERE id = ?").bind(.int(out.length), .int(out.id)).run()
                }
                for victim in victims {
                    try db.statement("UPDATE segment SET state = 2 WHERE id = ?").bind(.int(victim.id)).run()
                }
            }
        }
        // 4. Remove the retired files; recovery does this if we stop before.
        try withDatabase {
            for victim in victims {
                try segments.remove(segment: victim.id)
                try db.statement("DELETE FROM segment WHERE id = ?").bind(.int(victim.id)).run()
            }
        }
        try FileSystem.syncDirectory(segments.directory)
        report.segmentsRewritten = victims.count
        report.bytesAfter = try withDatabase {
            let s = try db.statement("SELECT coalesce(sum(length), 0) FROM segment WHERE state = 0")
            _ = try s.step()
            return s.int64(0)
        }
        // Drops the rows of the bodies that are gone and indexes the ones it lacks.
        report.indexedBodies = fullText.catchUp(self)
        return report
    }

    /// Registers a segment that compaction is about to write; recovery removes it if the
    /// compaction never commits.
    private func newOutputSegment() throws -> Int64 {
        try withDatabase {
            try db.transaction {
                let m = try db.statement("SELECT coalesce(max(id), 0) + 1 FROM segment")
                _ = try m.step()
                let id = m.int64(0)
                m.reset()
                try db.statement("INSERT INTO segment(id, length, state) VALUES(?, 0, 1)").bind(.int(id)).run()
                return id
            }
        }
    }
}
