import Foundation
import Testing
import TestSupport
@testable import Store

@Suite struct MailboxTests {
    @Test func createRenameDelete() throws {
        let f = try Fixture()
        let a = f.alice
        #expect(try a.mailboxes().map(\.name) == ["Drafts", "INBOX", "Junk", "Sent", "Trash"])
        #expect(try a.mailbox(named: "Sent").specialUse == "\\Sent")

        let created = try a.createMailbox("Projects/2026/Q1")
        #expect(created.name == "Projects/2026/Q1")
        #expect(try a.mailboxes().map(\.name).contains("Projects/2026"), "ancestors are created")
        #expect(throws: StoreError.alreadyExists("mailbox Projects/2026/Q1 already exists")) { try a.createMailbox("Projects/2026/Q1") }

        let uidValidity = created.uidValidity
        try a.renameMailbox("Projects", to: "Archive/Projects")
        let names = try a.mailboxes().map(\.name)
        #expect(names.contains("Archive/Projects/2026/Q1") && !names.contains("Projects"))
        #expect(try a.mailbox(named: "Archive/Projects/2026/Q1").uidValidity == uidValidity, "rename keeps UIDVALIDITY")
        #expect(throws: StoreError.self) { try a.renameMailbox("Archive", to: "Archive/Inner") }
        #expect(throws: StoreError.self) { try a.renameMailbox("Sent", to: "Trash") }

        try a.deleteMailbox("Archive/Projects/2026/Q1")
        #expect(throws: StoreError.nonexistent("mailbox Archive/Projects/2026/Q1 does not exist")) { try a.mailbox(named: "Archive/Projects/2026/Q1") }
        #expect(throws: StoreError.notPermitted("INBOX cannot be deleted")) { try a.deleteMailbox("inbox") }

        let again = try a.createMailbox("Archive/Projects/2026/Q1")
        #expect(again.uidValidity > uidValidity, "a re-created mailbox never repeats a UIDVALIDITY")
    }

    @Test func renameInboxMovesMessages() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append([NewMessage(bytes: message(1)), NewMessage(bytes: message(2))], to: inbox.id)
        try f.alice.renameMailbox("INBOX", to: "Old")
        #expect(try f.inbox().messages == 0)
        let old = try f.alice.mailbox(named: "Old")
        #expect(old.messages == 2)
        #expect(try f.alice.check().isClean)
    }

    @Test func subscriptionsKeepForeignNames() throws {
        let f = try Fixture()
        try f.alice.subscribe("~marketing/announce")
        try f.alice.unsubscribe("Junk")
        #expect(try f.alice.subscriptions() == ["Drafts", "INBOX", "Sent", "Trash", "~marketing/announce"])
    }
}

@Suite struct MessageTests {
    @Test func appendReadAndCounters() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let bytes = message(1, size: 200_000)
        let r = try f.alice.append([NewMessage(bytes: bytes, flags: Flags(system: [.seen], keywords: ["$Forwarded"]), internalDate: 1_700_000_000)], to: inbox.id)
        #expect(r.uids == [UID(1)])
        #expect(r.uidValidity == inbox.uidValidity)
        let after = try f.inbox()
        #expect(after.messages == 1 && after.unseen == 0 && after.recent == 1 && after.size == Int64(bytes.count))
        #expect(after.uidNext == UID(2))
        #expect(after.highestModSeq > inbox.highestModSeq)

        var records: [(MessageRecord, MessageDetails?)] = []
        try f.alice.messages(in: inbox.id, uids: UIDSet([UID(1)]), details: true) { records.append(($0, $1)) }
        #expect(records.count == 1)
        let (record, details) = records[0]
        #expect(record.flags == Flags(system: [.seen], keywords: ["$Forwarded"]))
        #expect(record.internalDate == 1_700_000_000)
        #expect(record.size == bytes.count)
        #expect(details?.hash == XXHash64.hash(bytes))

