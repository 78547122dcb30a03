import Foundation
import Testing
import TestSupport
@testable import Store

/// A Maildir++ tree written file by file, as Dovecot leaves one.
struct MaildirBuilder {
    let root: String

    init(_ root: String) throws {
        self.root = root
        try folder("")
    }

    /// Makes a folder ("" for INBOX, else ".Name") with cur/, new/ and tmp/.
    @discardableResult
    func folder(_ name: String) throws -> String {
        let path = name.isEmpty ? root : root + "/" + name
        for sub in ["cur", "new", "tmp"] { try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true) }
        return path
    }

    /// Writes a message file with a modification time (plain system calls: thousands of
    /// files are written per test).
    func file(_ folder: String, _ sub: String, _ name: String, _ text: String, modified: Int64 = 1_500_000_000) throws {
        let path = (folder.isEmpty ? root : root + "/" + folder) + "/\(sub)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ServerError(description: "cannot create \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw ServerError(description: "cannot write \(path)") }
        var times = [timespec(tv_sec: Int(modified), tv_nsec: 0), timespec(tv_sec: Int(modified), tv_nsec: 0)]
        futimens(fd, &times)
    }

    func write(_ folder: String, _ file: String, _ text: String) throws {
        try text.write(toFile: (folder.isEmpty ? root : root + "/" + folder) + "/" + file, atomically: false, encoding: .utf8)
    }
}

/// Everything a client could notice of one message.
struct Stored: Equatable, CustomStringConvertible {
    var uid: UID
    var flags: Flags
    var internalDate: Int64
    var bytes: [UInt8]

    var description: String { "uid \(uid) \(flags) \(internalDate) \(String(decoding: bytes.prefix(60), as: UTF8.self))" }
}

extension Account {
    func stored(_ mailbox: String) throws -> [Stored] {
        let box = try self.mailbox(named: mailbox)
        var out: [Stored] = []
        try forEachMessage(in: box.id) { r, read in
            var bytes: [UInt8] = []
            try read { bytes += $0 }
            out.append(Stored(uid: r.uid, flags: r.flags, internalDate: r.internalDate, bytes: bytes))
        }
        return out
    }
}

@Suite struct MaildirImportTests {
    /// 10,000 tiny messages over INBOX and nested folders, with flags, keywords, mtimes
    /// and a dovecot-uidlist in INBOX; then a second run that finds everything present.
    @Test func tenThousandMessagesWithSubfolders() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let md = try MaildirBuilder(dir.path + "/Maildir")
        let folders = ["", ".Archive", ".Archive.2024", ".Archive.2024.Q1", ".Lists.swift-users"]
        var expected: [String: Int] = [:]
        var uidList = "3 V1275660208 N9000 G3085f01b7f11094c501100008c4a11c1\n"
        try md.write("", "dovecot-keywords", "0 $Label1\n1 Work\n")
        for i in 0..<10_000 {
            let folder = folders[i % folders.count]
            if !folder.isEmpty && i < folders.count { try md.folder(folder) }
            let base = "\(1_500_000_000 + i).M\(i)P1.host,S=60"
            let info = i % 3 == 0 ? ":2,S" : i % 3 == 1 ? ":2,FRa" : ":2,"
            try md.file(folder, i % 7 == 0 ? "new" : "cur", i % 7 == 0 ? base : base + info,
                        "From: a@b\nSubject: \(i)\nMessage-ID: <\(i)@x>\n\nm\(i)\n", modified: 1_500_000_000 + Int64(i))
            if folder.isEmpty { uidList += "\(i / 5 + 1) :\(base)\(info)\n" }
            expected[folder, default: 0] += 1
        }
        try md.write("", "dovecot-uidlist", uidList)

        var progress: [Int64] = []
        var totals = Set<Int64>()
        let report = try MaildirImport(root: md.root, into: f.alice).run(progress: { done, total in
            totals.insert(total)
            if done % 1000 == 0 { progress.append(done) }
        })
        #expect(totals == [10_000])
        #expect(report.problems.isEmpty)
        #expect(report.imported == 10_000)
        #expect(progress == (0...10).map { Int64($0 * 1000) })
        #expect(report.mailboxes.map(\.name) == ["Archive", "Archive/2024", "Archive/2024/Q1", "INBOX", "Lists/swift-users"])
        for (folder, count) in expected {
            let name = folder.isEmpty ? "INBOX" : try MaildirLayout.mailbox(forFolder: folder)
            #expect(try f.alice.mailbox(named: name).messages == count, "\(name)")
        }

