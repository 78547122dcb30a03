import Testing
import TestSupport

/// A message from header lines and a body; the INTERNALDATE is `arrival` when given.
private func append(_ c: IMAPClient, _ headers: [String], body: String = "Hello.", arrival: String? = nil) throws {
    let message = headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    let date = arrival.map { "\"\($0)\" " } ?? ""
    let r = try c.send("APPEND INBOX \(date){\(message.utf8.count)+}\r\n\(message)")
    precondition(r.isOK, r.description)
}

/// The tag of a reply, for the ESEARCH (TAG "...") it must carry.
private func tag(_ r: IMAPClient.Reply) -> String { String(r.tagged.split(separator: " ")[0]) }

/// SORT, UID SORT and ESORT on the wire (RFC 5256 §3, RFC 5957, RFC 5267).
@Suite struct SortWireTests {
    /// Five messages whose keys order differently:
    ///
    /// | # | subject           | from (display, mailbox) | to          | cc   | sent (UTC)   | arrival | body  |
    /// |---|-------------------|-------------------------|-------------|------|--------------|---------|-------|
    /// | 1 | Re: Lunch         | Zoe Zed, zed            | bob         |      | 1 Dec 10:00  | 5 Dec   | 100   |
    /// | 2 | lunch             | -, adam                 | Carol       | dave | 1 Dec 09:00  | 1 Dec   | 3000  |
    /// | 3 | [team] Budget     | Émile, aaron            | alice       | bob  | none: 2 Dec 08:00 | 2 Dec | 500 |
    /// | 4 | Fwd: budget (fwd) | Bob, bob                | alice       |      | 1 Dec 04:00  | 3 Dec   | 10000 |
    /// | 5 | Zebra             | Anna, anna              | Aaron (zed) | carl | 2 Dec 07:00  | 4 Dec   | 1000  |
    func mailbox() throws -> (IMAPFixture, IMAPClient) {
        let f = try IMAPFixture()
        let c = try f.client()
        try append(c, ["From: Zoe Zed <zed@x.test>", "To: bob@y.test", "Subject: Re: Lunch", "Date: Tue, 01 Dec 2026 10:00:00 +0000"],
                   body: String(repeating: "a", count: 100), arrival: "05-Dec-2026 10:00:00 +0000")
        try append(c, ["From: adam@x.test", "To: Carol <carol@y.test>", "Cc: dave@z.test", "Subject: lunch",
                       "Date: Tue, 01 Dec 2026 11:00:00 +0200"],
                   body: String(repeating: "b", count: 3000), arrival: "01-Dec-2026 10:00:00 +0000")
        try append(c, ["From: =?UTF-8?Q?=C3=89mile?= <aaron@x.test>", "To: alice@example.com", "Cc: bob@z.test", "Subject: [team] Budget"],
                   body: String(repeating: "c", count: 500), arrival: "02-Dec-2026 08:00:00 +0000")
        try append(c, ["From: Bob <bob@x.test>", "To: alice@example.com", "Subject: Fwd: budget (fwd)",
                       "Date: Mon, 30 Nov 2026 23:00:00 -0500"],
                   body: String(repeating: "d", count: 10000), arrival: "03-Dec-2026 10:00:00 +0000")
        try append(c, ["From: Anna <anna@x.test>", "To: Aaron <zed@y.test>", "Cc: Carl <carl@z.test>", "Subject: Zebra",
                       "Date: Wed, 02 Dec 2026 07:00:00 +0000"],
                   body: String(repeating: "e", count: 1000), arrival: "04-Dec-2026 10:00:00 +0000")
        try c.send("SELECT INBOX")
        return (f, c)
    }

    @Test func everyKey() throws {
        let (_, c) = try mailbox()
        let cases: [(String, String)] = [
            ("DATE", "* SORT 4 2 1 5 3"),
            ("REVERSE DATE", "* SORT 3 5 1 2 4"),
            ("ARRIVAL", "* SORT 2 3 4 5 1"),
            ("SUBJECT", "* SORT 3 4 1 2 5"),
            ("REVERSE SUBJECT", "* SORT 5 1 2 3 4"),
            ("SUBJECT DATE", "* SORT 4 3 2 1 5"),
            ("FROM", "* SORT 3 2 5 4 1"),
            ("DISPLAYFROM", "* SORT 2 5 4 3 1"),
            ("TO", "* SORT 3 4 1 2 5"),
            ("DISPLAYTO", "* SORT 5 3 4 1 2"),
            ("CC", "* SORT 1 4 3 5 2"),
            ("SIZE", "* SORT 1 3 5 2 4"),
            ("REVERSE SIZE", "* SORT 4 2 5 3 1"),
            ("CC REVERSE SIZE", "* SORT 4 1 3 5 2"),
            ("reverse arrival", "* SORT 1 5 4 3 2"),
        ]
        for (keys, expected) in cases {
            let r = try c.send("SORT (\(keys)) UTF-8 ALL")
            #expect(r.untagged == [expected], "SORT (\(keys))")
            #expect(r.completion == "OK SORT completed")
        }
        #expect(try c.send("SORT (SIZE) US-ASCII ALL").untagged == ["* SORT 1 3 5 2 4"])
        #expect(try c.send("SORT (SIZE) \"utf-8\" ALL").untagged == ["* SORT 1 3 5 2 4"])
    }

