import Foundation

/// `roost check --repair` inside a sound SQLite file: everything `check` reports short of
/// a damaged index.sqlite, which `IndexSalvage` rebuilds first. All in one transaction.
///
/// Segment files hold raw messages back to back, with nothing between them that marks
/// where one ends: only the index knows. So bytes whose index row is lost can be given a
/// row again only where the sizes the message rows still record fill a gap between known
/// bodies exactly; anything else that cannot be placed is reported, never guessed at.
extension Account {
    /// Repairs the account; one line for each thing done. `afterRebuild`: the index was just
    /// rebuilt from a damaged one, so a segment file it does not know may hold messages whose
    /// rows were lost: it is set aside in `lost+found/`, not removed.
    func repair(afterRebuild: Bool) throws -> [String] {
        // Reading every body takes long: it is done first, without holding the account, so
        // that deliveries go on meanwhile; inside the transaction only the failures are read again.
        let suspects = try bodiesFailingTheirHash()
        return try FileLock.append(root: root).holding { try withDatabase {
            try db.transaction {
                var done: [String] = []
                for leftover in try leftoversLocked() {
                    if afterRebuild, case .unindexedSegment(let segment) = leftover {
                        done.append(try setAsideLocked(segment: segment))
                    } else {
                        try removeLocked(leftover)
                        done.append("cut away: \(leftover)")
                    }
                }
                done += try registerSegmentsLocked()
                done += try verifyBodiesLocked(suspects)
                done += try restoreMailboxesLocked()
                done += try relocateLostBodiesLocked()
                done += try fileUnusedBodiesLocked()
                if try !mailboxExistsLocked(MailboxPath.inbox) {
                    try insertMailboxLocked(MailboxPath.inbox, specialUse: nil)
                    done.append("mailbox INBOX: made again (its row was lost)")
                }
                done += try renumberReusedUIDsLocked()
                done += try recountAllLocked()
                if try rebuildUIDRunsLocked() { done.append("UID runs: set again from the messages") }
                return done
            }
        } }
    }

    private func setAsideLocked(segment: Int64) throws -> String {
        let folder = root + "/lost+found"
        try FileSystem.makeDirectory(folder)
        let target = "\(folder)/\(segment).seg"
        guard rename(segments.path(segment), target) == 0 else { throw fileError("cannot move \(segments.path(segment)) to \(target)") }
        return "segment \(segment): no index row knows its bytes; moved to lost+found/\(segment).seg (raw messages back to back, for the administrator)"
    }

    /// Segments whose own row was lost while index rows still point into them get one again;
    /// a file shorter than its committed length has lost the rest.
    private func registerSegmentsLocked() throws -> [String] {
        var done: [String] = []
        let unknown = try db.statement("SELECT DISTINCT b.segment FROM blob b LEFT JOIN segment g ON g.id = b.segment WHERE g.id IS NULL ORDER BY 1")
        var ids: [Int64] = []
        while try unknown.step() { ids.append(unknown.int64(0)) }
        for id in ids {
            guard let size = segments.size(of: id) else { continue }  // gone: its bodies are dealt with below
            try db.statement("INSERT INTO segment(id, length, state) VALUES(?, ?, 0)").bind(.int(id), .int(size)).run()
            done.append("segment \(id): listed again with its \(size) bytes (its index row was lost)")
        }
        let live = try db.statement("SELECT id, length FROM segment WHERE state = 0 ORDER BY id")
        var short: [(Int64, Int64, Int64)] = []
        while try live.step() {
            let size = segments.size(of: live.int64(0)) ?? 0
            if size < live.int64(1) { short.append((live.int64(0), live.int64(1), size)) }
        }
        for (id, length, size) in short {
            try db.statement("UPDATE segment SET length = ? WHERE id = ?").bind(.int(size), .int(id)).run()
            done.append("segment \(id): committed length \(length) cut to the \(size) bytes its file holds")
        }
        return done
    }

    /// The bodies whose bytes do not match their hash, or cannot be read where their row says.
    private func bodiesFailingTheirHash() throws -> Set<Int64> {
        let rows = try withDatabase { try bodyRowsLocked() }
        var failing = Set<Int64>()
        for row in rows.bodies {
            let inPlace = rows.lengths[row.segment].map { row.offset >= 0 && row.offset + Int64(row.length) <= $0 } ?? false
            if try !inPlace || hashOfStoredBytes(segment: row.segment, offset: row.offset, length: row.length) != row.hash {
                failing.insert(row.id)
            }
        }
        return failing
    }