        let inbox = try f.alice.mailbox(named: "INBOX")
        #expect(inbox.uidValidity == 1_275_660_208)
        #expect(inbox.uidNext == UID(9000), "the old server's next UID is kept")
        let messages = try f.alice.stored("INBOX")
        #expect(messages.map(\.uid) == (1...2000).map { UID(UInt32($0)) })
        // Message i sits in INBOX when i % 5 == 0, with UID i / 5 + 1.
        for m in messages.prefix(30) {
            let i = Int(m.uid.rawValue - 1) * 5
            #expect(m.bytes == Array("From: a@b\r\nSubject: \(i)\r\nMessage-ID: <\(i)@x>\r\n\r\nm\(i)\r\n".utf8))
            #expect(m.internalDate == 1_500_000_000 + Int64(i))
            let flags: Flags = i % 7 == 0 ? Flags() : i % 3 == 0 ? Flags(system: [.seen]) : i % 3 == 1 ? Flags(system: [.flagged, .answered], keywords: ["$Label1"]) : Flags()
            #expect(m.flags == flags, "message \(i)")
        }
        #expect(try f.alice.mailbox(named: "Archive/2024/Q1").uidValidity != inbox.uidValidity)
        #expect(try f.alice.subscriptions().contains("Archive/2024/Q1"))

        let again = try MaildirImport(root: md.root, into: f.alice).run()
        #expect(again.imported == 0)
        #expect(again.alreadyPresent == 10_000)
        #expect(try f.alice.mailbox(named: "INBOX").messages == 2000, "a second run stores nothing twice")
    }

    @Test func badFilesAreReportedAndSkipped() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let md = try MaildirBuilder(dir.path + "/Maildir")
        try md.file("", "cur", "1.good:2,S", "Subject: good\n\nfine\n")
        try md.file("", "cur", "2.empty:2,", "")
        try md.file("", "cur", "3.garbage:2,", "\u{0}\u{1}binary junk\n")
        try md.file("", "new", ".hidden", "Subject: a half-written file of another program\n\n")
        try md.file("", "tmp", "4.tmp", "Subject: not delivered yet\n\n")
        try FileManager.default.createDirectory(atPath: md.root + "/cur/5.directory", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: md.root + "/cur/6.dangling:2,", withDestinationPath: dir.path + "/nowhere")
        try md.folder(".Bad..Name")
        try md.file(".Bad..Name", "cur", "7.lost:2,", "Subject: in a folder with a bad name\n\n")
        var heard: [ImportProblem] = []
        let report = try MaildirImport(root: md.root, into: f.alice).run(problem: { heard.append($0) })
        #expect(report.imported == 1)
        #expect(heard == report.problems)
        #expect(Set(report.problems.map(\.description)) == [
            "\(md.root)/.Bad..Name: folder skipped: mailbox name has an empty level",
            "\(md.root)/cur/2.empty:2,: empty file",
            "\(md.root)/cur/3.garbage:2,: not a message: it does not start with a header field",
            "\(md.root)/cur/5.directory: not a regular file",
            "\(md.root)/cur/6.dangling:2,: cannot be read: No such file or directory",
        ])
        #expect(try f.alice.stored("INBOX").map(\.bytes) == [Array("Subject: good\r\n\r\nfine\r\n".utf8)])
    }

    @Test func notAMaildir() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        #expect(throws: MigrationError.badFormat("\(dir.path) is not a Maildir: it has no cur/ or new/ folder")) {
            try MaildirImport(root: dir.path, into: f.alice).run()
        }
        #expect(throws: MigrationError.unreadable("\(dir.path)/none is not a directory")) {
            try MaildirImport(root: dir.path + "/none", into: f.alice).run()
        }
    }

    /// A re-run after the old server got new mail imports the new mail only, keeping its UIDs.
    @Test func rerunImportsWhatIsNew() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let md = try MaildirBuilder(dir.path + "/Maildir")
        try md.file("", "cur", "1.a:2,S", "Subject: a\n\na\n")
        try md.file("", "cur", "2.b:2,", "Subject: b\n\nb\n")
        try md.write("", "dovecot-uidlist", "3 V1234 N5\n3 :1.a\n4 :2.b\n")
        #expect(try MaildirImport(root: md.root, into: f.alice).run().imported == 2)
        try md.file("", "new", "3.c", "Subject: c\n\nc\n")
        try md.file("", "new", "4.d", "Subject: d\n\nd\n")
        try md.write("", "dovecot-uidlist", "3 V1234 N9\n3 :1.a\n4 :2.b\n8 :3.c\n")
        let report = try MaildirImport(root: md.root, into: f.alice).run()
        #expect(report.imported == 2 && report.alreadyPresent == 2)
        #expect(try f.alice.stored("INBOX").map(\.uid) == [UID(3), UID(4), UID(8), UID(9)], "listed UIDs kept, the unlisted file takes the next")
        #expect(try f.alice.mailbox(named: "INBOX").uidNext == UID(10))
    }

    /// Two identical files are two messages: both are imported, and a re-run adds neither.
    @Test func identicalCopiesCountTwice() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let md = try MaildirBuilder(dir.path + "/Maildir")
        try md.file("", "cur", "1.a:2,", "Subject: same\n\nsame\n")
        try md.file("", "cur", "2.a:2,", "Subject: same\n\nsame\n")
        #expect(try MaildirImport(root: md.root, into: f.alice).run().imported == 2)
        #expect(try MaildirImport(root: md.root, into: f.alice).run().alreadyPresent == 2)
        #expect(try f.inbox().messages == 2)
    }

    /// A mailbox that already holds mail keeps its UIDVALIDITY; imported messages get new UIDs.
    @Test func uidsNotKeptInAMailboxInUse() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        _ = try f.alice.append([NewMessage(bytes: message(1))], to: inbox.id)
        let dir = TemporaryDirectory()
        let md = try MaildirBuilder(dir.path + "/Maildir")
        try md.file("", "cur", "1.a:2,S", "Subject: a\n\na\n")
        try md.write("", "dovecot-uidlist", "3 V1234 N50\n40 :1.a\n")
        let report = try MaildirImport(root: md.root, into: f.alice).run()
        let m = try #require(report.mailboxes.first)
        #expect(!m.uidsKept && m.renumbered == 1 && m.uidValidity == inbox.uidValidity)
        #expect(m.note == "UIDs not kept: the mailbox already held messages under UIDVALIDITY \(inbox.uidValidity)")
        #expect(try f.alice.uids(in: inbox.id) == [UID(1), UID(2)])
        #expect(try f.inbox().uidNext == UID(3), "nothing reserved for UIDs that were not kept")
    }
}

