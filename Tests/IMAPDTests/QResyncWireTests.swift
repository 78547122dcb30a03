import Foundation
import Store
import Testing
import TestSupport

/// QRESYNC (RFC 7162 §3.2) on the wire: a client that remembers UIDVALIDITY and
/// HIGHESTMODSEQ learns what vanished and what changed without reading the mailbox again.
@Suite struct QResyncWireTests {
    /// What a client keeps of a mailbox between sessions.
    struct Remembered {
        var uidValidity: UInt32
        var highestModSeq: UInt64
    }

    static func remember(_ r: IMAPClient.Reply) throws -> Remembered {
        func code(_ name: String) -> UInt64? {
            r.untagged.lazy.compactMap { line -> UInt64? in
                guard line.hasPrefix("* OK [\(name) ") else { return nil }
                return UInt64(line.dropFirst("* OK [\(name) ".count).prefix { $0.isNumber })
            }.first
        }
        let validity = try #require(code("UIDVALIDITY"), "\(r)")
        let modSeq = try #require(code("HIGHESTMODSEQ"), "\(r)")
        return Remembered(uidValidity: UInt32(validity), highestModSeq: modSeq)
    }

    /// The MODSEQ a FETCH line carries.
    static func modSeq(_ line: String) -> UInt64? {
        guard let r = line.range(of: "MODSEQ (") else { return nil }
        return UInt64(line[r.upperBound...].prefix { $0.isNumber })
    }

    /// Ten messages; A remembers the mailbox; B marks 2 \Seen, expunges 5 and 7 and adds one (UID 11).
    static func changedWhileAway() throws -> (IMAPFixture, Remembered) {
        let f = try IMAPFixture()
        for i in 1...10 { try f.deliver(IMAPFixture.message("m\(i)")) }
        let a = try f.client()
        let remembered = try remember(try a.send("SELECT INBOX (CONDSTORE)"))
        try a.send("LOGOUT")
        let b = try f.client()
        try b.send("SELECT INBOX")
        try b.send("STORE 2 +FLAGS.SILENT (\\Seen)")
        try b.send("UID STORE 5,7 +FLAGS.SILENT (\\Deleted)")
        #expect(try b.send("UID EXPUNGE 5,7").isOK)
        #expect(try b.append(IMAPFixture.message("m11"), to: "INBOX").isOK)
        return (f, remembered)
    }

