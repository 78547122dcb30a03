import Testing
import TestSupport

/// SELECT, EXAMINE, CLOSE, UNSELECT and APPEND on the wire.
@Suite struct SelectAppendWireTests {
    @Test func selectAnswersEverythingRev1Needs() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        try f.deliver(IMAPFixture.message("two"))
        let c = try f.client()
        let r = try c.send("SELECT INBOX")
        try #require(r.untagged.count == 8, "\(r)")
        #expect(r.untagged[0] == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        #expect(r.untagged[1] == "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted")
        #expect(r.untagged[2] == "* 2 EXISTS")
        #expect(r.untagged[3] == "* 2 RECENT")
        #expect(r.untagged[4] == "* OK [UNSEEN 1] First unseen")
        #expect(r.untagged[5].hasPrefix("* OK [UIDVALIDITY "))
        #expect(r.untagged[6] == "* OK [UIDNEXT 3] Predicted next UID")
        #expect(r.untagged[7].hasPrefix("* OK [MAILBOXID (F"))
        #expect(r.completion == "OK [READ-WRITE] SELECT completed")
        // \Recent went to the first session; a second one sees none.
        let d = try f.client()
        #expect(try d.send("EXAMINE INBOX").has("* 0 RECENT"))
        #expect(try d.send("EXAMINE INBOX").completion == "OK [READ-ONLY] EXAMINE completed")
    }

    @Test func selectInRev2AndWithCondstore() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        let c = try f.client()
        try c.send("ENABLE IMAP4rev2")
        let r = try c.send("SELECT INBOX")
        #expect(!r.untagged.contains { $0.contains("RECENT") || $0.contains("UNSEEN") })
        #expect(r.has("* LIST (\\HasNoChildren) \"/\" INBOX"))
        #expect(r.has("* 1 EXISTS"))
        let d = try f.client()
        let s = try d.send("SELECT INBOX (CONDSTORE)")
        #expect(s.untagged.contains { $0.hasPrefix("* OK [HIGHESTMODSEQ ") })
        // Selecting again closes the first one, which a CONDSTORE client is told.
        #expect(try d.send("SELECT Sent").untagged.first == "* OK [CLOSED] Previous mailbox closed")
    }

    @Test func closeExpungesSilentlyUnselectDoesNot() throws {
        let f = try IMAPFixture()
        for i in 1...3 { try f.deliver(IMAPFixture.message("m\(i)")) }
        let c = try f.client()
        try c.send("SELECT INBOX")
        try c.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try c.send("UNSELECT").completion == "OK UNSELECT completed")
        #expect(try c.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 3)"])
        try c.send("SELECT INBOX")
        let r = try c.send("CLOSE")
        #expect(r.untagged == [])
        #expect(r.completion == "OK CLOSE completed")
        #expect(try c.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 2)"])
        #expect(try c.send("CLOSE").completion == "BAD No mailbox selected")
        // EXAMINE then CLOSE removes nothing.
        try c.send("EXAMINE INBOX")
        #expect(try c.send("STORE 1 +FLAGS (\\Deleted)").completion == "NO [READ-ONLY] Mailbox is read-only")
        try c.send("CLOSE")
    }

    @Test func appendFlagsDateLiteralsAndUIDPLUS() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let message = IMAPFixture.message("appended")
        var r = try c.send("APPEND Sent (\\Seen $Forwarded) \" 5-Mar-2026 10:00:00 +0100\"", literal: Array(message.utf8))
        #expect(r.completion.hasPrefix("OK [APPENDUID "))
        #expect(r.completion.hasSuffix(" 1] APPEND completed"))
        r = try c.append(message, to: "Sent")
        #expect(r.completion.hasSuffix(" 2] APPEND completed"))
        try c.send("SELECT Sent")
        r = try c.send("FETCH 1:2 (FLAGS INTERNALDATE RFC822.SIZE)")
        #expect(r.untagged[0] == "* 1 FETCH (FLAGS (\\Seen \\Recent $Forwarded) INTERNALDATE \" 5-Mar-2026 09:00:00 +0000\" RFC822.SIZE \(message.utf8.count))")
        #expect(r.untagged[1].hasPrefix("* 2 FETCH (FLAGS (\\Recent) INTERNALDATE "))
        #expect(try c.send("FETCH 1 BODY.PEEK[]").untagged == ["* 1 FETCH (BODY[] {\(message.utf8.count)}\r\n\(message))"])
        // The keyword joined the mailbox's FLAGS for the next session.
        #expect(try f.client().send("EXAMINE Sent").untagged[0] == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)")
    }

    @Test func appendToSelectedMailboxAnnouncesExists() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.send("SELECT INBOX")
        let r = try c.append(IMAPFixture.message("x"))
        #expect(r.untagged == ["* 1 EXISTS", "* 1 RECENT"])
    }

    @Test func multiappendStoresAllOrNone() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let a = IMAPFixture.message("a"), b = IMAPFixture.message("b")
        let r = try c.send("APPEND INBOX {\(a.utf8.count)+}\r\n\(a) (\\Flagged) {\(b.utf8.count)+}\r\n\(b)")
        #expect(r.completion.hasSuffix(" 1:2] APPEND completed"))
        let bad = try c.send("APPEND INBOX {\(a.utf8.count)+}\r\n\(a) (\\Bogus) {\(b.utf8.count)+}\r\n\(b)")
        #expect(bad.completion == "BAD Invalid system flag \\Bogus")
        #expect(try c.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 2)"])
    }

    @Test func appendRefusals() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.append("x", to: "Nowhere").completion == "NO [TRYCREATE] Mailbox does not exist")
        // A synchronizing literal over APPENDLIMIT is refused before it is sent.
        try c.wire.send("big APPEND INBOX {60000000}\r\n")
        #expect(try c.wire.readLine() == "big NO [TOOBIG] Message too large")
        // A non-synchronizing one is read and dropped, and the connection goes on.
        let size = 52428801
        try c.wire.send("big2 APPEND INBOX {\(size)+}\r\n")
        try c.wire.send([UInt8](repeating: UInt8(ascii: "x"), count: size) + Array("\r\n".utf8))
        #expect(try c.reply("big2").completion == "NO [TOOBIG] Message too large")
        #expect(try c.send("NOOP").isOK)
        #expect(try c.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 0)"])
    }
}