        var chunks = 0
        var read: [UInt8] = []
        try f.alice.read(blob: record.blob) { chunks += 1; read.append(contentsOf: $0) }
        #expect(read == bytes)
        #expect(chunks > 1, "large bodies stream in chunks")
        #expect(try f.alice.bytes(blob: record.blob, range: 6..<12) == Array(bytes[6..<12]))
    }

    @Test func copyMoveShareBytes() throws {
        let f = try Fixture()
        let inbox = try f.inbox(), trash = try f.alice.mailbox(named: "Trash")
        _ = try f.alice.append((1...5).map { NewMessage(bytes: message($0)) }, to: inbox.id)
        let copied = try f.alice.copy(UIDSet(ranges: [2...3]), from: inbox.id, to: trash.id)
        #expect(copied.source == [UID(2), UID(3)] && copied.destination == [UID(1), UID(2)])
        #expect(copied.uidValidity == trash.uidValidity)
        let moved = try f.alice.move(UIDSet(ranges: [4...5]), from: inbox.id, to: trash.id)
        #expect(moved.destination == [UID(3), UID(4)])
        #expect(try f.alice.uids(in: inbox.id) == [UID(1), UID(2), UID(3)])
        #expect(try f.alice.uids(in: trash.id) == [UID(1), UID(2), UID(3), UID(4)])
        let space = try f.alice.space()
        #expect(space.segmentBytes == (1...5).reduce(Int64(0)) { $0 + Int64(message($1).count) }, "copies add no bytes")
        #expect(try f.alice.check().isClean)
    }

    @Test func storeFlagsWithUnchangedSince() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append((1...3).map { NewMessage(bytes: message($0)) }, to: inbox.id)
        let first = try f.alice.store(UIDSet(ranges: [1...2]), in: inbox.id, .add, Flags(system: [.seen]))
        #expect(first.updated.map(\.uid) == [UID(1), UID(2)])
        #expect(try f.inbox().unseen == 1)
        let modseq = first.updated[0].modSeq
        let noChange = try f.alice.store(UIDSet(ranges: [1...2]), in: inbox.id, .add, Flags(system: [.seen]))
        #expect(noChange.updated.isEmpty, "setting a flag already set changes nothing")
        _ = try f.alice.store(UIDSet([UID(1)]), in: inbox.id, .add, Flags(system: [.flagged]))
        let guarded = try f.alice.store(UIDSet(ranges: [1...3]), in: inbox.id, .remove, Flags(system: [.seen]), unchangedSince: modseq)
        #expect(guarded.modified == UIDSet([UID(1)]))
        #expect(guarded.updated.map(\.uid) == [UID(2)])
        #expect(try f.inbox().unseen == 2)
    }

    @Test func expungeLeavesTombstonesAndCompactReclaims() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append((1...20).map { NewMessage(bytes: message($0, size: 5000)) }, to: inbox.id)
        _ = try f.alice.store(UIDSet(ranges: [1...15]), in: inbox.id, .add, Flags(system: [.deleted]))
        let gone = try f.alice.expunge(in: inbox.id)
        #expect(gone.count == 15)
        #expect(try f.inbox().messages == 5)
        let before = try f.alice.space()
        #expect(before.deadBytes > 0)
        let report = try f.alice.compact()
        #expect(report.segmentsRewritten >= 1)
        let after = try f.alice.space()
        #expect(after.deadBytes == 0)
        #expect(after.segmentBytes < before.segmentBytes)
        #expect(try f.alice.check().isClean)
        for uid in 16...20 {
            var blob: Int64 = 0
            try f.alice.messages(in: inbox.id, uids: UIDSet([UID(UInt32(uid))])) { r, _ in blob = r.blob }
            #expect(try f.alice.bytes(blob: blob) == message(uid, size: 5000))
        }
        // Appends after compaction still land and stay readable.
        let r = try f.alice.append([NewMessage(bytes: message(21))], to: inbox.id)
        #expect(r.uids == [UID(21)], "UIDs keep growing after expunge and compaction")
        #expect(try f.alice.check().isClean)
    }

    @Test func quotaRefusesAppendAndCopy() throws {
        let f = try Fixture()
        f.alice.quota = 10_000
        let inbox = try f.inbox()
        _ = try f.alice.append([NewMessage(bytes: message(1, size: 6000))], to: inbox.id)
        #expect(throws: StoreError.overQuota("mailbox storage quota exceeded")) {
            try f.alice.append([NewMessage(bytes: message(2, size: 6000))], to: inbox.id)
        }
        #expect(throws: StoreError.overQuota("mailbox storage quota exceeded")) {
            try f.alice.copy(UIDSet([UID(1)]), from: inbox.id, to: inbox.id)
        }
        #expect(try f.inbox().messages == 1)
        #expect(try f.alice.check().isClean)
    }

    @Test func keptUIDsStayTrueWhenAnotherProcessChangesTheMailbox() throws {
        let f = try Fixture()
        let a = f.alice
        a.lock.withLock { a.uidCache.smallest = 1 }
        let other = try Account(id: a.id, root: a.root)  // the same account opened by another process
        let inbox = try f.inbox()
        func uids(_ values: UInt32...) -> [UID] { values.map { UID($0) } }
        func remove(_ uid: UInt32) throws {
            _ = try other.store(UIDSet([UID(uid)]), in: inbox.id, .add, Flags(system: [.deleted]))
            try other.expunge(in: inbox.id)
        }
        _ = try a.append((1...5).map { NewMessage(bytes: message($0)) }, to: inbox.id)
        #expect(try a.uids(in: inbox.id) == uids(1, 2, 3, 4, 5))
        _ = try other.append([NewMessage(bytes: message(6))], to: inbox.id)
        #expect(try a.uids(in: inbox.id) == uids(1, 2, 3, 4, 5, 6), "a delivery elsewhere is seen")
        try remove(2)
        #expect(try a.uids(in: inbox.id) == uids(1, 3, 4, 5, 6), "an expunge elsewhere is seen")
        // The same count as before, but UIDNEXT moved on.
        try remove(3)
        _ = try other.append([NewMessage(bytes: message(7))], to: inbox.id)
        #expect(try a.uids(in: inbox.id) == uids(1, 4, 5, 6, 7))
        _ = try other.move(UIDSet([UID(4)]), from: inbox.id, to: try a.mailbox(named: "Sent").id)
        #expect(try a.uids(in: inbox.id) == uids(1, 5, 6, 7))
        try other.deleteMailbox("Sent")
        let again = try other.createMailbox("Sent")
        _ = try other.append([NewMessage(bytes: message(8))], to: again.id)
        #expect(try a.uids(in: again.id) == uids(1), "a mailbox made again under a reused id is a new mailbox")
    }

    @Test func storesOfAnEarlierVersionLearnTheirKeywords() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append([NewMessage(bytes: message(1), flags: Flags(keywords: ["$Forwarded", "Work"])),
                                NewMessage(bytes: message(2), flags: Flags(keywords: ["$Junk"])),
                                NewMessage(bytes: message(3))], to: inbox.id)
        try f.alice.withDatabase {
            try f.alice.db.execute("DROP TABLE flag_range; DROP TABLE uid_run; DROP TABLE keyword; DROP INDEX message_unseen; DROP INDEX message_deleted; PRAGMA user_version = 3")
        }
        let reopened = try Account(id: f.alice.id, root: f.alice.root)
        #expect(try reopened.keywords(in: inbox.id) == ["$Forwarded", "$Junk", "Work"])
        #expect(try reopened.selection(of: inbox.id).firstUnseen == UID(1))
        #expect(try reopened.check().isClean)
    }

    @Test func recentIsClaimedOnce() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append((1...3).map { NewMessage(bytes: message($0)) }, to: inbox.id)
        #expect(try f.alice.claimRecent(in: inbox.id) == 1...3)
        #expect(try f.alice.claimRecent(in: inbox.id) == nil)
        #expect(try f.inbox().recent == 0)
        _ = try f.alice.append([NewMessage(bytes: message(4))], to: inbox.id)
        #expect(try f.inbox().recent == 1)
        #expect(try f.alice.check().isClean)
    }

    @Test func changesReachSubscribers() async throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let stream = f.alice.changes(of: inbox.id)
        _ = try f.alice.append([NewMessage(bytes: message(1))], to: inbox.id)
        _ = try f.alice.store(UIDSet([UID(1)]), in: inbox.id, .add, Flags(system: [.deleted]))
        _ = try f.alice.expunge(in: inbox.id)
        var seen: [MailboxChange] = []
        for await change in stream {
            seen.append(change)
            if seen.count == 3 { break }
        }
        #expect(seen[0] == .appended([UID(1)]))
        if case .flags(let updates) = seen[1] { #expect(updates.map(\.uid) == [UID(1)]) } else { Issue.record("expected flags, got \(seen[1])") }
        #expect(seen[2] == .expunged([UID(1)]))
    }

    @Test func concurrentAppendsShareCommits() async throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<25 { _ = try account.append([NewMessage(bytes: message(t * 100 + i))], to: inbox.id) }
                }
            }
            try await group.waitForAll()
        }
        let uids = try account.uids(in: inbox.id)
        #expect(uids.count == 200)
        #expect(Set(uids).count == 200)
        #expect(try account.check().isClean)
    }

    /// Appends that arrive while a commit waits for the disk go out together in the next
    /// one: here the first commit is held back (by holding the append lock) while eight
    /// appends arrive, so the eight take two commits, three at most if one is slow to start.
    @Test func appendsWaitingTogetherShareOneCommit() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        let before = account.committer.tally
        let finished = DispatchGroup()
        try FileLock.append(root: account.root).holding {
            for t in 0..<8 {
                finished.enter()
                Thread {
                    defer { finished.leave() }
                    _ = try? account.append([NewMessage(bytes: message(t))], to: inbox.id)
                }.start()
            }
            usleep(500_000)
        }
        finished.wait()
        let after = account.committer.tally
        #expect(try account.uids(in: inbox.id).count == 8)
        #expect(after.appends - before.appends == 8)
        #expect(after.commits - before.commits <= 3, "\(after.commits - before.commits) commits for 8 appends")
        #expect(try account.check().isClean)
    }

    /// A request that fails inside a shared commit (here over quota) fails alone: its
    /// savepoint is rolled back, the others in the same transaction are stored. The first
    /// append leads a commit held back by the append lock; the next two wait and go out
    /// together in the second.
    @Test func aRequestFailingInASharedCommitFailsAlone() throws {
        let f = try Fixture()
        f.alice.quota = 10_000
        let inbox = try f.inbox()
        let account = f.alice
        let before = account.committer.tally
        let outcomes = Outcomes()
        let finished = DispatchGroup()
        try FileLock.append(root: account.root).holding {
            for (t, size) in [3000, 20_000, 3000].enumerated() {
                finished.enter()
                Thread {
                    defer { finished.leave() }
                    let stored = (try? account.append([NewMessage(bytes: message(t, size: size))], to: inbox.id)) != nil
                    outcomes.note(size, stored)
                }.start()
                usleep(t == 0 ? 200_000 : 0)
            }
            usleep(500_000)
        }
        finished.wait()
        #expect(outcomes.all == [3000: true, 20_000: false])
        #expect(try account.uids(in: inbox.id).count == 2)
        let after = account.committer.tally
        #expect(after.appends - before.appends == 3)
        #expect(after.commits - before.commits == 2)
        #expect(try account.check().isClean)
    }

    /// The index's write-ahead log is copied back by the checkpointer, not by the commit
    /// that fills it: after a few thousand pages of appends checkpoints have run in the
    /// background, the log file was started again from its beginning (it stays near the
    /// threshold instead of holding every page written), and nothing was lost.
    ///
    /// The appends let the checkpointer catch up every fifty: a log is restarted only by a
    /// commit that finds it all copied back, and on a loaded machine a checkpoint thread
    /// that never gets there while the writer runs flat out leaves the log growing until the
    /// writer's own restart at `inlinePages` (CI saw 3,425 pages that way).
    @Test func theLogIsCheckpointedInTheBackground() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        let checkpointer = try #require(account.db.checkpointer)
        let before = checkpointer.runs
        var written = 0
        for i in 0..<400 {
            _ = try account.append([NewMessage(bytes: message(i, size: 3000))], to: inbox.id)
            written += 1
            if i % 50 == 49 { checkpointer.waitUntilIdle() }
        }
        checkpointer.waitUntilIdle()
        #expect(checkpointer.runs > before)
        let log = try FileManager.default.attributesOfItem(atPath: account.root + "/index.sqlite-wal")[.size] as? Int ?? 0
        let page = 4096 + 24
        #expect(log < Int(Checkpointer.backgroundPages) * 3 * page, "the log holds \(log / page) pages")
        #expect(try account.uids(in: inbox.id).count == written)
        #expect(try account.check().isClean)
    }

    /// Once writes pause, a log holding pages not copied back is copied back in full, so
    /// that readers stop looking their pages up in it: after a few appends below any
    /// size threshold, the checkpoint that the pause starts reports every page copied.
    @Test func theLogIsCopiedBackWhenWritesPause() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        let checkpointer = try #require(account.db.checkpointer)
        checkpointer.idleDelay = .milliseconds(100)
        for i in 0..<20 {
            _ = try account.append([NewMessage(bytes: message(i, size: 3000))], to: inbox.id)
        }
        var result = checkpointer.lastIdleCheckpoint
        for _ in 0..<100 where result == nil {
            Thread.sleep(forTimeInterval: 0.05)
            result = checkpointer.lastIdleCheckpoint
        }
        let done = try #require(result, "no checkpoint ran after the writes paused")
        #expect(done.log >= Checkpointer.idlePages && done.log < Checkpointer.backgroundPages)
        #expect(done.copied == done.log)
        #expect(try account.uids(in: inbox.id).count == 20)
    }

    /// The pages read through the memory maps are let go once the account has not been
    /// read for `mapsKeptUnread`, not before, and the bytes read the same after.
    @Test func mappedPagesAreLetGoWhenReadsStop() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        let bytes = message(1, size: 3000)
        let uid = try account.append([NewMessage(bytes: bytes)], to: inbox.id).uids[0]
        var blob: Int64 = 0
        try account.messages(in: inbox.id, uids: UIDSet([uid])) { record, _ in blob = record.blob }
        func header() throws -> [UInt8] { try account.withBytes(blob: blob, range: 0..<40) { Array($0) } }
        #expect(try header() == Array(bytes[0..<40]))
        let start = ContinuousClock.now
        let kept = Account.mapsKeptUnread
        account.releaseMappedPagesIfIdle(now: start)  // sees the reads
        #expect(account.mayHoldMappedPages)
        account.releaseMappedPagesIfIdle(now: start + kept - .seconds(1))
        #expect(account.mayHoldMappedPages)
        _ = try header()  // read again: the wait starts over
        account.releaseMappedPagesIfIdle(now: start + kept)
        account.releaseMappedPagesIfIdle(now: start + kept + kept - .seconds(1))
        #expect(account.mayHoldMappedPages)
        account.releaseMappedPagesIfIdle(now: start + kept + kept)
        #expect(!account.mayHoldMappedPages)
        #expect(try header() == Array(bytes[0..<40]))
        #expect(try account.bytes(blob: blob) == bytes)
    }

    /// Commits write their bytes outside the index's lock; compaction sealing and rewriting
    /// segments meanwhile must neither lose nor misplace them.
    @Test func compactionBesideAppendsLosesNothing() async throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let account = f.alice
        account.segmentLimit = 16 << 10  // many segments, so compaction has work
        let appending = Countdown(4)
        let appended = try await withThrowingTaskGroup(of: [(UID, [UInt8])].self) { group in
            for t in 0..<4 {
                group.addTask {
                    var kept: [(UID, [UInt8])] = []
                    for i in 0..<40 {
                        let bytes = message(t * 1000 + i, size: 2000)
                        let uid = try account.append([NewMessage(bytes: bytes)], to: inbox.id).uids[0]
                        if i % 3 == 0 {
                            _ = try account.store(UIDSet([uid]), in: inbox.id, .add, Flags(system: [.deleted]))
                            try account.expunge(UIDSet([uid]), in: inbox.id)
                        } else {
                            kept.append((uid, bytes))
                        }
                    }
                    appending.done()
                    return kept
                }
            }
            group.addTask {
                while !appending.finished { _ = try account.compact() }
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        var stored: [UID: Int64] = [:]
        try account.messages(in: inbox.id, uids: UIDSet(ranges: [1...UInt32.max])) { r, _ in stored[r.uid] = r.blob }
        #expect(stored.count == appended.count)
        for (uid, bytes) in appended {
            #expect(try account.bytes(blob: try #require(stored[uid])) == bytes, "UID \(uid) keeps its bytes")
        }
        #expect(try account.check().isClean)
    }
}