@Suite struct MboxImportTests {
    @Test func flagsDatesAndQuoting() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        try """
            From alice@example.org Fri Jul 14 02:40:00 2017
            Return-Path: <alice@example.org>
            Status: RO
            X-Status: AF
            X-Keywords: $Label1 Work
            Subject: one

            >From the start
            >>From quoted twice

            From bob@example.org Sat Jul 15 02:40:00 2017
            Subject: two
            Date: Sat, 15 Jul 2017 04:40:00 +0200
            Status: O

            two

            From broken-date-line
            Subject: empty next

            From x Sun Jul 16 02:40:00 2017

            From y Mon Jul 17 02:40:00 2017
            no header here

            From z Tue Jul 18 02:40:00 2017
            Subject: last, no empty line after it

            """.write(toFile: path, atomically: true, encoding: .utf8)
        var heard: [ImportProblem] = []
        let report = try MboxImport(file: path, into: f.alice, mailbox: "Old/Mail").run(problem: { heard.append($0) })
        #expect(report.problems.map(\.description) == [
            "\(path) message 3 (line 21): empty message",
            "\(path) message 4 (line 23): not a message: it does not start with a header field",
        ])
        #expect(heard == report.problems)
        let stored = try f.alice.stored("Old/Mail")
        #expect(stored.map { String(decoding: $0.bytes, as: UTF8.self) } == [
            "Return-Path: <alice@example.org>\r\nSubject: one\r\n\r\nFrom the start\r\n>From quoted twice\r\n",
            "Subject: two\r\nDate: Sat, 15 Jul 2017 04:40:00 +0200\r\n\r\ntwo\r\n\r\nFrom broken-date-line\r\nSubject: empty next\r\n",
            "Subject: last, no empty line after it\r\n",
        ])
        #expect(stored.map(\.flags) == [Flags(system: [.seen, .answered, .flagged], keywords: ["$Label1", "Work"]), Flags(), Flags()])
        #expect(stored.map(\.internalDate).prefix(2) == [1_500_000_000, 1_500_086_400])
        #expect(try f.alice.mailbox(named: "Old").messages == 0, "the parent is made")

        let again = try MboxImport(file: path, into: f.alice, mailbox: "Old/Mail").run()
        #expect(again.imported == 0 && again.alreadyPresent == 3)
        #expect(try f.alice.mailbox(named: "Old/Mail").messages == 3)
    }

    /// mboxo files: only ">From " loses its ">".
    @Test func mboxo() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        try "From a Fri Jul 14 02:40:00 2017\nSubject: o\n\n>From x\n>>From y\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try MboxImport(file: path, into: f.alice, mailbox: "INBOX", format: .mboxo).run()
        #expect(try f.alice.stored("INBOX").map(\.bytes) == [Array("Subject: o\r\n\r\nFrom x\r\n>>From y\r\n".utf8)])
    }

    @Test func gmailTakeoutFromLine() throws {
        let f = try Fixture()
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        try "From 1500000000123@xxx Wed Sep 02 13:09:16 +0000 2015\nX-GM-THRID: 1\nSubject: g\n\ng\n\nFrom 1500000000124@xxx Wed Sep 02 13:09:17 +0000 2015\nSubject: h\n\nh\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        _ = try MboxImport(file: path, into: f.alice, mailbox: "INBOX").run()
        #expect(try f.alice.stored("INBOX").map(\.internalDate) == [1_441_199_356, 1_441_199_357])
    }
}

