import Testing
import TestSupport

/// The tag of a reply, for the ESEARCH (TAG "...") it must carry.
private func tag(_ r: IMAPClient.Reply) -> String { String(r.tagged.split(separator: " ")[0]) }

/// PARTIAL (RFC 9394) on the wire: paged SEARCH and SORT results, paged UID FETCH.
@Suite struct PartialWireTests {
    /// Thirteen messages whose UIDs are not their sequence numbers (UIDs 2 and 5 were
    /// expunged), the smaller the higher the UID; UID 14 is \Deleted, 3 and 13 are $Junk:
    ///
    /// | seq | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 |
    /// |-----|---|---|---|---|---|---|---|---|---|----|----|----|----|
    /// | UID | 1 | 3 | 4 | 6 | 7 | 8 | 9 | 10| 11| 12 | 13 | 14 | 15 |
    ///
    /// UNDELETED matches UIDs 1,3,4,6:13,15 (12); UNDELETED UNKEYWORD $Junk 1,4,6:12,15 (10).
    func mailbox() throws -> (IMAPFixture, IMAPClient) {
        let f = try IMAPFixture()
        let c = try f.client()
        for i in 1...15 {
            let message = "Subject: message \(i)\r\n\r\n" + String(repeating: "x", count: (20 - i) * 10) + "\r\n"
            let r = try c.append(message)
            precondition(r.isOK, r.description)
        }
        try c.send("SELECT INBOX")
        try c.send("UID STORE 2,5 +FLAGS.SILENT (\\Deleted)")
        try c.send("EXPUNGE")
        try c.send("UID STORE 14 +FLAGS.SILENT (\\Deleted)")
        try c.send("UID STORE 3,13 +FLAGS.SILENT ($Junk)")
        return (f, c)
    }

    /// RFC 9394 §3.1: pages from the first result and from the last, ranges past the end
    /// (what is there, else NIL), the range repeated as it was asked for.
    @Test func searchPages() throws {
        let (_, c) = try mailbox()
        let cases: [(String, String)] = [
            ("UID SEARCH RETURN (PARTIAL 1:5) UNDELETED", "UID PARTIAL (1:5 1,3:4,6:7)"),
            ("UID SEARCH RETURN (PARTIAL 6:10) UNDELETED", "UID PARTIAL (6:10 8:12)"),
            ("UID SEARCH RETURN (PARTIAL 11:20) UNDELETED", "UID PARTIAL (11:20 13,15)"),
            ("UID SEARCH RETURN (PARTIAL 13:20) UNDELETED", "UID PARTIAL (13:20 NIL)"),
            ("UID SEARCH RETURN (PARTIAL 10:6) UNDELETED", "UID PARTIAL (10:6 8:12)"),
            ("UID SEARCH RETURN (PARTIAL -1:-3) UNDELETED UNKEYWORD $Junk", "UID PARTIAL (-1:-3 11:12,15)"),
            ("UID SEARCH RETURN (PARTIAL -3:-1) UNDELETED UNKEYWORD $Junk", "UID PARTIAL (-3:-1 11:12,15)"),
            ("UID SEARCH RETURN (PARTIAL -9:-20) UNDELETED UNKEYWORD $Junk", "UID PARTIAL (-9:-20 1,4)"),
            ("UID SEARCH RETURN (PARTIAL -11:-20) UNDELETED UNKEYWORD $Junk", "UID PARTIAL (-11:-20 NIL)"),
            ("SEARCH RETURN (PARTIAL 1:3) UNDELETED", "PARTIAL (1:3 1:3)"),
            ("SEARCH RETURN (PARTIAL -2:-1) UNDELETED", "PARTIAL (-2:-1 11,13)"),
            ("search return (partial 1:4294967295) keyword $junk", "PARTIAL (1:4294967295 2,11)"),
            ("UID SEARCH RETURN (PARTIAL 1:100) KEYWORD nothing", "UID PARTIAL (1:100 NIL)"),
        ]
        for (command, answer) in cases {
            let r = try c.send(command)
            #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") \(answer)"], "\(command)")
            #expect(r.isOK, "\(command)")
        }
    }