    /// RFC 5256 §3's examples, on messages made to give their answers.
    @Test func rfcExamples() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let messages: [(String, String)] = [
            ("Re: C", "Tue, 01 Dec 2026 10:00:00 +0000"), ("C", "Tue, 01 Dec 2026 09:00:00 +0000"),
            ("B", "Tue, 01 Dec 2026 12:00:00 +0000"), ("[list] B", "Tue, 01 Dec 2026 11:00:00 +0000"),
            ("Fwd: A", "Tue, 01 Dec 2026 08:00:00 +0000"),
        ]
        for (subject, date) in messages { try append(c, ["From: x@y.test", "Subject: \(subject)", "Date: \(date)"]) }
        try c.send("SELECT INBOX")
        var r = try c.send("SORT (SUBJECT REVERSE DATE) UTF-8 ALL")
        #expect(r.untagged == ["* SORT 5 3 4 1 2"])
        #expect(r.completion == "OK SORT completed")
        r = try c.send("SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"")
        #expect(r.untagged == ["* SORT"])
        #expect(r.isOK)
    }

    @Test func criteriaCharsetsAndUIDs() throws {
        let (_, c) = try mailbox()
        #expect(try c.send("SORT (DATE) UTF-8 SUBJECT budget").untagged == ["* SORT 4 3"])
        #expect(try c.send("SORT (ARRIVAL) UTF-8 FROM x.test NOT SUBJECT lunch").untagged == ["* SORT 3 4 5"])
        #expect(try c.send("SORT (SUBJECT) UTF-8 FROM \"ÉMILE\"").untagged == ["* SORT 3"])
        #expect(try c.send("SORT (SUBJECT) UTF-8 OR 1:2 LARGER 5000").untagged == ["* SORT 4 1 2"])
        #expect(try c.send("SORT (DATE) KLINGON ALL").completion == "NO [BADCHARSET (UTF-8 US-ASCII)] Unknown charset")
        #expect(try c.send("SORT (WEIGHT) UTF-8 ALL").completion == "BAD Unknown sort key WEIGHT")
        #expect(try c.send("SORT (DATE) ALL").completion == "BAD Missing arguments")
        // Sequence numbers move when a message goes; UIDs stay.
        try c.send("STORE 2 +FLAGS.SILENT (\\Deleted)")
        try c.send("EXPUNGE")
        #expect(try c.send("UID SORT (DATE) UTF-8 ALL").untagged == ["* SORT 4 1 5 3"])
        let r = try c.send("SORT (DATE) UTF-8 ALL")
        #expect(r.untagged == ["* SORT 3 1 4 2"])
        #expect(try c.send("UID SORT (DATE) UTF-8 UID 3:4").completion == "OK UID SORT completed")
        #expect(try c.send("UID SORT (REVERSE SIZE) UTF-8 2:3").untagged == ["* SORT 4 3"])
    }

    @Test func notSelected() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.send("SORT (DATE) UTF-8 ALL").completion == "BAD No mailbox selected")
        #expect(try c.send("THREAD REFERENCES UTF-8 ALL").completion == "BAD No mailbox selected")
    }

    @Test func modSeqInTheAnswer() throws {
        let (_, c) = try mailbox()
        let r = try c.send("SORT (REVERSE DATE) UTF-8 MODSEQ 1")
        #expect(r.untagged.filter { $0.hasPrefix("* SORT") }.count == 1)
        #expect(r.untagged.contains { $0.hasPrefix("* SORT 3 5 1 2 4 (MODSEQ ") && $0.hasSuffix(")") })
    }

    /// ESORT (RFC 5267 §3.2): MIN and MAX are the first and last in sort order, ALL keeps it.
    @Test func esort() throws {
        let (_, c) = try mailbox()
        var r = try c.send("SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") MIN 4 MAX 3 COUNT 5"])
        #expect(r.completion == "OK SORT completed")
        r = try c.send("UID SORT RETURN (ALL) (DATE) UTF-8 ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID ALL 4,2,1,5,3"])
        r = try c.send("SORT RETURN () (ARRIVAL) UTF-8 ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") ALL 2:5,1"])
        r = try c.send("SORT RETURN (COUNT ALL) (DATE) UTF-8 SUBJECT nothing")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") COUNT 0"])
        r = try c.send("SORT RETURN (MIN) (DATE) UTF-8 SUBJECT nothing")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\")"])
        r = try c.send("UID SORT RETURN (MAX) (SIZE) UTF-8 MODSEQ 1")
        #expect(r.untagged.contains { $0.hasPrefix("* ESEARCH (TAG \"\(tag(r))\") UID MAX 4 MODSEQ ") })
    }

    /// SEARCHRES (RFC 5182) with ESORT: SAVE keeps the matches, with only MIN or MAX those in
    /// sort order, with COUNT all of them (§2.4); `$` works in SORT's criteria.
    @Test func savedResults() throws {
        let (_, c) = try mailbox()
        var r = try c.send("SORT RETURN (SAVE) (DATE) UTF-8 SUBJECT budget")
        #expect(r.untagged == [])
        #expect(r.isOK)
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 3 4"])
        #expect(try c.send("SORT (REVERSE ARRIVAL) UTF-8 $").untagged == ["* SORT 4 3"])
        r = try c.send("SORT RETURN (SAVE MIN) (REVERSE SIZE) UTF-8 ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") MIN 4"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 4"])
        r = try c.send("UID SORT RETURN (SAVE MAX COUNT) (DATE) UTF-8 ALL")
        #expect(r.untagged == ["* ESEARCH (TAG \"\(tag(r))\") UID MAX 3 COUNT 5"])
        #expect(try c.send("UID SEARCH $").untagged == ["* SEARCH 1 2 3 4 5"])
    }
}

