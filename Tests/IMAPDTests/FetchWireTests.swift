import Testing
import TestSupport

/// FETCH data items on the wire, on a multipart message with an attachment and a
/// forwarded message.
@Suite struct FetchWireTests {
    static let header = """
        From: Alice <alice@example.org>\r
        To: Bob <bob@example.com>\r
        Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r
        Date: Tue, 01 Dec 2026 10:00:00 +0100\r
        Message-ID: <m1@example.org>\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r

        """
    static let part1Header = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    static let part1 = "Hallo Bob, sch=C3=B6ne Gr=C3=BC=C3=9Fe."
    static let part2Header = "Content-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    static let innerHeader = "From: Carol <carol@example.net>\r\nSubject: inner\r\n\r\n"
    static let body = "--b1\r\n" + part1Header + part1 + "\r\n--b1\r\n" + part2Header + "AAECAwQ=\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n"
        + innerHeader + "inner body\r\n--b1--\r\n"
    static let message = header + body

    func selected() throws -> (IMAPFixture, IMAPClient) {
        let f = try IMAPFixture()
        try f.deliver(Self.message)
        let c = try f.client()
        try c.send("SELECT INBOX")
        return (f, c)
    }

    func fetch(_ c: IMAPClient, _ items: String) throws -> String {
        let r = try c.send("FETCH 1 \(items)")
        #expect(r.isOK, "\(r)")
        return r.untagged.first ?? ""
    }

    @Test func sectionsOfAMultipartMessage() throws {
        let (_, c) = try selected()
        func literal(_ s: String) -> String { "{\(s.utf8.count)}\r\n\(s)" }
        #expect(try fetch(c, "BODY.PEEK[HEADER]") == "* 1 FETCH (BODY[HEADER] \(literal(Self.header)))")
        #expect(try fetch(c, "BODY.PEEK[TEXT]") == "* 1 FETCH (BODY[TEXT] \(literal(Self.body)))")
        #expect(try fetch(c, "BODY.PEEK[1]") == "* 1 FETCH (BODY[1] \(literal(Self.part1)))")
        #expect(try fetch(c, "BODY.PEEK[1.MIME]") == "* 1 FETCH (BODY[1.MIME] \(literal(Self.part1Header)))")
        #expect(try fetch(c, "BODY.PEEK[2]") == "* 1 FETCH (BODY[2] \(literal("AAECAwQ=")))")
        #expect(try fetch(c, "BODY.PEEK[3]") == "* 1 FETCH (BODY[3] \(literal(Self.innerHeader + "inner body")))")
        #expect(try fetch(c, "BODY.PEEK[3.HEADER]") == "* 1 FETCH (BODY[3.HEADER] \(literal(Self.innerHeader)))")
        #expect(try fetch(c, "BODY.PEEK[3.TEXT]") == "* 1 FETCH (BODY[3.TEXT] \(literal("inner body")))")
        #expect(try fetch(c, "BODY.PEEK[3.1]") == "* 1 FETCH (BODY[3.1] \(literal("inner body")))")
        #expect(try fetch(c, "BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]") == "* 1 FETCH (BODY[3.HEADER.FIELDS (SUBJECT)] \(literal("Subject: inner\r\n\r\n")))")
        #expect(try fetch(c, "BODY.PEEK[9]") == "* 1 FETCH (BODY[9] NIL)")
        #expect(try fetch(c, "BODY.PEEK[1.HEADER]") == "* 1 FETCH (BODY[1.HEADER] NIL)")
    }