    /// PARTIAL with MIN, MAX and COUNT, which still describe every match (RFC 9394 §3.2).
    @Test func withOtherReturnOptions() throws {
        let (_, c) = try mailbox()
        var r = try c.send("UID SEARCH RETURN (COUNT PARTIAL -1:-2) UNDELETED")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID PARTIAL (-1:-2 13,15) COUNT 12"])
        r = try c.send("UID SEARCH RETURN (MIN MAX PARTIAL 3:4) UNDELETED")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID MIN 1 MAX 15 PARTIAL (3:4 4,6)"])
        r = try c.send("SEARCH RETURN (PARTIAL 1:10 COUNT MIN) KEYWORD nothing")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") PARTIAL (1:10 NIL) COUNT 0"])
        // RFC 4731 §3.2: MODSEQ is the highest of the messages returned, here the page's one.
        let fetched = try c.send("UID FETCH 4 (MODSEQ)").untagged[0]
        let modSeq = fetched.split(separator: "(").last!.split(separator: ")").first!
        r = try c.send("UID SEARCH RETURN (PARTIAL 3:3) MODSEQ 1")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID PARTIAL (3:3 4) MODSEQ \(modSeq)"])
    }

    /// RFC 9394 §3.2: SAVE keeps the page (with MIN and MAX, those too); with COUNT, every match.
    @Test func savedResults() throws {
        let (_, c) = try mailbox()
        var r = try c.send("UID SEARCH RETURN (SAVE PARTIAL -1:-2) UNDELETED")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID PARTIAL (-1:-2 13,15)"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 13 15"])
        r = try c.send("UID SEARCH RETURN (SAVE MIN PARTIAL -1:-1) UNDELETED UNKEYWORD $Junk")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID MIN 1 PARTIAL (-1:-1 15)"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 1 15"])
        r = try c.send("SEARCH RETURN (SAVE COUNT PARTIAL 1:1) UNDELETED")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") PARTIAL (1:1 1) COUNT 12"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 1 3 4 6 7 8 9 10 11 12 13 15"])
        r = try c.send("UID SEARCH RETURN (SAVE PARTIAL 50:60) ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID PARTIAL (50:60 NIL)"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH"])
    }

    /// ESORT (RFC 5267 as RFC 9394 updates it): the page is of the sorted results, in sort order.
    @Test func sortPages() throws {
        let (_, c) = try mailbox()
        let cases: [(String, String)] = [
            ("UID SORT RETURN (PARTIAL 1:1) (SIZE) UTF-8 UNDELETED", "UID PARTIAL (1:1 15)"),
            ("UID SORT RETURN (PARTIAL 2:4) (SIZE) UTF-8 UNDELETED", "UID PARTIAL (2:4 13,12,11)"),
            ("UID SORT RETURN (PARTIAL -2:-1) (SIZE) UTF-8 UNDELETED", "UID PARTIAL (-2:-1 3,1)"),
            ("UID SORT RETURN (PARTIAL 1:3) (REVERSE SIZE) UTF-8 UNDELETED", "UID PARTIAL (1:3 1,3:4)"),
            ("SORT RETURN (PARTIAL 2:3) (SIZE) UTF-8 UNDELETED", "PARTIAL (2:3 11,10)"),
            ("SORT RETURN (MIN COUNT PARTIAL 12:20) (SIZE) UTF-8 UNDELETED", "MIN 13 PARTIAL (12:20 1) COUNT 12"),
            ("SORT RETURN (PARTIAL 13:20) (SIZE) UTF-8 UNDELETED", "PARTIAL (13:20 NIL)"),
        ]
        for (command, answer) in cases {
            let r = try c.send(command)
            #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") \(answer)"], "\(command)")
            #expect(r.completion.hasSuffix("SORT completed"), "\(command)")
        }
        let r = try c.send("SORT RETURN (SAVE PARTIAL 1:2) (SIZE) UTF-8 UNDELETED")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") PARTIAL (1:2 13,11)"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 13 15"])
    }

    /// RFC 9394 §3.3: the PARTIAL FETCH modifier answers for that range of the messages
    /// the set names, in mailbox order; only those get \Seen.
    @Test func fetchPages() throws {
        let (_, c) = try mailbox()
        var r = try c.send("UID FETCH 4:14 (UID FLAGS) (PARTIAL -1:-3)")
        #expect(r.untagged == [
            "* 10 FETCH (UID 12 FLAGS (\\Recent))",
            "* 11 FETCH (UID 13 FLAGS (\\Recent $Junk))",
            "* 12 FETCH (UID 14 FLAGS (\\Deleted \\Recent))",
        ])
        #expect(r.completion == "OK UID FETCH completed")
        #expect(try c.send("UID FETCH 1:* (UID) (PARTIAL 1:2)").untagged == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)"])
        #expect(try c.send("UID FETCH 1:* (UID) (partial 12:20)").untagged == ["* 12 FETCH (UID 14)", "* 13 FETCH (UID 15)"])
        r = try c.send("UID FETCH 1:* (UID) (PARTIAL 20:30)")
        #expect(r.untagged == [])
        #expect(r.completion == "OK UID FETCH completed")
        #expect(try c.send("FETCH 2:* (UID) (PARTIAL -1:-1)").untagged == ["* 13 FETCH (UID 15)"])
        #expect(try c.send("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)]) (PARTIAL 2:2)").untagged
            == ["* 2 FETCH (UID 3 BODY[HEADER.FIELDS (SUBJECT)] {22}\r\nSubject: message 3\r\n\r\n)"])
        try c.send("UID FETCH 1:* (BODY[TEXT]) (PARTIAL 1:1)")
        #expect(try c.send("UID SEARCH SEEN").untagged == ["* SEARCH 1"])
    }

    /// RFC 9394 §3.4: with CHANGEDSINCE the range is of the messages changed since, and the
    /// two modifiers come in either order.
    @Test func fetchPagesChangedSince() throws {
        let (_, c) = try mailbox()
        let status = try c.send("STATUS INBOX (HIGHESTMODSEQ)").untagged[0]
        let since = UInt64(status.split(separator: " ").last!.dropLast())!
        for uid in [3, 7, 9, 11] { try c.send("UID STORE \(uid) +FLAGS.SILENT (\\Flagged)") }
        var r = try c.send("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(since) PARTIAL -1:-2)")
        #expect(r.untagged.count == 2)
        #expect(r.untagged[0].hasPrefix("* 7 FETCH (UID 9 FLAGS (\\Flagged \\Recent) MODSEQ ("))
        #expect(r.untagged[1].hasPrefix("* 9 FETCH (UID 11 FLAGS (\\Flagged \\Recent) MODSEQ ("))
        r = try c.send("UID FETCH 1:* (FLAGS) (PARTIAL 1:1 CHANGEDSINCE \(since))")
        #expect(r.untagged.count == 1)
        #expect(r.untagged[0].hasPrefix("* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent $Junk) MODSEQ ("))
        r = try c.send("UID FETCH 8:* (FLAGS) (PARTIAL 3:10 CHANGEDSINCE \(since))")
        #expect(r.untagged == [])
        #expect(r.isOK)
    }

    /// RFC 9394 §3.1 and §4: one PARTIAL or one ALL; ranges of nz-numbers, both from the
    /// same end, no `*`; anything else is a tagged BAD and the session goes on.
    @Test func refusedRanges() throws {
        let (_, c) = try mailbox()
        for command in [
            "UID SEARCH RETURN (PARTIAL 1:5 ALL) UNDELETED",
            "UID SEARCH RETURN (ALL PARTIAL 1:5) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 1:5 PARTIAL 6:9) UNDELETED",
            "UID SEARCH RETURN (PARTIAL) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 0:5) UNDELETED",
            "UID SEARCH RETURN (PARTIAL -1:5) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 1:-5) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 1:*) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 5) UNDELETED",
            "UID SEARCH RETURN (PARTIAL 1:4294967296) UNDELETED",
            "SORT RETURN (PARTIAL 1:5 ALL) (SIZE) UTF-8 ALL",
            "SORT RETURN (PARTIAL -0:-5) (SIZE) UTF-8 ALL",
            "UID FETCH 1:* (FLAGS) (PARTIAL 1:2 PARTIAL 3:4)",
            "UID FETCH 1:* (FLAGS) (PARTIAL)",
            "UID FETCH 1:* (FLAGS) (PARTIAL -5:0)",
            "UID FETCH 1:* (FLAGS) (PARTIAL 4294967296:1)",
        ] {
            let r = try c.send(command)
            #expect(r.status == "BAD", "\(command)")
            #expect(r.untagged == [], "\(command)")
        }
        #expect(try c.send("UID SEARCH RETURN (PARTIAL 1:1) ALL").isOK)
    }
}
