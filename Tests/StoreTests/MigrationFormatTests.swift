import Foundation
import Testing
import TestSupport
@testable import Store

/// The file formats of migration, byte for byte: modified UTF-7 folder names, Dovecot's
/// uidlist and keyword files, Maildir info flags, mbox From lines, From quoting and the
/// Status fields.
@Suite struct MigrationFormatTests {
    @Test(arguments: [
        ("INBOX", "INBOX"), ("Entwürfe", "Entw&APw-rfe"), ("R&D", "R&-D"), ("日本語", "&ZeVnLIqe-"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"), ("a😀b", "a&2D3eAA-b"),
    ])
    func modifiedUTF7(_ text: String, _ encoded: String) {
        #expect(ModifiedUTF7.encode(text) == encoded)
        #expect(ModifiedUTF7.decode(encoded) == text)
    }

    /// Unterminated, bad padding, a lone surrogate, a control character.
    @Test(arguments: ["&", "&Jjo", "&ZeVnLIqe", "&2D0-", "\u{7}", "&-&", "&ZeV-"])
    func invalidModifiedUTF7(_ encoded: String) {
        #expect(ModifiedUTF7.decode(encoded) == nil)
    }

    /// Printable ASCII stands for itself, unless it is a character to be encoded as well.
    @Test func modifiedUTF7AlsoEncoded() {
        #expect(ModifiedUTF7.encode("v1.2", alsoEncode: ["."]) == "v1&AC4-2")
        #expect(ModifiedUTF7.decode("v1&AC4-2", alsoEncoded: ["."]) == "v1.2")
        #expect(ModifiedUTF7.decode("v1.2", alsoEncoded: ["."]) == nil)
        #expect(ModifiedUTF7.decode("v1.2") == "v1.2")
        #expect(ModifiedUTF7.decode("v1&AC4-2") == nil, "printable ASCII in base64 is not the one spelling")
    }

    @Test(arguments: [
        ("INBOX", ""), ("Sub/Folder", ".Sub.Folder"), ("Entwürfe", ".Entw&APw-rfe"), ("v1.2/notes", ".v1&AC4-2.notes"),
        ("INBOX/Sub", ".INBOX.Sub"),
    ])
    func maildirFolderNames(_ mailbox: String, _ folder: String) throws {
        #expect(MaildirLayout.folder(for: mailbox) == folder)
        if !folder.isEmpty { #expect(try MaildirLayout.mailbox(forFolder: folder) == mailbox) }
    }

    @Test func maildirFolderNamesThatAreNotMailboxNames() {
        for folder in ["..Foo", ".Foo..Bar", ".", ".~peter"] {
            #expect(throws: StoreError.self) { try MaildirLayout.mailbox(forFolder: folder) }
        }
    }

    @Test func maildirInfo() {
        let keywords = DovecotKeywords(parsing: "0 $Label1\n1 Junk\nbad line\n30 TooFar\n3 two words\n")
        #expect(keywords.names == [0: "$Label1", 1: "Junk"])
        #expect(MaildirFlags.split("1500000000.M1P2.host,S=30:2,FRSa") == ("1500000000.M1P2.host,S=30", "2,FRSa"))
        #expect(MaildirFlags.split("1500000000.M1.host;2,S") == ("1500000000.M1.host", "2,S"))
        #expect(MaildirFlags.split("1500000000.M1.host") == ("1500000000.M1.host", nil))
        let flags = MaildirFlags.flags(info: "2,DFPRSTabz", keywords: keywords)
        #expect(flags == Flags(system: [.draft, .flagged, .answered, .seen, .deleted], keywords: ["$Forwarded", "$Label1", "Junk"]))
        let (info, unnamed) = MaildirFlags.info(for: Flags(system: [.seen, .flagged], keywords: ["Junk", "$Forwarded", "Other"]), keywords: keywords)
        #expect(info == "2,FPSb")
        #expect(unnamed == ["Other"])
        #expect(MaildirFlags.info(for: Flags(), keywords: keywords).info == "2,")
    }

    @Test func dovecotUIDListVersion3() throws {
        let text = """
            3 V1275660208 N25 G3085f01b7f11094c501100008c4a11c1
            1 :1275660208.M1.host,S=100:2,S
            17 W2481 G0123 :1276533073.M242911P3632.kurkku:2,F
            not a line
            0 :zero.uid
            20 :1276533080.M2.host

            """
        let list = try #require(DovecotUIDList(parsing: text))
        #expect(list.uidValidity == 1_275_660_208)
        #expect(list.nextUID == UID(25))
        #expect(list.uids == ["1275660208.M1.host,S=100": UID(1), "1276533073.M242911P3632.kurkku": UID(17), "1276533080.M2.host": UID(20)])
        #expect(DovecotUIDList(parsing: list.text) == list)
    }

    @Test func dovecotUIDListVersion1AndBrokenHeaders() throws {
        let list = try #require(DovecotUIDList(parsing: "1 1100000000 3\n1 100.a\n2 200.b:2,S\n"))
        #expect(list.uidValidity == 1_100_000_000 && list.nextUID == UID(3))
        #expect(list.uids == ["100.a": UID(1), "200.b": UID(2)])
        #expect(DovecotUIDList(parsing: "3 N25\n1 :a\n") == nil, "no UIDVALIDITY")
        #expect(DovecotUIDList(parsing: "2 V1 N2\n") == nil, "unknown version")
        #expect(DovecotUIDList(parsing: "") == nil)
        // A next UID below the highest listed one is raised: UIDs are never given twice.
        #expect(DovecotUIDList(parsing: "3 V5 N2\n9 :a\n")?.nextUID == UID(10))
    }

    @Test(arguments: [
        ("From MAILER-DAEMON Thu Jan  1 00:00:00 1970", "MAILER-DAEMON", 0),
        ("From alice@example.org Fri Jul 14 02:40:00 2017\n", "alice@example.org", 1_500_000_000),
        ("From alice@example.org Fri Jul 14 02:40:00 2017\r\n", "alice@example.org", 1_500_000_000),
        ("From 1500000000123@xxx Wed Sep 02 13:09:16 +0000 2015", "1500000000123@xxx", 1_441_199_356),
        ("From bob Fri Jul 14 04:40:00 2017 +0200", "bob", 1_500_000_000),
        ("From bob Jul 14 02:40 2017", "bob", 1_500_000_000),
    ] as [(String, String, Int64?)])
    func fromLines(_ line: String, _ sender: String, _ date: Int64?) throws {
        let parsed = try #require(MboxFromLine(parsing: Array(line.utf8)))
        #expect(parsed.sender == sender)
        #expect(parsed.date == date)
    }

    @Test func fromLinesWithoutADate() throws {
        #expect(try #require(MboxFromLine(parsing: Array("From here on, all is well\n".utf8))).date == nil)
        #expect(try #require(MboxFromLine(parsing: Array("From someone".utf8))).sender == "someone")
        #expect(MboxFromLine(parsing: Array("From:".utf8)) == nil)
        #expect(MboxFromLine(parsing: Array("From \n".utf8)) == nil)
        #expect(MboxFromLine(sender: "a@b", date: 1_500_000_000).text == "From a@b Fri Jul 14 02:40:00 2017")
        #expect(MboxFromLine(sender: "a@b", date: 1_441_199_356).text == "From a@b Wed Sep  2 13:09:16 2015")
    }

    /// Body lines that look like From lines, in both quoting schemes; `expected` are the
    /// messages read back.
    @Test(arguments: [
        (MboxFormat.mboxrd, "From a Fri Jul 14 02:40:00 2017\nS: 1\n\n>From x\n>>From y\n>>>From z\n> From not quoted\n>Fromage\n\n",
         ["S: 1\n\nFrom x\n>From y\n>>From z\n> From not quoted\n>Fromage\n"]),
        (MboxFormat.mboxo, "From a Fri Jul 14 02:40:00 2017\nS: 1\n\n>From x\n>>From y\n\n",
         ["S: 1\n\nFrom x\n>>From y\n"]),
        // Not separators: no empty line before, or no date.
        (MboxFormat.mboxrd, "From a Fri Jul 14 02:40:00 2017\nS: 1\n\nbody\nFrom the top Fri Jul 14 02:40:00 2017\n\nFrom here on\n\n",
         ["S: 1\n\nbody\nFrom the top Fri Jul 14 02:40:00 2017\n\nFrom here on\n"]),
        // Several messages; the last one without the empty line after it, CRLF kept.
        (MboxFormat.mboxrd, "From a Fri Jul 14 02:40:00 2017\nS: 1\n\none\n\nFrom b Fri Jul 14 02:40:01 2017\nS: 2\r\n\r\ntwo\r\n\nFrom c Fri Jul 14 02:40:02 2017\nS: 3\n\nthree\n",
         ["S: 1\n\none\n", "S: 2\r\n\r\ntwo\r\n", "S: 3\n\nthree\n"]),
        // A message that ends in an empty line keeps it: only the separator's is taken.
        (MboxFormat.mboxrd, "From a Fri Jul 14 02:40:00 2017\nS: 1\n\none\n\n\nFrom b Fri Jul 14 02:40:01 2017\nS: 2\n\ntwo",
         ["S: 1\n\none\n\n", "S: 2\n\ntwo"]),
        (MboxFormat.mboxrd, "", []),
    ])
    func mboxQuoting(_ format: MboxFormat, _ file: String, _ expected: [String]) throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        var reader = try MboxReader(path: path, format: format)
        defer { reader.close() }
        var messages: [String] = []
        while let m = try reader.next() { messages.append(String(decoding: m.bytes, as: UTF8.self)) }
        #expect(messages == expected)
        #expect(reader.consumed == Int64(file.utf8.count))
    }

    @Test func mboxWriterQuotesAndReaderUnquotes() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        let bodies = ["S: 1\r\n\r\nFrom x\r\n>From y\r\n>>From z\r\n", "S: 2\r\n\r\nno line end at the end", "S: 3\n\nLF only\n\n"]
        do {
            let writer = MboxWriter(file: try ExportFile(creating: path))
            for (i, b) in bodies.enumerated() { try writer.write(Array(b.utf8), envelope: MboxFromLine(sender: "s\(i)", date: 1_500_000_000 + Int64(i))) }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("From s0 Fri Jul 14 02:40:00 2017\nS: 1\r\n\r\n>From x\r\n>>From y\r\n>>>From z\r\n\nFrom s1 "))
        var reader = try MboxReader(path: path, format: .mboxrd)
        defer { reader.close() }
        var read: [(MboxFromLine, String)] = []
        while let m = try reader.next() { read.append((m.envelope, String(decoding: m.bytes, as: UTF8.self))) }
        #expect(read.map(\.1) == [bodies[0], bodies[1] + "\r\n", bodies[2]], "a missing last line end is the one thing added")
        #expect(read.map(\.0) == (0..<3).map { MboxFromLine(sender: "s\($0)", date: 1_500_000_000 + Int64($0)) })
    }