    private typealias BodyRow = (id: Int64, segment: Int64, offset: Int64, length: Int, hash: UInt64, refs: Int)

    private func bodyRowsLocked() throws -> (bodies: [BodyRow], lengths: [Int64: Int64]) {
        var lengths: [Int64: Int64] = [:]
        let seg = try db.statement("SELECT id, length FROM segment WHERE state = 0")
        while try seg.step() { lengths[seg.int64(0)] = seg.int64(1) }
        let s = try db.statement("SELECT id, segment, offset, length, hash, refs FROM blob ORDER BY segment, offset")
        var rows: [BodyRow] = []
        while try s.step() { rows.append((s.int64(0), s.int64(1), s.int64(2), s.int(3), UInt64(bitPattern: s.int64(4)), s.int(5))) }
        return (rows, lengths)
    }

    /// Looks again at the bodies that failed their hash. Bytes that changed on disk are kept
    /// as they are now and indexed again from them (no better copy exists; clients that
    /// cached the message keep theirs). A row that points where its body cannot be (past the
    /// end of the file, over another intact body) is dropped, and its bytes are looked for below.
    private func verifyBodiesLocked(_ failing: Set<Int64>) throws -> [String] {
        let (rows, lengths) = try bodyRowsLocked()
        var intact: [Int64: [Range<Int64>]] = [:]
        var suspects: [(row: BodyRow, readable: Bool)] = []
        for row in rows {
            // What passed is intact (a compaction that moved it since checked its hash on the
            // way). What failed is read again: a compaction may have moved it between the
            // look-up and the read.
            guard failing.contains(row.id) else {
                intact[row.segment, default: []].append(row.offset..<(row.offset + Int64(row.length)))
                continue
            }
            guard let committed = lengths[row.segment], row.offset >= 0, row.offset + Int64(row.length) <= committed,
                  let hash = try hashOfStoredBytes(segment: row.segment, offset: row.offset, length: row.length) else {
                suspects.append((row, false))
                continue
            }
            if hash == row.hash {
                intact[row.segment, default: []].append(row.offset..<(row.offset + Int64(row.length)))
            } else {
                suspects.append((row, true))
            }
        }
        var done: [String] = []
        for (row, readable) in suspects {
            let range = row.offset..<(row.offset + Int64(row.length))
            let name = try describeLocked(blob: row.id)
            if readable && !(intact[row.segment] ?? []).contains(where: { $0.overlaps(range) }) {
                let bytes = try storedBytes(segment: row.segment, offset: row.offset, length: row.length)
                _ = try putBlobLocked(id: row.id, segment: row.segment, offset: row.offset, length: row.length,
                                      hash: XXHash64.hash(bytes), parsed: MessageParser.parse(bytes), refs: row.refs)
                done.append("\(name): its bytes were damaged on disk; kept as they are now and indexed again from them")
            } else {
                try db.statement("DELETE FROM blob WHERE id = ?").bind(.int(row.id)).run()
                done.append("\(name): its index row points at bytes that are not its own; dropped, its bytes are looked for again")
            }
        }
        return done
    }

    /// The hash of stored bytes, nil when the file or the bytes are gone.
    private func hashOfStoredBytes(segment: Int64, offset: Int64, length: Int) throws -> UInt64? {
        var hasher = XXHash64()
        do {
            try segments.read(segment: segment, offset: offset, length: length) { hasher.update($0) }
        } catch is SegmentFiles.SegmentMissing {
            return nil
        } catch StoreError.corrupted {
            return nil  // the file ends before them
        }
        return hasher.finalize()
    }

