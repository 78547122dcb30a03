import Foundation
@testable import Store
import Testing
import TestSupport

/// `roost check` finds what a crash or a failing disk did to an account, `roost check
/// --repair` puts it right, and every message that was intact reads back byte for byte.
@Suite struct RepairTests {
    /// An account with `count` delivered messages, each with a unique subject marker.
    final class Damaged: @unchecked Sendable {
        let directory = TemporaryDirectory()
        let roost: CLI
        /// UID to the bytes delivered.
        var sent: [UInt32: [UInt8]] = [:]
        let folder: String

        init(count: Int) throws {
            roost = CLI(data: directory.path)
            try roost.run("domain add example.com --main")
            try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
            for n in 1...count {
                let text = "From: Sender <s\(n)@example.org>\r\nTo: alice@example.com\r\nSubject: marker-\(n)-end\r\n"
                    + "Message-ID: <\(n)@repair.test>\r\n\r\n" + String(repeating: "line \(n) of the body\r\n", count: 10 + n % 7 * 9)
                let r = try roost.run(["deliver", "--to", "alice@example.com"], input: Array(text.utf8))
                let uid = try #require(UInt32(r.out.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "\(r.err)")
                sent[uid] = Array(text.utf8)
            }
            let store = try Store(root: directory.path)
            folder = store.accountRoot(try store.directory.requireAccount(try AccountName(parsing: "alice@example.com")).id)
        }

        var index: String { folder + "/index.sqlite" }
        var segment: String { folder + "/blobs/1.seg" }

        /// The number of the index page that holds `text` (the first place it appears).
        func page(holding text: String) throws -> Int {
            let file = try #require(FileManager.default.contents(atPath: index))
            let offset = try #require(file.firstRange(of: Data(text.utf8))?.lowerBound)
            return offset / 4096 + 1
        }

        func rootPage(of table: String) throws -> Int {
            let db = try Database(path: index)
            let s = try db.statement("SELECT rootpage FROM sqlite_master WHERE name = ?").bind(.text(table))
            #expect(try s.step())
            defer { s.reset() }
            return s.int(0)
        }

        /// Overwrites index page `number` with zeros, as a failing disk might.
        func zero(page number: Int) throws {
            // Nothing may be waiting in the write-ahead log, or the damage would be hidden.
            #expect((try? FileManager.default.attributesOfItem(atPath: index + "-wal")[.size] as? Int) ?? 0 == 0)
            let handle = try #require(FileHandle(forUpdatingAtPath: index))
            try handle.seek(toOffset: UInt64((number - 1) * 4096))
            try handle.write(contentsOf: Data(count: 4096))
            try handle.close()
        }

        func flip(segmentBytesAt offset: Int, count: Int) throws {
            let handle = try #require(FileHandle(forUpdatingAtPath: segment))
            try handle.seek(toOffset: UInt64(offset))
            let old = try #require(try handle.read(upToCount: count))
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(old.map { $0 ^ 0x20 }))
            try handle.close()
        }

        /// What IMAP shows in `mailbox`, from a server started for the purpose.
        func messages(in mailbox: String = "INBOX") throws -> [FetchedMessage] {
            let server = try ServerProcess(data: directory.path, arguments: ["--imap", "127.0.0.1:0"])
            defer { server.stop() }
            return try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw").messages(in: mailbox)
        }

        func expectAllIntact() throws {
            let shown = try messages()
            #expect(shown.count == sent.count)
            for m in shown { #expect(m.bytes == sent[m.uid], "UID \(m.uid) reads back as delivered") }
        }
    }

