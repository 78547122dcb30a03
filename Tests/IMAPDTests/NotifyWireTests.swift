import Foundation
import Testing
import TestSupport

/// NOTIFY (RFC 5465) on the wire: a client told of changes without asking, between
/// commands, for the selected mailbox and the rest of its account.
@Suite struct NotifyWireTests {
    /// The next unsolicited response, waiting at most a few seconds for it.
    static func next(_ c: IMAPClient) throws -> String {
        c.wire.timeout = 5
        return try c.readResponse()
    }

    @Test func otherMailboxesByStatusAndTheListByLIST() throws {
        let f = try IMAPFixture()
        let a = try f.client(), b = try f.client()
        #expect(try a.send("CAPABILITY").untagged[0].contains(" NOTIFY "))
        let set = try a.send("NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))")
        #expect(set.completion == "OK NOTIFY completed")
        // SET STATUS: every mailbox's STATUS at once.
        let inbox = try #require(set.untagged.first { $0.hasPrefix("* STATUS INBOX ") }, "\(set)")
        #expect(inbox.hasPrefix("* STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY "))
        #expect(set.untagged.contains { $0.hasPrefix("* STATUS Sent (MESSAGES 0 ") })

        try b.append(IMAPFixture.message("one"), to: "Sent")
        let sent = try NotifyWireTests.next(a)
        #expect(sent.hasPrefix("* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ") && sent.hasSuffix(" UNSEEN 1)"), "\(sent)")
        try b.send("SELECT Sent")
        try b.send("STORE 1 +FLAGS (\\Seen)")
        #expect(try NotifyWireTests.next(a).hasSuffix(" UNSEEN 0)"))

        try b.send("CREATE Work")
        #expect(try NotifyWireTests.next(a) == "* LIST () \"/\" Work")
        try b.send("RENAME Work Play")
        let renamed = try NotifyWireTests.next(a)
        #expect(renamed == "* LIST () \"/\" Play (\"OLDNAME\" (Work))")
        try b.send("SUBSCRIBE Play")
        #expect(try NotifyWireTests.next(a) == "* LIST (\\Subscribed) \"/\" Play")
        try b.send("UNSUBSCRIBE Play")
        #expect(try NotifyWireTests.next(a) == "* LIST () \"/\" Play")
        try b.send("DELETE Play")
        #expect(try NotifyWireTests.next(a) == "* LIST (\\NonExistent) \"/\" Play")

        // A delivery by another process (`roost deliver`) is told too.
        try f.deliver(IMAPFixture.message("external"))
        #expect(try NotifyWireTests.next(a).hasPrefix("* STATUS INBOX (MESSAGES 1 UIDNEXT 2 "))

        // NOTIFY NONE: silence; the next command's answer is all that comes.
        try a.send("NOTIFY NONE")
        try b.append(IMAPFixture.message("two"), to: "Sent")
        #expect(try a.send("NOOP").untagged == [])
    }

    @Test func selectedMailboxWithFetchOfNewMessages() throws {
        let f = try IMAPFixture()
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        #expect(try a.send("NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange)) (inboxes NONE)").isOK)
        try f.lmtpDeliver(IMAPFixture.message("pushed"))
        var lines: [String] = []
        while !lines.contains(where: { $0.contains(" FETCH ") }) { lines.append(try NotifyWireTests.next(a)) }
        #expect(lines.contains("* 1 EXISTS"))
        #expect(lines.last == "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (Subject)] {19}\r\nSubject: pushed\r\n\r\n)")
        try b.send("SELECT INBOX")
        try b.send("STORE 1 +FLAGS (\\Flagged)")
        #expect(try NotifyWireTests.next(a).hasPrefix("* 1 FETCH (UID 1 FLAGS (\\Flagged"))
        try b.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try NotifyWireTests.next(a).hasPrefix("* 1 FETCH (UID 1 FLAGS ("))
        try b.send("EXPUNGE")
        // SELECTED (not SELECTED-DELAYED): the expunge is told at once.
        #expect(try NotifyWireTests.next(a) == "* 1 EXPUNGE")
        #expect(try a.send("NOOP").isOK)
    }

    @Test func delayedExpungesWaitForACommand() throws {
        let f = try IMAPFixture()
        for i in 1...2 { try f.deliver(IMAPFixture.message("m\(i)")) }
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        try a.send("NOTIFY SET (selected-delayed (MessageNew MessageExpunge))")
        try b.send("SELECT INBOX")
        try b.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        try b.send("EXPUNGE")
        try b.append(IMAPFixture.message("m3"), to: "INBOX")
        // The expunge waits for a command that allows it: not FETCH, but NOOP.
        let fetch = try a.send("FETCH 1:* (UID)")
        #expect(!fetch.untagged.contains("* 1 EXPUNGE"))
        #expect(try a.send("NOOP").untagged.contains("* 1 EXPUNGE"))
    }

    @Test func refusals() throws {
        let f = try IMAPFixture()
        let a = try f.client()
        #expect(try a.send("NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))").completion
            == "NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Event not supported")
        #expect(try a.send("NOTIFY SET (personal (MessageNew))").completion == "BAD MessageNew and MessageExpunge go together, and FlagChange needs them")
        #expect(try a.send("NOTIFY SET (personal (MessageNew (UID) MessageExpunge))").completion
            == "BAD MessageNew takes FETCH attributes only for the selected mailbox")
        #expect(try a.send("NOTIFY SET (everywhere (MessageNew MessageExpunge))").completion == "BAD Unknown NOTIFY mailbox filter everywhere")
        #expect(try a.send("NOTIFY SET (subtree (Archive ~bob) (MessageNew MessageExpunge))").isOK)
    }
}