    @Test func headerFieldsAndPartials() throws {
        let (_, c) = try selected()
        func literal(_ s: String) -> String { "{\(s.utf8.count)}\r\n\(s)" }
        // Fields in message order, as written, then the empty line (RFC 9051 §6.4.5).
        let fields = "From: Alice <alice@example.org>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\n"
        #expect(try fetch(c, "BODY.PEEK[HEADER.FIELDS (Subject From X-Missing)]")
            == "* 1 FETCH (BODY[HEADER.FIELDS (Subject From X-Missing)] \(literal(fields)))")
        let rest = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        #expect(try fetch(c, "BODY.PEEK[HEADER.FIELDS.NOT (From To Subject Date Message-ID)]")
            == "* 1 FETCH (BODY[HEADER.FIELDS.NOT (From To Subject Date Message-ID)] \(literal(rest)))")
        // A field name that is no atom is named back as a quoted string.
        #expect(try fetch(c, #"BODY.PEEK[HEADER.FIELDS ("X-a)b" "Q\"x" From)]"#)
            == #"* 1 FETCH (BODY[HEADER.FIELDS ("X-a)b" "Q\"x" From)] "# + literal("From: Alice <alice@example.org>\r\n\r\n") + ")")
        #expect(try fetch(c, "BODY.PEEK[]<0.4>") == "* 1 FETCH (BODY[]<0> {4}\r\nFrom)")
        #expect(try fetch(c, "BODY.PEEK[1]<6.3>") == "* 1 FETCH (BODY[1]<6> {3}\r\nBob)")
        #expect(try fetch(c, "BODY.PEEK[1]<1000.3>") == "* 1 FETCH (BODY[1]<1000> {0}\r\n)")
    }

    /// The names a FETCH repeats for every message are made once per command: each item
    /// keeps its own, over several messages and steps.
    @Test func severalSectionsOverSeveralMessages() throws {
        let (f, c) = try selected()
        try f.deliver("From: Dave <dave@example.org>\r\nSubject: second\r\nX-Tag: t\r\n\r\nbody two\r\n")
        #expect(try c.send("NOOP").isOK)
        func literal(_ s: String) -> String { "{\(s.utf8.count)}\r\n\(s)" }
        let r = try c.send("FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[HEADER.FIELDS.NOT (Subject To Date Message-ID MIME-Version Content-Type)]<0.10> BODY.PEEK[HEADER.FIELDS (x-tag FROM)])")
        #expect(r.isOK, "\(r)")
        #expect(r.untagged == [
            "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] \(literal("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\n")) "
                + "BODY[HEADER.FIELDS.NOT (Subject To Date Message-ID MIME-Version Content-Type)]<0> \(literal("From: Alic")) "
                + "BODY[HEADER.FIELDS (x-tag FROM)] \(literal("From: Alice <alice@example.org>\r\n\r\n")))",
            "* 2 FETCH (BODY[HEADER.FIELDS (SUBJECT)] \(literal("Subject: second\r\n\r\n")) "
                + "BODY[HEADER.FIELDS.NOT (Subject To Date Message-ID MIME-Version Content-Type)]<0> \(literal("From: Dave")) "
                + "BODY[HEADER.FIELDS (x-tag FROM)] \(literal("From: Dave <dave@example.org>\r\nX-Tag: t\r\n\r\n")))",
        ])
    }

    @Test func binaryDecodesTransferEncodings() throws {
        let (_, c) = try selected()
        #expect(try fetch(c, "BINARY.PEEK[1]") == "* 1 FETCH (BINARY[1] {27}\r\nHallo Bob, schöne Grüße.)")
        #expect(try fetch(c, "BINARY.PEEK[2]") == "* 1 FETCH (BINARY[2] ~{5}\r\n\u{0}\u{1}\u{2}\u{3}\u{4})")
        #expect(try fetch(c, "(BINARY.SIZE[1] BINARY.SIZE[2])") == "* 1 FETCH (BINARY.SIZE[1] 27 BINARY.SIZE[2] 5)")
    }

    @Test func listingItemsAndImplicitSeen() throws {
        let (_, c) = try selected()
        let listing = try fetch(c, "(UID FLAGS RFC822.SIZE ENVELOPE)")
        #expect(listing == "* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE \(Self.message.utf8.count) ENVELOPE (\"Tue, 01 Dec 2026 10:00:00 +0100\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.com\")) NIL NIL NIL \"<m1@example.org>\"))")
        let structure = try fetch(c, "BODYSTRUCTURE")
        #expect(structure.hasPrefix("* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 39 1"))
        #expect(structure.contains("\"MIXED\" (\"BOUNDARY\" \"b1\")"))
        let body = try fetch(c, "BODY")
        #expect(body.hasPrefix("* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 39 1)"))
        // BODY[...] without PEEK sets \Seen and says so.
        #expect(try fetch(c, "BODY[1]") == "* 1 FETCH (BODY[1] {\(Self.part1.utf8.count)}\r\n\(Self.part1) FLAGS (\\Seen \\Recent))")
        #expect(try fetch(c, "FLAGS") == "* 1 FETCH (FLAGS (\\Seen \\Recent))")
        #expect(try fetch(c, "RFC822.HEADER") == "* 1 FETCH (RFC822.HEADER {\(Self.header.utf8.count)}\r\n\(Self.header))")
    }

    @Test func rfc822TextAndRFC822SetSeen() throws {
        let (_, c) = try selected()
        let text = String(decoding: Array(Self.message.utf8).dropFirst(Self.header.utf8.count), as: UTF8.self)
        #expect(try fetch(c, "RFC822.TEXT") == "* 1 FETCH (RFC822.TEXT {\(text.utf8.count)}\r\n\(text) FLAGS (\\Seen \\Recent))")
        #expect(try fetch(c, "RFC822") == "* 1 FETCH (RFC822 {\(Self.message.utf8.count)}\r\n\(Self.message))",
                "\\Seen is set already, so no FLAGS follow")
        #expect(try fetch(c, "RFC822.SIZE") == "* 1 FETCH (RFC822.SIZE \(Self.message.utf8.count))")
    }

    @Test func fastAllFullAndUIDFetch() throws {
        let f = try IMAPFixture()
        for i in 1...5 { try f.deliver(IMAPFixture.message("m\(i)")) }
        let c = try f.client()
        try c.send("SELECT INBOX")
        try c.send("UID STORE 2,4 +FLAGS.SILENT (\\Deleted)")
        try c.send("EXPUNGE")
        let r = try c.send("UID FETCH 1:* FLAGS")
        #expect(r.untagged == [
            "* 1 FETCH (UID 1 FLAGS (\\Recent))", "* 2 FETCH (UID 3 FLAGS (\\Recent))", "* 3 FETCH (UID 5 FLAGS (\\Recent))",
        ])
        #expect(try c.send("UID FETCH 4 FLAGS").untagged == [])
        #expect(try c.send("UID FETCH 9:* UID").untagged == ["* 3 FETCH (UID 5)"])
        #expect(try c.send("FETCH 2:* FAST").untagged[1].hasPrefix("* 3 FETCH (FLAGS (\\Recent) INTERNALDATE \""))
        #expect(try c.send("FETCH 1 FULL").untagged[0].contains(" ENVELOPE (\"Tue, 01 Dec 2026 10:00:00 +0000\" \"m1\" "))
        #expect(try c.send("FETCH 1 (FLAGS MODSEQ)").untagged[0].hasPrefix("* 1 FETCH (FLAGS (\\Recent) MODSEQ ("))
    }

    /// A session with INBOX selected, holding one message whose body is `lines` lines of
    /// `text` repeated to 100 characters (the fixture keeps the server running: hold it).
    func selectedWithOneMessage(_ text: String, lines: Int) throws -> (IMAPFixture, IMAPClient, String) {
        let f = try IMAPFixture()
        let c = try f.client()
        let line = String(repeating: text, count: 100 / text.count) + "\r\n"
        let m = IMAPFixture.message("large", body: String(repeating: line, count: lines))
        #expect(try c.append(m).isOK)
        try c.send("SELECT INBOX")
        return (f, c, m)
    }

    /// A body bigger than a step goes out in pieces; the client sees one literal.
    @Test func largeBodyStreams() throws {
        let (f, c, big) = try selectedWithOneMessage("0123456789", lines: 30_000)
        defer { withExtendedLifetime(f) {} }
        let r = try c.send("FETCH 1 (UID BODY.PEEK[] FLAGS)")
        #expect(r.untagged == ["* 1 FETCH (UID 1 BODY[] {\(big.utf8.count)}\r\n\(big) FLAGS (\\Recent))"])
    }

    /// Many bodies answer in steps of about a megabyte, a step ending inside a batch of
    /// messages, and one of them streamed in pieces between the others: every answer
    /// comes whole and in order.
    @Test func manyBodiesSpanSteps() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let line = String(repeating: "abcdefghij", count: 10) + "\r\n"
        var sent: [String] = []
        for i in 1...40 {
            let lines = i == 17 ? 6_000 : 1_000 + i * 10
            let m = IMAPFixture.message("m\(i)", body: String(repeating: line, count: lines))
            #expect(try c.append(m).isOK)
            sent.append(m)
        }
        try c.send("SELECT INBOX")
        let r = try c.send("FETCH 1:* (BODY.PEEK[] UID)")
        #expect(r.isOK)
        #expect(r.untagged.count == 40)
        for (i, m) in sent.enumerated() {
            #expect(r.untagged[i] == "* \(i + 1) FETCH (UID \(i + 1) BODY[] {\(m.utf8.count)}\r\n\(m))", "message \(i + 1)")
        }
    }

    /// Pipelined FETCHes whose answers together pass a step's size: the chain they run in
    /// stops after a megabyte and goes on once it is written; every answer comes whole.
    @Test func pipelinedLargeAnswers() throws {
        let (f, c, m) = try selectedWithOneMessage("klmnopqrst", lines: 2_000)
        defer { withExtendedLifetime(f) {} }
        try c.wire.send((0..<20).map { "f\($0) FETCH 1 (BODY.PEEK[])\r\n" }.joined())
        for i in 0..<20 {
            let r = try c.reply("f\(i)")
            #expect(r.tagged == "f\(i) OK FETCH completed")
            #expect(r.untagged == ["* 1 FETCH (BODY[] {\(m.utf8.count)}\r\n\(m))"])
        }
    }
}