    private func storedBytes(segment: Int64, offset: Int64, length: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        try segments.read(segment: segment, offset: offset, length: length) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Mailboxes whose row was lost while messages still name them are made again, with a
    /// new UIDVALIDITY (clients then fetch them afresh). Rows of mailboxes that are gone
    /// for good (tombstones, rights, \Seen, metadata) are dropped, so that a mailbox made
    /// later with the same id does not inherit them.
    private func restoreMailboxesLocked() throws -> [String] {
        var done: [String] = []
        let s = try db.statement("SELECT m.mailbox, count(*) FROM message m LEFT JOIN mailbox x ON x.id = m.mailbox WHERE x.id IS NULL GROUP BY m.mailbox")
        var lost: [(Int64, Int)] = []
        while try s.step() { lost.append((s.int64(0), s.int(1))) }
        for (id, count) in lost {
            var name = "Recovered-\(id)"
            while try mailboxExistsLocked(name) { name += "-\(id)" }
            try db.statement("INSERT INTO mailbox(id, name, uidvalidity, created) VALUES(?, ?, ?, ?)")
                .bind(.int(id), .text(name), .int(Int64(try nextUIDValidity())), .int(Int64(Date().timeIntervalSince1970))).run()
            done.append("mailbox \(name): made again for \(count) message(s) whose mailbox row was lost (new UIDVALIDITY)")
        }
        var dropped = 0
        for table in ["expunged", "private_seen", "acl"] {
            try db.statement("DELETE FROM \(table) WHERE mailbox NOT IN (SELECT id FROM mailbox)").run()
            dropped += db.changes
        }
        try db.statement("DELETE FROM metadata WHERE mailbox != 0 AND mailbox NOT IN (SELECT id FROM mailbox)").run()
        dropped += db.changes
        if dropped > 0 { done.append("\(dropped) row(s) of mailboxes that no longer exist dropped") }
        return done
    }

    /// Gives a row again to bodies whose row was lost but whose messages remain, where their
    /// sizes fill a gap between known bodies exactly: the lost bodies whose ids lie between
    /// the ids of the bodies on either side, in id order (appends are written in that order).
    /// Messages whose body cannot be placed so are removed, with tombstones, and named.
    private func relocateLostBodiesLocked() throws -> [String] {
        let s = try db.statement("SELECT m.blob, max(m.size) FROM message m LEFT JOIN blob b ON b.id = m.blob WHERE b.id IS NULL GROUP BY m.blob")
        var lost: [Int64: Int] = [:]
        while try s.step() { lost[s.int64(0)] = s.int(1) }
        guard !lost.isEmpty else { return [] }

        // The segments in order, each as the bodies it holds and the gaps between them.
        enum Piece {
            case body(Int64), gap(segment: Int64, range: Range<Int64>)
            var body: Int64? { if case .body(let id) = self { return id } else { return nil } }
        }
        var pieces: [Piece] = []
        let seg = try db.statement("SELECT id, length FROM segment WHERE state = 0 ORDER BY id")
        var live: [(Int64, Int64)] = []
        while try seg.step() { live.append((seg.int64(0), seg.int64(1))) }
        let bodies = try db.statement("SELECT id, offset, length FROM blob WHERE segment = ? ORDER BY offset")
        for (segment, length) in live {
            bodies.reset()
            bodies.bind(.int(segment))
            var position: Int64 = 0
            while try bodies.step() {
                let offset = bodies.int64(1)
                if offset > position { pieces.append(.gap(segment: segment, range: position..<offset)) }
                pieces.append(.body(bodies.int64(0)))
                position = max(position, offset + bodies.int64(2))
            }
            if length > position { pieces.append(.gap(segment: segment, range: position..<length)) }
        }

        var done: [String] = []
        for (i, piece) in pieces.enumerated() {
            guard case .gap(let segment, let range) = piece else { continue }
            let before = pieces[..<i].last { $0.body != nil }?.body
            let after = pieces[(i + 1)...].first { $0.body != nil }?.body
            let fitting = lost.keys.filter { id in before.map { $0 < id } ?? true && after.map { id < $0 } ?? true }.sorted()
            guard !fitting.isEmpty, fitting.reduce(Int64(0), { $0 + Int64(lost[$1]!) }) == Int64(range.count) else { continue }
            var offset = range.lowerBound
            for id in fitting {
                let length = lost.removeValue(forKey: id)!
                let bytes = try storedBytes(segment: segment, offset: offset, length: length)
                let refs = try db.statement("SELECT count(*) FROM message WHERE blob = ?").bind(.int(id))
                _ = try refs.step()
                _ = try putBlobLocked(id: id, segment: segment, offset: offset, length: length, hash: XXHash64.hash(bytes),
                                      parsed: MessageParser.parse(bytes), refs: refs.int(0))
                refs.reset()
                done.append("\(try describeLocked(blob: id)): its index row was lost; its bytes were found again in segment \(segment) at \(offset), where they fill the gap between known bodies exactly")
                offset += Int64(length)
            }
        }

        let victims = try db.statement("SELECT mailbox, uid, blob FROM message WHERE blob = ?")
        var removed: [(mailbox: Int64, uid: Int64)] = []
        for blob in lost.keys.sorted() {
            victims.reset()
            victims.bind(.int(blob))
            while try victims.step() { removed.append((victims.int64(0), victims.int64(1))) }
        }
        for m in removed {
            let name = try describeLocked(mailbox: m.mailbox, uid: m.uid)
            let bump = try db.statement("UPDATE mailbox SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq").bind(.int(m.mailbox))
            _ = try bump.step()
            let modseq = bump.int64(0)
            bump.reset()
            try db.statement("DELETE FROM message WHERE mailbox = ? AND uid = ?").bind(.int(m.mailbox), .int(m.uid)).run()
            try db.statement("DELETE FROM private_seen WHERE mailbox = ? AND uid = ?").bind(.int(m.mailbox), .int(m.uid)).run()
            try db.statement("INSERT OR REPLACE INTO expunged(mailbox, uid, modseq) VALUES(?, ?, ?)").bind(.int(m.mailbox), .int(m.uid), .int(modseq)).run()
            done.append("\(name): removed: its body's index row was lost and its bytes cannot be told apart from their neighbours'")
        }
        return done
    }

    /// Bodies that no message uses had their message rows lost: they are filed as new
    /// messages in mailbox Recovered, without flags, dated by their Date field.
    private func fileUnusedBodiesLocked() throws -> [String] {
        let s = try db.statement("SELECT b.id, b.length, b.sent_date FROM blob b WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.blob = b.id) ORDER BY b.id")
        var unused: [(id: Int64, length: Int64, date: Int64?)] = []
        while try s.step() { unused.append((s.int64(0), s.int64(1), s.isNull(2) ? nil : s.int64(2))) }
        guard !unused.isEmpty else { return [] }
        let name = "Recovered"
        if try !mailboxExistsLocked(name) { try insertMailboxLocked(name, specialUse: nil) }
        let box = try mailboxLocked(named: name)
        let now = Int64(Date().timeIntervalSince1970)
        let modseq = Int64(box.highestModSeq.rawValue) + 1
        var uid = Int64(box.uidNext.rawValue)
        var done: [String] = []
        let insert = try db.statement(
            "INSERT INTO message(mailbox, uid, blob, flags, keywords, modseq, internaldate, savedate, size) VALUES(?, ?, ?, 0, NULL, ?, ?, ?, ?)")
        for body in unused {
            insert.reset()
            try insert.bind(.int(box.id), .int(uid), .int(body.id), .int(modseq), .int(body.date ?? now), .int(now), .int(body.length)).run()
            done.append("blob \(body.id): no message used it (its message row was lost); filed in \(name) as UID \(uid)")
            uid += 1
        }
        try db.statement("UPDATE mailbox SET uidnext = ?, highestmodseq = ? WHERE id = ?").bind(.int(uid), .int(modseq), .int(box.id)).run()
        return done
    }

    /// A message that holds a UID which was expunged before (a UIDNEXT that went down) gets
    /// a new UID above every other and a new MODSEQ, and the expunge is told again: a client
    /// that heard the UID go would never look for it, and one that saw the message under
    /// it hears it go and fetches it as new (RFC 9051 §2.3.1.1: a UID is never reused).
    private func renumberReusedUIDsLocked() throws -> [String] {
        let s = try db.statement("""
            SELECT x.mailbox, x.uid FROM expunged x JOIN message m ON m.mailbox = x.mailbox AND m.uid = x.uid ORDER BY x.mailbox, x.uid
            """)
        var reused: [(mailbox: Int64, uid: Int64)] = []
        while try s.step() { reused.append((s.int64(0), s.int64(1))) }
        var done: [String] = []
        for (mailbox, uid) in reused {
            let box = try mailboxLocked(id: mailbox)
            let r = try recountLocked(mailbox, firstRecent: Int64(box.uidNext.rawValue))
            let newUID = max(Int64(box.uidNext.rawValue), r.highestUID + 1, r.highestExpungedUID + 1)
            let modseq = max(Int64(box.highestModSeq.rawValue), r.highestModSeq, r.highestExpungeModSeq) + 1
            guard newUID <= Int64(UInt32.max) else { throw StoreError.notPermitted("mailbox \(box.name) has run out of UIDs") }
            try db.statement("UPDATE message SET uid = ?, modseq = ? WHERE mailbox = ? AND uid = ?")
                .bind(.int(newUID), .int(modseq), .int(mailbox), .int(uid)).run()
            try db.statement("UPDATE private_seen SET uid = ? WHERE mailbox = ? AND uid = ?").bind(.int(newUID), .int(mailbox), .int(uid)).run()
            try db.statement("UPDATE expunged SET modseq = ? WHERE mailbox = ? AND uid = ?").bind(.int(modseq), .int(mailbox), .int(uid)).run()
            try db.statement("UPDATE mailbox SET uidnext = ?, highestmodseq = ? WHERE id = ?").bind(.int(newUID + 1), .int(modseq), .int(mailbox)).run()
            done.append("mailbox \(box.name): UID \(uid) had been expunged before; its message is now UID \(newUID)")
        }
        return done
    }

    /// Reference counts and mailbox counters set to a recount; UIDNEXT and HIGHESTMODSEQ
    /// raised above every UID and mod-sequence in use, so none is ever given twice.
    private func recountAllLocked() throws -> [String] {
        var done: [String] = []
        try db.statement("""
            UPDATE blob SET refs = (SELECT count(*) FROM message m WHERE m.blob = blob.id)
            WHERE refs != (SELECT count(*) FROM message m WHERE m.blob = blob.id)
            """).run()
        if db.changes > 0 { done.append("\(db.changes) stored bodies: reference counts set to a recount") }
        for (box, firstRecent) in try mailboxesWithRecentBoundaryLocked() {
            let r = try recountLocked(box.id, firstRecent: firstRecent)
            let uidNext = max(Int64(box.uidNext.rawValue), r.highestUID + 1, r.highestExpungedUID + 1)
            let modseq = max(Int64(box.highestModSeq.rawValue), r.highestModSeq, r.highestExpungeModSeq)
            guard r.messages != box.messages || r.unseen != box.unseen || r.recent != box.recent || r.size != box.size
                    || uidNext != Int64(box.uidNext.rawValue) || modseq != Int64(box.highestModSeq.rawValue) else { continue }
            try db.statement("UPDATE mailbox SET messages = ?, unseen = ?, recent = ?, size = ?, uidnext = ?, highestmodseq = ? WHERE id = ?")
                .bind(.int(r.messages), .int(r.unseen), .int(r.recent), .int(r.size), .int(uidNext), .int(modseq), .int(box.id)).run()
            done.append("mailbox \(box.name): counters set to a recount (\(r.messages) messages, \(r.unseen) unseen, \(r.size) bytes, UIDNEXT \(uidNext))")
        }
        let s = try db.statement("SELECT coalesce(max(uidvalidity), 0) FROM mailbox")
        _ = try s.step()
        let highest = s.int64(0)
        s.reset()
        if try counter("uidvalidity") < highest { try setCounter("uidvalidity", highest) }
        return done
    }

    /// "INBOX UID 3" for each message using a body, or the body's id when none does.
    func describeLocked(blob: Int64) throws -> String {
        let s = try db.statement("SELECT mailbox, uid FROM message WHERE blob = ? ORDER BY mailbox, uid").bind(.int(blob))
        var uses: [(Int64, Int64)] = []
        while try s.step() { uses.append((s.int64(0), s.int64(1))) }
        guard !uses.isEmpty else { return "blob \(blob)" }
        return try uses.map { try describeLocked(mailbox: $0.0, uid: $0.1) }.joined(separator: ", ")
    }

    private func describeLocked(mailbox: Int64, uid: Int64) throws -> String {
        let s = try db.statement("SELECT name FROM mailbox WHERE id = ?").bind(.int(mailbox))
        let name = try s.step() ? s.text(0) ?? "?" : "mailbox \(mailbox)"
        s.reset()
        return "\(name) UID \(uid)"
    }
}