    @Test func tornSegmentTailIsReportedAndCut() throws {
        let a = try Damaged(count: 5)
        let handle = try #require(FileHandle(forUpdatingAtPath: a.segment))
        try handle.seekToEnd()
        let torn = Data("Subject: half a message that was never acknowl".utf8)
        try handle.write(contentsOf: torn)
        try handle.close()

        let check = try a.roost.run("check")
        #expect(check.code == 1)
        #expect(check.out.contains("alice@example.com: segment 1: \(torn.count) byte(s) after its committed length"), "\(check.out)")
        #expect(check.err.contains("1 problem(s) found; 'roost check --repair' repairs them"))
        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.contains("repaired: cut away: segment 1: \(torn.count) byte(s)"))
        #expect(try a.roost.run("check").code == 0)
        try a.expectAllIntact()
    }

    @Test func damagedIndexPageIsRebuiltWithoutLosingAMessage() throws {
        let a = try Damaged(count: 40)
        // A page of the table of stored bodies: their rows are lost, their bytes are not.
        try a.zero(page: try a.page(holding: "marker-20-end"))

        let check = try a.roost.run("check")
        #expect(check.code == 1)
        #expect(check.out.contains("alice@example.com: index: "), "\(check.out)")

        // A server that has the account open keeps the rebuild away.
        let server = try ServerProcess(data: a.directory.path, arguments: ["--imap", "127.0.0.1:0"])
        let client = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        let refused = try a.roost.run("check --repair")
        #expect(refused.code == 1)
        #expect(refused.err.contains("alice@example.com: cannot repair: its index.sqlite is damaged and must be rebuilt, which needs the account closed: stop roost serve"), "\(refused.err)")
        try client.wire.send("a LOGOUT\r\n")
        server.stop()

        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.contains("repaired: index.sqlite: rebuilt from the rows that could be read"))
        #expect(repair.out.contains("where they fill the gap between known bodies exactly"))
        #expect(!repair.out.contains("removed"))
        #expect(try a.roost.run("check").code == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.folder).contains { $0.hasPrefix("index.damaged-") })
        try a.expectAllIntact()
    }

    @Test func lostMessageRowsComeBackInRecovered() throws {
        let a = try Damaged(count: 12)
        try a.zero(page: try a.rootPage(of: "message"))

        #expect(try a.roost.run("check").code == 1)
        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.contains("(its message row was lost); filed in Recovered as UID 12"))
        #expect(try a.roost.run("check").code == 0)
        #expect(try a.messages().isEmpty)
        let recovered = try a.messages(in: "Recovered")
        #expect(Set(recovered.map(\.bytes)) == Set(a.sent.values), "every message is there, byte for byte")
    }

    @Test func lostMailboxRowsComeBackWithANewUIDValidity() throws {
        let a = try Damaged(count: 6)
        func uidValidity(_ mailbox: String) throws -> String? {
            try a.roost.run("mailbox list alice@example.com").out.split(separator: "\n")
                .map { $0.split(separator: "\t") }.first { $0.first.map(String.init) == mailbox }.map { String($0[4]) }
        }
        let before = try #require(try uidValidity("INBOX"))
        try a.zero(page: try a.rootPage(of: "mailbox"))

        #expect(try a.roost.run("check").code == 1)
        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.contains("repaired: mailbox INBOX: made again (its row was lost)"))
        let made = try #require(repair.out.split(separator: "\n").first { $0.contains(": made again for 6 message(s) whose mailbox row was lost (new UIDVALIDITY)") })
        let name = try #require(made.split(separator: " ").first { $0.hasPrefix("Recovered-") }.map { String($0.dropLast()) })  // without its colon
        #expect(try a.roost.run("check").code == 0)
        #expect(try uidValidity(name) != nil && uidValidity(name) != before, "clients must fetch the mailbox afresh")
        let shown = try a.messages(in: name)
        #expect(shown.map(\.uid) == a.sent.keys.sorted())
        for m in shown { #expect(m.bytes == a.sent[m.uid]) }
    }

    @Test func damagedMessageBytesAreNamedAndKept() throws {
        let a = try Damaged(count: 6)
        // UID 3 lies after UIDs 1 and 2 in the segment; its bytes 120 to 123 are damaged.
        try a.flip(segmentBytesAt: a.sent[1]!.count + a.sent[2]!.count + 120, count: 4)

        let check = try a.roost.run("check")
        #expect(check.code == 1)
        #expect(check.out.contains("alice@example.com: INBOX UID 3: its bytes in segment 1 at"), "\(check.out)")
        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.contains("repaired: INBOX UID 3: its bytes were damaged on disk; kept as they are now"))
        #expect(try a.roost.run("check").code == 0)

        var damaged = a.sent[3]!
        for i in 120..<124 { damaged[i] ^= 0x20 }
        a.sent[3] = damaged
        try a.expectAllIntact()
    }

    /// Counters that disagree with the messages, and a UID in use that had been expunged
    /// before (as after a UIDNEXT that went down): check names each, repair recounts and
    /// gives the message a new UID, so that no client takes it for the one that went.
    @Test func wrongCountersAndAReusedUID() throws {
        let a = try Damaged(count: 3)
        let size = a.sent.values.reduce(0) { $0 + $1.count }
        do {
            let db = try Database(path: a.index)
            try db.execute("UPDATE mailbox SET messages = 8, unseen = 0, size = 1 WHERE name = 'INBOX'")
            try db.execute("INSERT INTO expunged(mailbox, uid, modseq) SELECT id, 2, 1 FROM mailbox WHERE name = 'INBOX'")
        }

        let check = try a.roost.run("check")
        #expect(check.code == 1)
        #expect(check.out.split(separator: "\n").filter { $0.contains(": mailbox ") } == [
            "alice@example.com: mailbox INBOX: counts 8 messages, holds 3",
            "alice@example.com: mailbox INBOX: counts 0 unseen, holds 3",
            "alice@example.com: mailbox INBOX: counts 1 bytes, holds \(size)",
            "alice@example.com: mailbox INBOX: 1 UID(s) reused after being expunged",
        ], "\(check.out)")
        #expect(check.err == "roost: 4 problem(s) found; 'roost check --repair' repairs them\n")

        let repair = try a.roost.run("check --repair")
        #expect(repair.code == 0, "\(repair.out)\(repair.err)")
        #expect(repair.out.split(separator: "\n").filter { $0.contains(": repaired: ") } == [
            "alice@example.com: repaired: mailbox INBOX: UID 2 had been expunged before; its message is now UID 4",
            "alice@example.com: repaired: mailbox INBOX: counters set to a recount (3 messages, 3 unseen, \(size) bytes, UIDNEXT 5)",
            "alice@example.com: repaired: UID runs: set again from the messages",
        ], "\(repair.out)")
        #expect(repair.out.contains("alice@example.com: 3 messages, 3 stored bodies, "))
        #expect(try a.roost.run("check").code == 0)
        let shown = try a.messages()
        #expect(shown.map(\.uid) == [1, 3, 4])
        #expect(shown.map(\.bytes) == [a.sent[1]!, a.sent[3]!, a.sent[2]!], "every message reads back as delivered")
    }
}