@Suite struct RoundTripTests {
    /// Messages with every flag, keywords (one beyond a Maildir's 26 letters is not), odd
    /// bytes, bare LFs and no final line end, in nested and non-ASCII mailboxes.
    static func fill(_ f: Fixture) throws -> [String] {
        let names = ["INBOX", "Archive/2024", "Entwürfe", "v1.2"]
        let bodies: [String] = [
            "Subject: plain\r\n\r\nbody\r\n",
            "Subject: from lines\r\n\r\nFrom here\r\n>From there\r\n>>From everywhere\r\n",
            "Subject: bare\nLF and \u{0} NUL\r\n\r\nmixed\n",
            "Subject: no end\r\n\r\nlast line without CRLF",
            "Return-Path: <bounce@example.org>\r\nSubject: with return path\r\n\r\nb\r\n",
            "Subject: 8bit\r\n\r\nGrüße aus Köln\r\n",
        ]
        for (n, name) in names.enumerated() {
            let box = name == "INBOX" ? try f.inbox() : try f.alice.createMailbox(name)
            let messages = bodies.enumerated().map { i, b in
                NewMessage(bytes: Array(b.utf8), flags: Flags(system: SystemFlags(rawValue: (i + n) % 32), keywords: i % 2 == 0 ? ["$Label\(i)", "Work"] : []),
                           internalDate: 1_500_000_000 + Int64(i * 3600 + n))
            }
            _ = try f.alice.append(messages, to: box.id)
        }
        // A gap in the UIDs, as expunges leave: export and import keep it.
        let inbox = try f.inbox()
        _ = try f.alice.expunge(UIDSet([UID(2)]), in: inbox.id, onlyDeleted: false)
        return names
    }

    @Test func maildir() throws {
        let f = try Fixture()
        let names = try Self.fill(f)
        let dir = TemporaryDirectory()
        let export = try MaildirExport(account: f.alice, to: dir.path + "/backup").run()
        #expect(export.messages == 23 && export.mailboxes == 9 && export.warnings.isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/backup/.Entw&APw-rfe/maildirfolder"))
        #expect(throws: MigrationError.targetExists("\(dir.path)/backup exists and is not an empty directory")) {
            try MaildirExport(account: f.alice, to: dir.path + "/backup").run()
        }

