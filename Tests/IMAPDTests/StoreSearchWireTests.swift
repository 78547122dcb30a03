import Testing
import TestSupport

/// STORE, SEARCH, COPY, MOVE, EXPUNGE and UID EXPUNGE on the wire.
@Suite struct StoreSearchWireTests {
    func mailbox(_ count: Int = 5) throws -> (IMAPFixture, IMAPClient) {
        let f = try IMAPFixture()
        for i in 1...count { try f.deliver(IMAPFixture.message("message \(i)", body: "Body number \(i).")) }
        let c = try f.client()
        try c.send("SELECT INBOX")
        return (f, c)
    }

    @Test func storeForms() throws {
        let (_, c) = try mailbox(3)
        var r = try c.send("STORE 1 +FLAGS (\\Seen $Label1)")
        #expect(r.untagged == ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)",
                               "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags permitted",
                               "* 1 FETCH (FLAGS (\\Seen \\Recent $Label1))"])
        #expect(r.completion == "OK STORE completed")
        r = try c.send("STORE 1:2 -FLAGS (\\Seen)")
        #expect(r.untagged == ["* 1 FETCH (FLAGS (\\Recent $Label1))", "* 2 FETCH (FLAGS (\\Recent))"])
        r = try c.send("UID STORE 2 FLAGS (\\Flagged \\Answered)")
        #expect(r.untagged == ["* 2 FETCH (UID 2 FLAGS (\\Answered \\Flagged \\Recent))"])
        r = try c.send("STORE 3 +FLAGS.SILENT (\\Deleted)")
        #expect(r.untagged == [])
        #expect(try c.send("STORE 3 +FLAGS (\\Bogus)").completion == "BAD Invalid system flag \\Bogus")
        #expect(try c.send("FETCH 1:3 FLAGS").untagged == [
            "* 1 FETCH (FLAGS (\\Recent $Label1))", "* 2 FETCH (FLAGS (\\Answered \\Flagged \\Recent))", "* 3 FETCH (FLAGS (\\Deleted \\Recent))",
        ])
    }

    @Test func conditionalStore() throws {
        let (_, c) = try mailbox(2)
        let status = try c.send("STATUS INBOX (HIGHESTMODSEQ)").untagged[0]
        let modseq = UInt64(status.split(separator: " ").last!.dropLast())!
        var r = try c.send("STORE 1:2 (UNCHANGEDSINCE \(modseq)) +FLAGS (\\Flagged)")
        #expect(r.isOK)
        #expect(r.untagged.count == 2)
        #expect(r.untagged[0].hasPrefix("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ ("))
        r = try c.send("STORE 1 (UNCHANGEDSINCE \(modseq)) +FLAGS (\\Seen)")
        #expect(r.completion == "OK [MODIFIED 1] Conditional STORE failed")
    }

    @Test func searchKeys() throws {
        let (f, c) = try mailbox(5)
        _ = f
        try c.send("STORE 2,4 +FLAGS (\\Seen)")
        try c.send("STORE 5 +FLAGS (\\Flagged $Work)")
        let cases: [(String, String)] = [
            ("ALL", "* SEARCH 1 2 3 4 5"),
            ("SEEN", "* SEARCH 2 4"),
            ("UNSEEN", "* SEARCH 1 3 5"),
            ("FLAGGED KEYWORD $Work", "* SEARCH 5"),
            ("UNKEYWORD $Work", "* SEARCH 1 2 3 4"),
            ("NOT SEEN NOT FLAGGED", "* SEARCH 1 3"),
            ("OR 1 5", "* SEARCH 1 5"),
            ("2:3", "* SEARCH 2 3"),
            ("UID 4:*", "* SEARCH 4 5"),
            ("SUBJECT \"message 3\"", "* SEARCH 3"),
            ("subject MESSAGE", "* SEARCH 1 2 3 4 5"),
            ("FROM sender@example.org", "* SEARCH 1 2 3 4 5"),
            ("TO nobody", "* SEARCH"),
            ("HEADER Message-ID message.4", "* SEARCH 4"),
            ("HEADER X-Nothing \"\"", "* SEARCH"),
            ("BODY \"number 2\"", "* SEARCH 2"),
            ("TEXT \"MESSAGE 1\"", "* SEARCH 1"),
            ("LARGER 1", "* SEARCH 1 2 3 4 5"),
            ("SMALLER 10", "* SEARCH"),
            ("SENTON 1-Dec-2026", "* SEARCH 1 2 3 4 5"),
            ("SENTBEFORE 1-Dec-2026", "* SEARCH"),
            ("SINCE 1-Jan-2020 BEFORE 1-Jan-2100", "* SEARCH 1 2 3 4 5"),
            ("RECENT", "* SEARCH 1 2 3 4 5"),
            ("NEW", "* SEARCH 1 3 5"),
            ("OLD", "* SEARCH"),
            ("(OR SEEN FLAGGED) (NOT 4)", "* SEARCH 2 5"),
            ("CHARSET UTF-8 BODY number", "* SEARCH 1 2 3 4 5"),
        ]
        for (key, expected) in cases {
            let r = try c.send("SEARCH \(key)")
            #expect(r.untagged == [expected], "SEARCH \(key)")
            #expect(r.isOK)
        }
        #expect(try c.send("UID SEARCH SEEN").untagged == ["* SEARCH 2 4"])
        #expect(try c.send("SEARCH CHARSET KLINGON ALL").completion == "NO [BADCHARSET (UTF-8 US-ASCII)] Unknown charset")
        #expect(try c.send("SEARCH FROBNICATE").completion == "BAD Unknown search key FROBNICATE")
    }

    @Test func searchCharsetsAndCaseFolding() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("=?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=", body: "Stra\u{00DF}e", extraHeaders: "Content-Type: text/plain; charset=utf-8\r\n"))
        try f.deliver(IMAPFixture.message("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", body: "plain"))
        let c = try f.client()
        try c.send("SELECT INBOX")
        #expect(try c.send("SEARCH CHARSET UTF-8 SUBJECT \"GRÜSSE\"").untagged == ["* SEARCH 1"])
        #expect(try c.send("SEARCH CHARSET UTF-8 SUBJECT köln").untagged == ["* SEARCH 1"])
        #expect(try c.send("SEARCH CHARSET UTF-8 BODY STRASSE").untagged == ["* SEARCH 1"])
        #expect(try c.send("SEARCH CHARSET UTF-8 SUBJECT 日本語").untagged == ["* SEARCH 2"])
        // The search string in a legacy charset: "Köln" in ISO-8859-1, as a literal.
        let r = try c.send("SEARCH CHARSET ISO-8859-1 SUBJECT", literal: [0x4B, 0xF6, 0x6C, 0x6E])
        #expect(r.untagged == ["* SEARCH 1"])
    }

    @Test func esearchAndSavedResults() throws {
        let (_, c) = try mailbox(6)
        try c.send("STORE 2:4 +FLAGS (\\Seen)")
        var r = try c.send("SEARCH RETURN (MIN MAX COUNT) SEEN")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") MIN 2 MAX 4 COUNT 3"])
        r = try c.send("UID SEARCH RETURN () UNSEEN")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") UID ALL 1,5:6"])
        r = try c.send("SEARCH RETURN (COUNT) KEYWORD nothing")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") COUNT 0"])
        // SAVE alone answers nothing; $ then names the result.
        r = try c.send("SEARCH RETURN (SAVE) SEEN")
        #expect(r.untagged == [])
        #expect(try c.send("FETCH $ (UID)").untagged == ["* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)"])
        #expect(try c.send("UID STORE $ +FLAGS.SILENT (\\Flagged)").isOK)
        #expect(try c.send("SEARCH FLAGGED").untagged == ["* SEARCH 2 3 4"])
        #expect(try c.send("SEARCH $ UID 3:*").untagged == ["* SEARCH 3 4"])
    }

    /// UNSEEN and DELETED are answered from the store's indexes of those messages: they
    /// must follow every change, by sequence number and by UID, after expunges too.
    @Test func unseenAndDeletedFollowEveryChange() throws {
        let (_, c) = try mailbox(8)
        try c.send("STORE 2:3,6 +FLAGS.SILENT (\\Seen)")
        try c.send("STORE 3:5 +FLAGS.SILENT (\\Deleted \\Flagged)")
        #expect(try c.send("SEARCH UNSEEN").untagged == ["* SEARCH 1 4 5 7 8"])
        #expect(try c.send("SEARCH DELETED").untagged == ["* SEARCH 3 4 5"])
        try c.send("STORE 4 -FLAGS.SILENT (\\Deleted)")
        try c.send("STORE 1 FLAGS.SILENT (\\Seen \\Deleted)")
        #expect(try c.send("SEARCH DELETED").untagged == ["* SEARCH 1 3 5"])
        #expect(try c.send("SEARCH UNSEEN").untagged == ["* SEARCH 4 5 7 8"])
        #expect(try c.send("STATUS INBOX (UNSEEN)").untagged == ["* STATUS INBOX (UNSEEN 4)"])
        #expect(try c.send("EXPUNGE").untagged == ["* 5 EXPUNGE", "* 3 EXPUNGE", "* 1 EXPUNGE"])
        #expect(try c.send("UID SEARCH UNSEEN").untagged == ["* SEARCH 4 7 8"])
        #expect(try c.send("SEARCH UNSEEN").untagged == ["* SEARCH 2 4 5"])
        #expect(try c.send("SEARCH DELETED").untagged == ["* SEARCH"])
        #expect(try c.send("UID SEARCH UID 5:8 UNSEEN").untagged == ["* SEARCH 7 8"])
    }

    /// RFC 5182 §2.4 and RFC 4731 §3.2: SAVE keeps, and MODSEQ describes, what the answer
    /// stands for: MIN or MAX alone those messages, with COUNT every match.
    @Test func savedResultsAndModSeqFollowTheAnswer() throws {
        let (_, c) = try mailbox(4)
        try c.send("STORE 4 +FLAGS (\\Flagged)")
        func modSeq(_ n: Int) throws -> String {
            String(try c.send("FETCH \(n) (MODSEQ)").untagged[0].split(separator: "(").last!.split(separator: ")").first!)
        }
        let first = try modSeq(1), last = try modSeq(4)
        #expect(first != last)
        var r = try c.send("SEARCH RETURN (MIN SAVE) MODSEQ 1")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") MIN 1 MODSEQ \(first)"])
        #expect(try c.send("SEARCH $").untagged == ["* SEARCH 1"])
        r = try c.send("SEARCH RETURN (MIN COUNT SAVE) MODSEQ 1")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") MIN 1 COUNT 4 MODSEQ \(last)"])
        #expect(try c.send("SEARCH $").untagged == ["* SEARCH 1 2 3 4"])
    }

    @Test func rev2SearchAnswersWithESearch() throws {
        let (_, c) = try mailbox(3)
        try c.send("UNSELECT")
        try c.send("ENABLE IMAP4rev2")
        try c.send("SELECT INBOX")
        let r = try c.send("SEARCH 2:*")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(r.tagged.split(separator: " ")[0])\") ALL 2:3"])
    }

    @Test func copyAndMoveWithCopyUID() throws {
        let (_, c) = try mailbox(4)
        try c.send("CREATE Archive")
        var r = try c.send("COPY 1:2 Archive")
        #expect(r.completion.hasPrefix("OK [COPYUID "))
        #expect(r.completion.hasSuffix(" 1:2 1:2] COPY completed"))
        r = try c.send("UID MOVE 3:4 Archive")
        #expect(r.untagged.count == 3)
        #expect(r.untagged[0].hasPrefix("* OK [COPYUID "))
        #expect(r.untagged[0].hasSuffix(" 3:4 3:4] Moved UIDs"))
        #expect(Array(r.untagged[1...]) == ["* 4 EXPUNGE", "* 3 EXPUNGE"])
        #expect(r.completion == "OK UID MOVE completed")
        #expect(try c.send("COPY 1 Nowhere").completion == "NO [TRYCREATE] Mailbox does not exist")
        #expect(try c.send("MOVE 1 INBOX").completion == "NO [CANNOT] Cannot move messages to the same mailbox")
        #expect(try c.send("STATUS Archive (MESSAGES)").untagged == ["* STATUS Archive (MESSAGES 4)"])
        // Copies share the bytes but have their own flags.
        try c.send("SELECT Archive")
        try c.send("STORE 1 +FLAGS (\\Flagged)")
        try c.send("SELECT INBOX")
        #expect(try c.send("FETCH 1 FLAGS").untagged == ["* 1 FETCH (FLAGS ())"])
    }

    @Test func expungeAndUIDExpunge() throws {
        let (_, c) = try mailbox(6)
        try c.send("STORE 2,3,5,6 +FLAGS.SILENT (\\Deleted)")
        var r = try c.send("UID EXPUNGE 5:6")
        #expect(r.untagged == ["* 6 EXPUNGE", "* 5 EXPUNGE"])
        r = try c.send("EXPUNGE")
        #expect(r.untagged == ["* 3 EXPUNGE", "* 2 EXPUNGE"])
        #expect(r.completion == "OK EXPUNGE completed")
        #expect(try c.send("FETCH 1:* UID").untagged == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 4)"])
        #expect(try c.send("EXPUNGE").untagged == [])
    }
}