    @Test func enableAndRefusalsBeforeIt() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try f.client().send("CAPABILITY").untagged[0].contains(" CONDSTORE QRESYNC "))
        #expect(try c.send("SELECT INBOX (QRESYNC (1 1))").completion == "BAD [CLIENTBUG] QRESYNC must be enabled first")
        let e = try c.send("ENABLE QRESYNC")
        #expect(e.untagged == ["* ENABLED QRESYNC"])
        // QRESYNC implies CONDSTORE: enabling that now turns nothing more on.
        #expect(try c.send("ENABLE CONDSTORE").untagged == ["* ENABLED"])
        #expect(try c.send("SELECT INBOX").has("* OK [HIGHESTMODSEQ 1] Highest"))
        #expect(try c.send("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").completion == "BAD VANISHED needs UID FETCH with CHANGEDSINCE")
        #expect(try c.send("UID FETCH 1:* (FLAGS) (VANISHED)").completion == "BAD VANISHED needs UID FETCH with CHANGEDSINCE")
        let d = try f.client()
        try d.send("SELECT INBOX")
        #expect(try d.send("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").completion == "BAD [CLIENTBUG] QRESYNC must be enabled first")
    }

    @Test func selectTellsWhatVanishedAndWhatChanged() throws {
        let (f, old) = try QResyncWireTests.changedWhileAway()
        let a = try f.client()
        try a.send("ENABLE QRESYNC")
        let r = try a.send("SELECT INBOX (QRESYNC (\(old.uidValidity) \(old.highestModSeq)))")
        #expect(r.completion == "OK [READ-WRITE] SELECT completed")
        #expect(r.has("* 9 EXISTS"))
        let now = try QResyncWireTests.remember(r)
        #expect(now.highestModSeq > old.highestModSeq)
        let vanished = try #require(r.untagged.firstIndex(of: "* VANISHED (EARLIER) 5,7"), "\(r)")
        let fetches = r.untagged.filter { $0.contains(" FETCH ") }
        try #require(fetches.count == 2, "\(r)")
        #expect(fetches[0].hasPrefix("* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ ("))
        #expect(fetches[1].hasPrefix("* 9 FETCH (UID 11 FLAGS () MODSEQ ("))
        #expect(fetches.allSatisfy { QResyncWireTests.modSeq($0)! > old.highestModSeq && QResyncWireTests.modSeq($0)! <= now.highestModSeq })
        // VANISHED (EARLIER) comes before the FETCH responses (§3.2.5.1).
        #expect(r.untagged.firstIndex(of: fetches[0])! > vanished)

        // Told again from the same point, with known UIDs: only those are reported.
        try a.send("UNSELECT")
        let known = try a.send("EXAMINE INBOX (QRESYNC (\(old.uidValidity) \(old.highestModSeq) 1:4 (1:4 1:4)))")
        #expect(!known.untagged.contains { $0.hasPrefix("* VANISHED") })
        #expect(known.untagged.filter { $0.contains(" FETCH ") }.count == 1)
        #expect(!known.untagged.contains("* OK [CLOSED] Previous mailbox closed"))  // nothing was selected
        #expect(known.completion == "OK [READ-ONLY] EXAMINE completed")

        // From the present, nothing is told.
        let quiet = try a.send("SELECT INBOX (QRESYNC (\(now.uidValidity) \(now.highestModSeq)))")
        #expect(!quiet.untagged.contains { $0.hasPrefix("* VANISHED") || $0.contains(" FETCH ") })
        #expect(quiet.untagged.first == "* OK [CLOSED] Previous mailbox closed")

        // Another UIDVALIDITY: the client's cache is useless, a plain SELECT is all it gets.
        let other = try a.send("SELECT INBOX (QRESYNC (\(old.uidValidity &+ 1) \(old.highestModSeq)))")
        #expect(other.isOK)
        #expect(!other.untagged.contains { $0.hasPrefix("* VANISHED") || $0.contains(" FETCH ") })
    }

    @Test func uidFetchVanishedModifier() throws {
        let (f, old) = try QResyncWireTests.changedWhileAway()
        let a = try f.client()
        try a.send("ENABLE QRESYNC")
        try a.send("SELECT INBOX")
        let r = try a.send("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(old.highestModSeq) VANISHED)")
        #expect(r.isOK)
        try #require(r.untagged.count == 3, "\(r)")
        #expect(r.untagged[0] == "* VANISHED (EARLIER) 5,7")
        #expect(r.untagged[1].hasPrefix("* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ ("))
        #expect(r.untagged[2].hasPrefix("* 9 FETCH (UID 11 FLAGS () MODSEQ ("))
        // Only the UIDs asked about.
        let some = try a.send("UID FETCH 6:10 (FLAGS) (CHANGEDSINCE \(old.highestModSeq) VANISHED)")
        #expect(some.untagged == ["* VANISHED (EARLIER) 7"])
        // Without VANISHED, CHANGEDSINCE alone (CONDSTORE) tells no expunges.
        #expect(try a.send("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(old.highestModSeq))").untagged.count == 2)
    }

    @Test func expungesAreToldAsVanished() throws {
        let f = try IMAPFixture()
        for i in 1...6 { try f.deliver(IMAPFixture.message("m\(i)")) }
        let a = try f.client()
        try a.send("ENABLE QRESYNC")
        try a.send("SELECT INBOX")
        let b = try f.client()
        try b.send("SELECT INBOX")

        try a.send("STORE 1:2 +FLAGS.SILENT (\\Deleted)")
        let own = try a.send("EXPUNGE")
        #expect(own.untagged == ["* VANISHED 1:2"])
        // B has not enabled QRESYNC: it hears the same as EXPUNGE responses.
        #expect(try b.send("NOOP").untagged.filter { $0.hasSuffix("EXPUNGE") } == ["* 2 EXPUNGE", "* 1 EXPUNGE"])

        try b.send("UID STORE 4 +FLAGS.SILENT (\\Deleted)")
        try b.send("UID EXPUNGE 4")
        #expect(try a.send("NOOP").untagged.contains("* VANISHED 4"))

        let m = try a.send("UID MOVE 5:6 Trash")
        #expect(m.untagged.contains { $0.hasPrefix("* OK [COPYUID ") })
        #expect(m.untagged.last == "* VANISHED 5:6")
        #expect(try a.send("NOOP").isOK)
        #expect(try a.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 1)"])
    }

    /// The scenario at scale: 100,000 messages, a client away while another stores
    /// flags, expunges and appends, then a QRESYNC that reports exactly those changes.
    @Test func resyncOfAHundredThousandMessages() throws {
        let f = try IMAPFixture()
        let store = try Store(root: f.directory.path)
        let account = try store.account(try store.directory.requireAccount(try AccountName(parsing: "alice@example.com")))
        let inbox = try account.mailbox(named: "INBOX").id
        for batch in 0..<100 {
            let messages = (0..<1000).map { i in NewMessage(bytes: Array(IMAPFixture.message("bulk \(batch * 1000 + i)").utf8)) }
            _ = try account.append(messages, to: inbox)
        }
        let a = try f.client()
        let old = try QResyncWireTests.remember(try a.send("EXAMINE INBOX (CONDSTORE)"))
        try a.send("LOGOUT")

        let b = try f.client()
        try b.send("SELECT INBOX")
        // Flags on 300 scattered messages, 1,000 expunged in runs and singles, 50 new.
        let flagged = (0..<300).map { UInt32(7 + $0 * 331) }
        #expect(try b.send("UID STORE \(flagged.map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Flagged)").isOK)
        let expunged = UIDSet(ranges: [20_001...20_900] + (0..<100).map { UInt32(50_000 + $0 * 3) }.map { $0...$0 })
        try b.send("UID STORE \(expunged) +FLAGS.SILENT (\\Deleted)")
        #expect(try b.send("UID EXPUNGE \(expunged)").isOK)
        for i in 0..<50 { #expect(try b.append(IMAPFixture.message("late \(i)"), to: "INBOX").isOK) }

        let c = try f.client()
        try c.send("ENABLE QRESYNC")
        let r = try c.send("SELECT INBOX (QRESYNC (\(old.uidValidity) \(old.highestModSeq)))")
        #expect(r.isOK)
        #expect(r.has("* 99050 EXISTS"))
        let vanished = r.untagged.filter { $0.hasPrefix("* VANISHED") }
        #expect(vanished == ["* VANISHED (EARLIER) \(expunged)"])
        var changed = Set<UInt32>()
        for line in r.untagged where line.contains(" FETCH (UID ") {
            let uid = UInt32(line.split(separator: " ")[4])!
            changed.insert(uid)
            #expect(QResyncWireTests.modSeq(line)! > old.highestModSeq)
        }
        let flaggedKept = flagged.filter { !expunged.contains(UID($0)) }
        #expect(changed == Set(flaggedKept).union((100_001...100_050).map { $0 }))
        for uid in flaggedKept.prefix(3) {
            let seq = uid - UInt32(expunged.filter { $0.rawValue < uid }.count)
            #expect(r.untagged.contains { $0.hasPrefix("* \(seq) FETCH (UID \(uid) FLAGS (\\Flagged) MODSEQ (") })
        }
    }
}