/// Random sequences of append, copy, move, store and expunge, checked after every step
/// against a model and against the store's own recount.
@Suite struct RandomOperationTests {
    struct ModelMessage: Equatable { var flags: Flags; var bytes: [UInt8] }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func sequencesKeepCountersTrue(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let f = try Fixture()
        let a = f.alice
        a.lock.withLock { a.uidCache.smallest = 1 }  // every mailbox's UIDs are kept and must stay true
        let boxes = [try f.inbox(), try a.mailbox(named: "Sent"), try a.createMailbox("Work")]
        var keywordsUsed: [MailboxID: Set<String>] = [:]
        var model: [MailboxID: [UID: ModelMessage]] = Dictionary(uniqueKeysWithValues: boxes.map { ($0.id, [:]) })
        var next = 0
        func randomSubset(_ box: MailboxID) -> UIDSet {
            UIDSet(model[box]!.keys.filter { _ in Bool.random(using: &rng) })
        }
        for step in 0..<60 {
            let box = boxes.randomElement(using: &rng)!.id
            let other = boxes.randomElement(using: &rng)!.id
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1:
                let count = Int.random(in: 1...4, using: &rng)
                let new = (0..<count).map { _ -> NewMessage in
                    next += 1
                    let flags = Flags(system: SystemFlags(rawValue: Int.random(in: 0..<32, using: &rng)), keywords: Bool.random(using: &rng) ? ["$Junk"] : [])
                    return NewMessage(bytes: message(next, size: Int.random(in: 0..<3000, using: &rng)), flags: flags)
                }
                let r = try a.append(new, to: box)
                for (uid, m) in zip(r.uids, new) { model[box]![uid] = ModelMessage(flags: m.flags, bytes: m.bytes) }
                for m in new { keywordsUsed[box, default: []].formUnion(m.flags.keywords) }
            case 2:
                let set = randomSubset(box)
                let r = try a.copy(set, from: box, to: other)
                for (s, d) in zip(r.source, r.destination) { model[other]![d] = model[box]![s] }
                for s in r.source { keywordsUsed[other, default: []].formUnion(model[box]![s]!.flags.keywords) }
            case 3:
                let set = randomSubset(box)
                let r = try a.move(set, from: box, to: other)
                let moving = r.source.map { model[box]![$0]! }
                for m in moving { keywordsUsed[other, default: []].formUnion(m.flags.keywords) }
                for s in r.source { model[box]![s] = nil }
                for (d, m) in zip(r.destination, moving) { model[other]![d] = m }
            case 4:
                let set = randomSubset(box)
                let op: Flags.Operation = [.add, .remove, .replace].randomElement(using: &rng)!
                let change = Flags(system: SystemFlags(rawValue: Int.random(in: 0..<32, using: &rng)), keywords: Bool.random(using: &rng) ? ["Work"] : [])
                _ = try a.store(set, in: box, op, change)
                for uid in set { model[box]![uid]!.flags = model[box]![uid]!.flags.applying(op, change) }
                if op != .remove && !set.isEmpty { keywordsUsed[box, default: []].formUnion(change.keywords) }
            default:
                let removed = try a.expunge(in: box)
                let expected = model[box]!.filter { $0.value.flags.system.contains(.deleted) }.map(\.key).sorted()
                #expect(removed == expected, "step \(step)")
                for uid in removed { model[box]![uid] = nil }
            }
            let report = try a.check()
            #expect(report.isClean, "seed \(seed) step \(step): \(report.problems)")
            for status in try a.mailboxes() where model[status.id] != nil {
                let m = model[status.id]!
                #expect(status.messages == m.count, "seed \(seed) step \(step)")
                #expect(status.unseen == m.values.filter { !$0.flags.system.contains(.seen) }.count)
                #expect(status.size == m.values.reduce(0) { $0 + Int64($1.bytes.count) })
                var stored: [UID: Flags] = [:]
                try a.messages(in: status.id, uids: UIDSet(ranges: [1...UInt32.max])) { r, _ in stored[r.uid] = r.flags }
                #expect(stored == m.mapValues(\.flags), "seed \(seed) step \(step)")
                #expect(try a.uids(in: status.id) == m.keys.sorted(), "seed \(seed) step \(step)")
                #expect(try a.keywords(in: status.id) == (keywordsUsed[status.id] ?? []).sorted(), "FLAGS lists every keyword used")
            }
        }
        // Every surviving message still has its own bytes.
        for (box, messages) in model {
            try a.messages(in: box, uids: UIDSet(messages.keys)) { r, _ in
                #expect(r.size == messages[r.uid]!.bytes.count)
            }
        }
        #expect(try a.compact().bytesAfter == (try a.space()).segmentBytes)
        #expect(try a.check().isClean)
    }
}

