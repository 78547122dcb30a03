import Testing
import TestSupport

/// CREATE, DELETE, RENAME, SUBSCRIBE, LIST in its forms, LSUB, XLIST, STATUS on the wire.
@Suite struct MailboxWireTests {
    static let standardList = [
        "* LIST (\\HasNoChildren) \"/\" INBOX",
        "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
        "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
        "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
        "* LIST (\\HasNoChildren \\Trash) \"/\" Trash",
    ]

    @Test func listOfANewAccount() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let r = try c.send("LIST \"\" *")
        #expect(r.untagged == Self.standardList)
        #expect(r.completion == "OK LIST completed")
        #expect(try c.send("LIST \"\" \"\"").untagged == ["* LIST (\\Noselect) \"/\" \"\""])
    }

    @Test func createHierarchyAndWildcards() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let created = try c.send("CREATE Projects/2026/Q1").completion
        #expect(created.hasPrefix("OK [MAILBOXID (F") && created.hasSuffix(")] CREATE completed"))
        #expect(try c.send("CREATE Archive/").isOK)  // a trailing separator is dropped
        #expect(try c.send("CREATE Projects").completion == "NO [ALREADYEXISTS] Mailbox already exists")
        #expect(try c.send("CREATE inbox").completion == "NO [ALREADYEXISTS] INBOX always exists")
        #expect(try c.send("LIST \"\" %").untagged == [
            "* LIST (\\HasNoChildren) \"/\" INBOX",
            "* LIST (\\HasNoChildren) \"/\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
            "* LIST (\\HasChildren) \"/\" Projects",
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \"/\" Trash",
        ])
        #expect(try c.send("LIST Projects/ %").untagged == ["* LIST (\\HasChildren) \"/\" Projects/2026"])
        #expect(try c.send("LIST \"\" Projects/*").untagged == [
            "* LIST (\\HasChildren) \"/\" Projects/2026", "* LIST (\\HasNoChildren) \"/\" Projects/2026/Q1",
        ])
        #expect(try c.send("LIST \"\" *Q%").untagged == ["* LIST (\\HasNoChildren) \"/\" Projects/2026/Q1"])
        #expect(try c.send("LIST \"\" inbox").untagged == ["* LIST (\\HasNoChildren) \"/\" INBOX"])
    }

    @Test func deleteKeepsChildrenAndRefusesInbox() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.send("CREATE Work/Old")
        #expect(try c.send("DELETE Work").completion == "OK DELETE completed")
        // The parent is gone but its child stays: "%" shows the level, not selectable;
        // "*" shows only mailboxes (RFC 3501 §6.3.9).
        #expect(try c.send("LIST \"\" Work%").untagged == ["* LIST (\\Noselect \\HasChildren) \"/\" Work"])
        #expect(try c.send("LIST \"\" Work*").untagged == ["* LIST (\\HasNoChildren) \"/\" Work/Old"])
        #expect(try c.send("LIST (SUBSCRIBED) \"\" Work*").untagged == [])
        #expect(try c.send("DELETE INBOX").completion == "NO [CANNOT] INBOX cannot be deleted")
        #expect(try c.send("DELETE Nope").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try c.send("SELECT Work").completion == "NO [NONEXISTENT] No such mailbox")
    }

    @Test func renameMovesChildrenAndInboxRenameMovesMessages() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        try f.deliver(IMAPFixture.message("two"))
        let c = try f.client()
        try c.send("CREATE Work/Reports")
        #expect(try c.send("RENAME Work Job").completion == "OK RENAME completed")
        #expect(try c.send("LIST \"\" Job*").untagged == [
            "* LIST (\\HasChildren) \"/\" Job", "* LIST (\\HasNoChildren) \"/\" Job/Reports",
        ])
        #expect(try c.send("RENAME Nope Other").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try c.send("RENAME Job Sent").completion == "NO [ALREADYEXISTS] Mailbox already exists")
        #expect(try c.send("RENAME INBOX Old-Inbox").isOK)
        #expect(try c.send("STATUS Old-Inbox (MESSAGES)").untagged == ["* STATUS Old-Inbox (MESSAGES 2)"])
        #expect(try c.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 0)"])
    }

    @Test func subscriptionsAndLsub() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.send("CREATE Lists/Swift")
        try c.send("CREATE Lists/Rust")
        #expect(try c.send("SUBSCRIBE Lists/Swift").completion == "OK SUBSCRIBE completed")
        #expect(try c.send("UNSUBSCRIBE Junk").completion == "OK UNSUBSCRIBE completed")
        #expect(try c.send("LSUB \"\" *").untagged == [
            "* LSUB () \"/\" INBOX", "* LSUB () \"/\" Drafts", "* LSUB () \"/\" Lists/Swift", "* LSUB () \"/\" Sent", "* LSUB () \"/\" Trash",
        ])
        // "%" stops at the separator: the unsubscribed parent shows, not selectable (RFC 3501 §6.3.9).
        #expect(try c.send("LSUB \"\" Lists%").untagged == ["* LSUB (\\Noselect) \"/\" Lists"])
        #expect(try c.send("LIST (SUBSCRIBED) \"\" Lists*").untagged == ["* LIST (\\HasNoChildren \\Subscribed) \"/\" Lists/Swift"])
        #expect(try c.send("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %").untagged.contains(
            "* LIST (\\HasChildren) \"/\" Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))"))
        #expect(try c.send("LIST \"\" Lists/% RETURN (SUBSCRIBED)").untagged == [
            "* LIST (\\HasNoChildren) \"/\" Lists/Rust", "* LIST (\\HasNoChildren \\Subscribed) \"/\" Lists/Swift",
        ])
        // A subscription may name a mailbox that does not exist (yet).
        #expect(try c.send("SUBSCRIBE Later").isOK)
        #expect(try c.send("LIST (SUBSCRIBED) \"\" Later").untagged == ["* LIST (\\NonExistent \\Subscribed) \"/\" Later"])
    }

    @Test func specialUseCreateListAndXlist() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.send("CREATE Archive (USE (\\Archive))").isOK)
        #expect(try c.send("CREATE Bogus (USE (\\Bogus))").completion == "NO [USEATTR] \\Bogus is not a special-use attribute")
        #expect(try c.send("LIST (SPECIAL-USE) \"\" *").untagged == [
            "* LIST (\\HasNoChildren \\Archive) \"/\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \"/\" Trash",
        ])
        #expect(try c.send("XLIST \"\" *").untagged == [
            "* XLIST (\\HasNoChildren \\Inbox) \"/\" INBOX",
            "* XLIST (\\HasNoChildren \\Archive) \"/\" Archive",
            "* XLIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
            "* XLIST (\\HasNoChildren \\Spam) \"/\" Junk",
            "* XLIST (\\HasNoChildren \\Sent) \"/\" Sent",
            "* XLIST (\\HasNoChildren \\Trash) \"/\" Trash",
        ])
    }

    @Test func listStatusAndStatus() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        let c = try f.client()
        let r = try c.send("LIST \"\" (INBOX Sent) RETURN (STATUS (MESSAGES UNSEEN SIZE))")
        #expect(r.untagged.count == 4)
        #expect(r.untagged[0] == "* LIST (\\HasNoChildren) \"/\" INBOX")
        #expect(r.untagged[1].hasPrefix("* STATUS INBOX (MESSAGES 1 UNSEEN 1 SIZE "))
        #expect(r.untagged[3] == "* STATUS Sent (MESSAGES 0 UNSEEN 0 SIZE 0)")
        let s = try c.send("STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN DELETED HIGHESTMODSEQ APPENDLIMIT)")
        #expect(s.untagged.count == 1)
        #expect(s.untagged[0].hasPrefix("* STATUS INBOX (MESSAGES 1 RECENT 1 UIDNEXT 2 UNSEEN 1 DELETED 0 HIGHESTMODSEQ "))
        #expect(s.untagged[0].hasSuffix(" APPENDLIMIT 52428800)"))
        #expect(try c.send("STATUS Nope (MESSAGES)").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try c.send("STATUS INBOX (BOGUS)").completion == "BAD Unknown STATUS item BOGUS")
    }

    /// Modified UTF-7 names (RFC 3501 §5.1.3) and UTF-8 once IMAP4rev2 is enabled.
    @Test func internationalNames() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.send("CREATE \"Entw&APw-rfe\"").isOK)
        #expect(try c.send("CREATE \"AT&-T\"").isOK)
        #expect(try c.send("CREATE \"Bad&Jjo\"").completion == "NO [CANNOT] Mailbox name is not valid modified UTF-7")
        #expect(try c.send("LIST \"\" Entw*").untagged == ["* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe"])
        #expect(try c.send("LIST \"\" AT*").untagged == ["* LIST (\\HasNoChildren) \"/\" AT&-T"])
        let d = try f.client()
        try d.send("ENABLE IMAP4rev2")
        #expect(try d.send("LIST \"\" Entw*").untagged == ["* LIST (\\HasNoChildren) \"/\" \"Entwürfe\""])
        #expect(try d.send("SELECT \"Entwürfe\"").isOK)
    }

    @Test(arguments: ["a/../b", "a//b", "~bob/INBOX", "/abs"])
    func invalidNames(name: String) throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let r = try c.send("CREATE \"\(name)\"")
        #expect(r.status == "NO")
        #expect(try c.send("LIST \"\" *").untagged == Self.standardList)
    }
}