/// THREAD and UID THREAD on the wire (RFC 5256 §3).
@Suite struct ThreadWireTests {
    /// 1 "Plan" and its replies 2, 4 (to 2) and 5; 3 and 8 two originals called "Other";
    /// 6 and 7 replies to a message that is not in the mailbox.
    func mailbox() throws -> (IMAPFixture, IMAPClient) {
        let f = try IMAPFixture()
        let c = try f.client()
        let messages: [[String]] = [
            ["Subject: Plan", "Message-ID: <p1@x.test>", "Date: Tue, 01 Dec 2026 10:00:00 +0000"],
            ["Subject: Re: Plan", "Message-ID: <p2@x.test>", "In-Reply-To: <p1@x.test>", "References: <p1@x.test>",
             "Date: Tue, 01 Dec 2026 11:00:00 +0000"],
            ["Subject: Other", "Message-ID: <o1@x.test>", "Date: Tue, 01 Dec 2026 09:00:00 +0000"],
            ["Subject: Re: Plan", "Message-ID: <p3@x.test>", "References: <p1@x.test>\r\n <p2@x.test>",
             "Date: Tue, 01 Dec 2026 13:00:00 +0000"],
            ["Subject: RE: plan", "Message-ID: <p4@x.test>", "In-Reply-To: <p1@x.test> (Alice's message)",
             "Date: Tue, 01 Dec 2026 12:00:00 +0000"],
            ["Subject: Re: Missing", "Message-ID: <m2@x.test>", "References: <gone@x.test>", "Date: Wed, 02 Dec 2026 00:00:00 +0000"],
            ["Subject: Re: Missing", "Message-ID: <m3@x.test>", "References: <gone@x.test>", "Date: Wed, 02 Dec 2026 01:00:00 +0000"],
            ["Subject: Other", "Message-ID: <o2@x.test>", "Date: Tue, 01 Dec 2026 14:00:00 +0000"],
        ]
        for headers in messages { try append(c, ["From: x@y.test"] + headers) }
        try c.send("SELECT INBOX")
        return (f, c)
    }

    @Test func algorithms() throws {
        let (_, c) = try mailbox()
        var r = try c.send("THREAD REFERENCES UTF-8 ALL")
        #expect(r.untagged == ["* THREAD ((3)(8))(1 (2 4)(5))((6)(7))"])
        #expect(r.completion == "OK THREAD completed")
        r = try c.send("THREAD ORDEREDSUBJECT UTF-8 ALL")
        #expect(r.untagged == ["* THREAD (3 8)(1 (2)(5)(4))(6 7)"])
        #expect(try c.send("THREAD REFERENCES UTF-8 SUBJECT plan").untagged == ["* THREAD (1 (2 4)(5))"])
        #expect(try c.send("THREAD REFERENCES US-ASCII NOT SUBJECT plan").untagged == ["* THREAD ((3)(8))((6)(7))"])
        // RFC 5256 §3's example of a search that finds nothing.
        r = try c.send("THREAD ORDEREDSUBJECT US-ASCII TEXT \"gewp\"")
        #expect(r.untagged == ["* THREAD"])
        #expect(r.isOK)
    }

    @Test func uidsAndErrors() throws {
        let (_, c) = try mailbox()
        try c.send("STORE 3 +FLAGS.SILENT (\\Deleted)")
        try c.send("EXPUNGE")
        var r = try c.send("UID THREAD REFERENCES UTF-8 ALL")
        #expect(r.untagged == ["* THREAD (1 (2 4)(5))(8)((6)(7))"])
        #expect(r.completion == "OK UID THREAD completed")
        #expect(try c.send("THREAD REFERENCES UTF-8 ALL").untagged == ["* THREAD (1 (2 3)(4))(7)((5)(6))"])
        #expect(try c.send("UID THREAD ORDEREDSUBJECT UTF-8 UID 4:*").untagged == ["* THREAD (5 4)(8)(6 7)"])
        #expect(try c.send("THREAD REFERENCES KLINGON ALL").completion == "NO [BADCHARSET (UTF-8 US-ASCII)] Unknown charset")
        r = try c.send("THREAD JWZ UTF-8 ALL")
        #expect(r.completion == "BAD Unknown threading algorithm JWZ")
    }
}