/// Counts down to zero as tasks finish, for a task that runs until they all have.
final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    init(_ count: Int) { left = count }
    func done() { lock.withLock { left -= 1 } }
    var finished: Bool { lock.withLock { left <= 0 } }
}

@Suite struct UIDRunTests {
    @Test func runsOfAscendingUIDs() {
        #expect(UIDRun.runs(of: [] as [Int64]) == [])
        #expect(UIDRun.runs(of: [1, 2, 3, 5, 7, 8] as [Int64])
                == [UIDRun(first: 1, count: 3), UIDRun(first: 5, count: 1), UIDRun(first: 7, count: 2)])
    }

    @Test func subtractingSplitsAndDropsRuns() {
        let runs = [UIDRun(first: 1, count: 5), UIDRun(first: 10, count: 3), UIDRun(first: 20, count: 1)]
        #expect(UIDRun.subtracting([], from: runs) == runs)
        #expect(UIDRun.subtracting([1, 3, 5], from: runs)
                == [UIDRun(first: 2, count: 1), UIDRun(first: 4, count: 1), UIDRun(first: 10, count: 3), UIDRun(first: 20, count: 1)])
        #expect(UIDRun.subtracting([7, 10, 11, 12, 20, 99], from: runs) == [UIDRun(first: 1, count: 5)],
                "UIDs in no run are passed over; a run wholly removed goes")
        #expect(UIDRun.subtracting([4, 5, 10], from: runs)
                == [UIDRun(first: 1, count: 3), UIDRun(first: 11, count: 2), UIDRun(first: 20, count: 1)])
    }

    private func runs(_ a: Account, _ mailbox: MailboxID) throws -> [UIDRun] {
        try a.withDatabase {
            let s = try a.db.statement("SELECT first, count FROM uid_run WHERE mailbox = ? ORDER BY first").bind(.int(mailbox))
            var result: [UIDRun] = []
            while try s.step() { result.append(UIDRun(first: s.int64(0), count: s.int64(1))) }
            return result
        }
    }

    @Test func runsFollowAppendExpungeCopyAndMove() throws {
        let f = try Fixture()
        let a = f.alice
        let inbox = try f.inbox().id
        let work = try a.createMailbox("Work").id
        _ = try a.append((1...10).map { NewMessage(bytes: message($0)) }, to: inbox)
        _ = try a.append([NewMessage(bytes: message(11))], to: inbox)
        #expect(try runs(a, inbox) == [UIDRun(first: 1, count: 11)], "an append extends the last run")
        try a.expunge(UIDSet([UID(3), UID(4), UID(7), UID(11)]), in: inbox, onlyDeleted: false)
        #expect(try runs(a, inbox) == [UIDRun(first: 1, count: 2), UIDRun(first: 5, count: 2), UIDRun(first: 8, count: 3)])
        _ = try a.append([NewMessage(bytes: message(12))], to: inbox)
        #expect(try runs(a, inbox).last == UIDRun(first: 12, count: 1), "after an expunged UID, a new run")
        _ = try a.copy(UIDSet([UID(1), UID(2), UID(5)]), from: inbox, to: work)
        _ = try a.move(UIDSet([UID(8), UID(9), UID(10)]), from: inbox, to: work)
        #expect(try runs(a, inbox) == [UIDRun(first: 1, count: 2), UIDRun(first: 5, count: 2), UIDRun(first: 12, count: 1)])
        #expect(try runs(a, work) == [UIDRun(first: 1, count: 6)])
        #expect(try a.uids(in: inbox) == [1, 2, 5, 6, 12].map { UID($0) })
        #expect(try a.uids(in: work) == (1...6).map { UID(UInt32($0)) })
        try a.deleteMailbox("Work")
        #expect(try runs(a, work) == [])
        #expect(try a.check().isClean)
    }

    @Test func wrongRunsAreReportedAndRepaired() throws {
        let f = try Fixture()
        let a = f.alice
        let inbox = try f.inbox().id
        _ = try a.append((1...6).map { NewMessage(bytes: message($0)) }, to: inbox)
        try a.expunge(UIDSet([UID(2)]), in: inbox, onlyDeleted: false)
        try a.withDatabase { try a.db.execute("UPDATE uid_run SET count = count + 1 WHERE first = 3") }
        #expect(try a.uids(in: inbox) == [1, 3, 4, 5, 6].map { UID($0) }, "runs that disagree with the counters are not used")
        #expect(try a.check().problems == ["mailbox INBOX: 2 run(s) of its UIDs in uid_run differ from its messages"])
        #expect(try a.repair(afterRebuild: false).contains("UID runs: set again from the messages"))
        #expect(try runs(a, inbox) == [UIDRun(first: 1, count: 1), UIDRun(first: 3, count: 4)])
        #expect(try a.check().isClean)
    }

    @Test func storesOfAnEarlierVersionGetTheirRuns() throws {
        let f = try Fixture()
        let inbox = try f.inbox().id
        let sent = try f.alice.mailbox(named: "Sent").id
        _ = try f.alice.append((1...5).map { NewMessage(bytes: message($0)) }, to: inbox)
        _ = try f.alice.append((6...7).map { NewMessage(bytes: message($0)) }, to: sent)
        try f.alice.expunge(UIDSet([UID(2)]), in: inbox, onlyDeleted: false)
        try f.alice.withDatabase { try f.alice.db.execute("DROP TABLE flag_range; DROP TABLE uid_run; PRAGMA user_version = 4") }
        let reopened = try Account(id: f.alice.id, root: f.alice.root)
        #expect(try runs(reopened, inbox) == [UIDRun(first: 1, count: 1), UIDRun(first: 3, count: 3)])
        #expect(try runs(reopened, sent) == [UIDRun(first: 1, count: 2)])
        #expect(try reopened.check().isClean)
    }
}