        let bob = try f.store.account(try f.store.createAccount(try AccountName(parsing: "bob@example.com"), passwordHash: try Password.hash("x")))
        let report = try MaildirImport(root: dir.path + "/backup", into: bob).run()
        #expect(report.problems.isEmpty && report.imported == 23)
        #expect(report.mailboxes.allSatisfy { $0.uidsKept })
        for name in names + ["Archive", "Drafts"] {
            let (a, b) = (try f.alice.mailbox(named: name), try bob.mailbox(named: name))
            #expect(a.uidValidity == b.uidValidity && a.uidNext == b.uidNext, "\(name)")
            #expect(try f.alice.stored(name) == bob.stored(name), "\(name)")
        }
        #expect(try MaildirImport(root: dir.path + "/backup", into: bob).run().imported == 0)
        #expect(try bob.check().isClean)
    }

    @Test func mbox() throws {
        let f = try Fixture()
        let names = try Self.fill(f)
        let dir = TemporaryDirectory()
        for (i, name) in names.enumerated() {
            let file = dir.path + "/\(i).mbox"
            let export = try MboxExport(account: f.alice, mailbox: name, to: file).run()
            #expect(export.messages == (name == "INBOX" ? 5 : 6))
            let report = try MboxImport(file: file, into: f.alice, mailbox: "Restored/\(name)").run()
            #expect(report.problems.isEmpty)
            let original = try f.alice.stored(name), restored = try f.alice.stored("Restored/\(name)")
            // The one thing an mbox changes: a last line gets its line end.
            let fixed = original.map { m in
                var m = m
                if m.bytes.last != 10 { m.bytes += [13, 10] }
                return m
            }
            #expect(restored.map(\.bytes) == fixed.map(\.bytes), "\(name)")
            #expect(restored.map(\.flags) == original.map(\.flags), "\(name)")
            #expect(restored.map(\.internalDate) == original.map(\.internalDate), "\(name)")
        }
        let text = try String(contentsOfFile: dir.path + "/0.mbox", encoding: .utf8)
        #expect(text.hasPrefix("From MAILER-DAEMON Fri Jul 14 02:40:00 2017\nStatus: O\r\nX-Keywords: $Label0 Work\r\nSubject: plain\r\n"))
        #expect(text.contains("\nFrom bounce@example.org Fri Jul 14 06:40:00 2017\n"))
        #expect(try String(contentsOfFile: dir.path + "/1.mbox", encoding: .utf8).contains("\r\n>From here\r\n>>From there\r\n>>>From everywhere\r\n"))
        #expect(throws: MigrationError.targetExists("\(dir.path)/0.mbox exists already")) {
            try MboxExport(account: f.alice, mailbox: "INBOX", to: dir.path + "/0.mbox").run()
        }
    }

    @Test func keywordsBeyondTwentySixAreReported() throws {
        let f = try Fixture()
        let keywords = (0..<28).map { "k\($0 < 10 ? "0" : "")\($0)" }
        _ = try f.alice.append([NewMessage(bytes: message(1), flags: Flags(keywords: keywords))], to: try f.inbox().id)
        let dir = TemporaryDirectory()
        let report = try MaildirExport(account: f.alice, to: dir.path + "/out").run()
        #expect(report.warnings == ["INBOX: 2 keyword(s) beyond the 26 a Maildir folder can name were not written: k26 k27"])
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/cur")
        #expect(names.count == 1 && names[0].hasSuffix(":2,abcdefghijklmnopqrstuvwxyz"))
    }
}

@Suite struct ImportStoreAPITests {
    @Test func keptUIDsAndReservedUIDs() throws {
        let f = try Fixture()
        let box = try f.alice.mailboxForImport(named: "Imported/Box", uidValidity: 777)
        #expect(box.uidValidity == 777 && box.uidNext == UID(1))
        let r = try f.alice.append([NewMessage(bytes: message(1), uid: UID(5)), NewMessage(bytes: message(2)), NewMessage(bytes: message(3), uid: UID(9))], to: box.id)
        #expect(r.uids == [UID(5), UID(6), UID(9)])
        #expect(throws: StoreError.alreadyExists("UID 9 is below UIDNEXT 10 of mailbox Imported/Box")) {
            try f.alice.append([NewMessage(bytes: message(4), uid: UID(9))], to: box.id)
        }
        try f.alice.reserveUIDs(below: UID(100), in: box.id)
        try f.alice.reserveUIDs(below: UID(50), in: box.id)
        #expect(try f.alice.mailbox(id: box.id).uidNext == UID(100), "UIDNEXT never goes back")
        #expect(try f.alice.append([NewMessage(bytes: message(4))], to: box.id).uids == [UID(100)])
        #expect(try f.alice.check().isClean)
    }

    @Test func uidValidityAdoptedOnlyByAnUnusedMailbox() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        #expect(try f.alice.mailboxForImport(named: "inbox", uidValidity: 42).uidValidity == 42, "the template's empty INBOX takes it")
        #expect(try f.alice.mailboxForImport(named: "INBOX", uidValidity: nil).uidValidity == 42)
        _ = try f.alice.append([NewMessage(bytes: message(1))], to: inbox.id)
        _ = try f.alice.expunge(UIDSet([UID(1)]), in: inbox.id, onlyDeleted: false)
        #expect(try f.alice.mailboxForImport(named: "INBOX", uidValidity: 43).uidValidity == 42, "a mailbox that held mail keeps its own")
        let later = try f.alice.createMailbox("Later")
        #expect(later.uidValidity > inbox.uidValidity)
        _ = try f.alice.mailboxForImport(named: "Future", uidValidity: 4_000_000_000)
        #expect(try f.alice.createMailbox("After").uidValidity == 4_000_000_001, "new mailboxes come after an imported UIDVALIDITY")
    }
}