    @Test func mboxThatIsNotAnMbox() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/mbox"
        try "Subject: no From line\n\nbody\n".write(toFile: path, atomically: true, encoding: .utf8)
        var reader = try MboxReader(path: path, format: .mboxrd)
        defer { reader.close() }
        #expect(throws: MigrationError.badFormat("\(path) is not an mbox file: it does not start with a \"From \" line")) { try reader.next() }
        #expect(throws: MigrationError.unreadable("\(dir.path) is not a regular file")) { try MboxReader(path: dir.path, format: .mboxrd) }
    }

    @Test func statusFields() {
        let message = Array("""
            Return-Path: <a@b>\r
            Status: RO\r
            X-Status: AF\r
            X-Keywords: $Label1,Junk\r
             Later\r
            X-UID: 17\r
            X-IMAPbase: 1275660208 25 Imported\r
            Subject: hi\r
            \r
            Status: in the body stays\r

            """.utf8)
        let (flags, rest) = MboxFlagHeaders.extract(message)
        #expect(flags == Flags(system: [.seen, .answered, .flagged], keywords: ["$Label1", "Junk", "Later"]))
        #expect(String(decoding: rest, as: UTF8.self) == "Return-Path: <a@b>\r\nSubject: hi\r\n\r\nStatus: in the body stays\r\n")
        let written = MboxFlagHeaders.fields(for: Flags(system: [.draft, .deleted], keywords: ["x"]), lineEnd: [10])
        #expect(String(decoding: written, as: UTF8.self) == "Status: O\nX-Status: TD\nX-Keywords: x\n")
        let (back, same) = MboxFlagHeaders.extract(written + Array("Subject: s\n\nb\n".utf8))
        #expect(back == Flags(system: [.draft, .deleted], keywords: ["x"]))
        #expect(same == Array("Subject: s\n\nb\n".utf8))
    }

    @Test(arguments: [
        ("Subject: x\n\nbody\n", "Subject: x\r\n\r\nbody\r\n"),
        ("Subject: x\r\n\r\nbody\nbare LF kept\r\n", "Subject: x\r\n\r\nbody\nbare LF kept\r\n"),
        ("From sender Fri Jul 14 02:40:00 2017\nSubject: x\n\nb\n", "Subject: x\r\n\r\nb\r\n"),
        ("X-Odd-Field : value\n\n", "X-Odd-Field : value\r\n\r\n"),
    ])
    func storedForm(_ input: String, _ stored: String) throws {
        #expect(try MessageCheck.stored(Array(input.utf8)) == Array(stored.utf8))
    }

    @Test(arguments: [("", "empty file"), ("From x\n", "empty file"), ("garbage\n", "not a message: it does not start with a header field"),
                      ("\nbody only\n", "not a message: it does not start with a header field"), (": no name\n", "not a message: it does not start with a header field")])
    func notAMessage(_ input: String, _ reason: String) {
        #expect(throws: MessageCheck.Refusal.self) { try MessageCheck.stored(Array(input.utf8)) }
        do {
            _ = try MessageCheck.stored(Array(input.utf8))
        } catch {
            #expect(error.reason("file") == reason)
        }
    }
}