@Suite struct FlagRangeTests {
    /// 1,500 messages: every third \Flagged, 1,000 to 1,099 \Seen as well.
    func filled(_ f: Fixture) throws -> MailboxID {
        let inbox = try f.inbox()
        let batch = (0..<1_500).map { i in
            var flags = SystemFlags()
            if i % 3 == 0 { flags.insert(.flagged) }
            if (1_000..<1_100).contains(i) { flags.insert(.seen) }
            return NewMessage(bytes: message(i), flags: Flags(system: flags))
        }
        _ = try f.alice.append(batch, to: inbox.id)
        return inbox.id
    }

    /// STOREs recorded as ranges and not folded yet, found by another opening of the
    /// account (as after a crash) and by the next write: every message has the flags and the mod-sequence it
    /// would have had from STOREs that changed the rows at once, the unseen count and
    /// SEARCH agree, and the changes since are exactly the messages changed.
    @Test func rangesReadAsIfTheRowsHadChanged() throws {
        let f = try Fixture()
        let a = f.alice
        a.foldsInBackground = false
        let inbox = try filled(f)
        let start = try a.mailbox(id: inbox).highestModSeq.rawValue
        let added = try a.store(UIDSet(ranges: [1...1_500]), in: inbox, .add, Flags(system: [.flagged, .seen]), listing: false)
        #expect(added.recorded?.rawValue == start + 1 && added.updated.isEmpty)
        let removed = try a.store(UIDSet(ranges: [1...1_200]), in: inbox, .remove, Flags(system: [.flagged]), listing: false)
        #expect(removed.recorded?.rawValue == start + 2)
        #expect(a.hasWaitingFlagRanges)
        let small = try a.store(UIDSet(ranges: [1...10]), in: inbox, .add, Flags(system: [.answered]), listing: false)
        #expect(small.recorded == nil, "a STORE on few messages changes the rows")
        #expect(small.updated.count == 10 && small.updated.allSatisfy { $0.modSeq.rawValue == start + 3 })
        #expect(!a.hasWaitingFlagRanges, "changing rows folds what waits first")

        let listed = try a.store(UIDSet(ranges: [1...1_500]), in: inbox, .add, Flags(system: [.draft]), listing: true)
        #expect(listed.recorded == nil && listed.updated.count == 1_500, "a caller that lists the changes gets them")
        _ = try a.store(UIDSet(ranges: [1...1_500]), in: inbox, .remove, Flags(system: [.draft, .answered]), listing: false)
        _ = try a.store(UIDSet(ranges: [501...1_500]), in: inbox, .remove, Flags(system: [.seen]), listing: false)
        #expect(a.hasWaitingFlagRanges)

        let other = try Account(id: a.id, root: a.root)
        #expect(!other.hasWaitingFlagRanges, "opening the account folds what the last run left")
        var seen: [UID: MessageRecord] = [:]
        try other.messages(in: inbox, uids: UIDSet(ranges: [1...1_500])) { r, _ in seen[r.uid] = r }
        var mine: [UID: MessageRecord] = [:]
        try a.messages(in: inbox, uids: UIDSet(ranges: [1...1_500])) { r, _ in mine[r.uid] = r }
        #expect(mine == seen && !a.hasWaitingFlagRanges)
        #expect(seen.count == 1_500)
        for (uid, r) in seen {
            let n = Int(uid.rawValue)
            var want: SystemFlags = n <= 1_200 ? [.seen] : [.seen, .flagged]
            if n > 500 { want.remove(.seen) }
            #expect(r.flags.system == want, "UID \(n)")
            // Every message changed at the \Draft STORE (start + 4) and at the one after.
            let last = n > 500 ? start + 6 : start + 5
            #expect(r.modSeq.rawValue == last, "UID \(n) mod-sequence")
        }
        let status = try other.mailbox(id: inbox)
        #expect(status.unseen == 1_000 && status.highestModSeq.rawValue == start + 6)
        #expect(try other.search(.lacksFlags(.seen), in: inbox, among: UIDSet(ranges: [1...1_500])) == (501...1_500).map { UID(UInt32($0)) })
        #expect(try other.search(.hasFlags(.flagged), in: inbox, among: UIDSet(ranges: [1...1_500])).count == 300)
        #expect(try other.flagChanges(in: inbox, since: ModSequence(start + 5)).map(\.uid) == (501...1_500).map { UID(UInt32($0)) })
    }

    /// A range whose STORE changes some messages and not others: the unchanged ones keep
    /// their mod-sequence, the changed ones take the STORE's.
    @Test func aRangeChangesOnlyWhatItChanges() throws {
        let f = try Fixture()
        let a = f.alice
        a.foldsInBackground = false
        let inbox = try filled(f)
        var old: [UID: UInt64] = [:]
        try a.messages(in: inbox, uids: UIDSet(ranges: [1...1_500])) { r, _ in old[r.uid] = r.modSeq.rawValue }
        let start = try a.mailbox(id: inbox).highestModSeq.rawValue
        let unseenBefore = try a.mailbox(id: inbox).unseen
        let r = try a.store(UIDSet(ranges: [1...1_500]), in: inbox, .add, Flags(system: [.flagged]), listing: false)
        #expect(r.recorded?.rawValue == start + 1)
        let changes = try a.flagChanges(in: inbox, since: ModSequence(start))
        #expect(changes.count == 1_000, "the 500 already \\Flagged are not changed")
        #expect(changes.allSatisfy { $0.modSeq.rawValue == start + 1 && $0.flags.system.contains(.flagged) })
        try a.messages(in: inbox, uids: UIDSet(ranges: [1...1_500])) { r, _ in
            if (Int(r.uid.rawValue) - 1) % 3 == 0 { #expect(r.modSeq.rawValue == old[r.uid]) }
        }
        #expect(try a.mailbox(id: inbox).unseen == unseenBefore, "\\Flagged leaves the unseen count")
    }

    /// With nobody reading, the server folds the ranges by itself.
    @Test func rangesAreFoldedInTheBackground() throws {
        let f = try Fixture()
        let a = f.alice
        let inbox = try filled(f)
        _ = try a.store(UIDSet(ranges: [1...1_500]), in: inbox, .add, Flags(system: [.seen]), listing: false)
        for _ in 0..<200 where a.hasWaitingFlagRanges { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!a.hasWaitingFlagRanges)
        #expect(try a.mailbox(id: inbox).unseen == 0)
        #expect(try a.search(.lacksFlags(.seen), in: inbox, among: UIDSet(ranges: [1...1_500])).isEmpty)
    }
}

/// Whether any append of each size was stored, noted from several threads.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int: Bool] = [:]

    func note(_ size: Int, _ ok: Bool) {
        lock.withLock { stored[size] = (stored[size] ?? false) || ok }
    }

    var all: [Int: Bool] { lock.withLock { stored } }
}
