import Testing
import Store
import ParserChecks

/// What a FETCH of ENVELOPE, BODY and BODYSTRUCTURE shows for each corpus message.
struct ParsedFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var message: [UInt8]
    var size: Int
    var headerLength: Int
    var envelope: String
    var bodyStructure: String
    var body: String

    var testDescription: String { name }
}

@Suite struct MessageParserTests {
    static let fixtures: [ParsedFixture] = [
        ParsedFixture(
            name: "RFC 3501 example header, text/plain", message: MIMECorpus.simpleText, size: 416, headerLength: 344,
            envelope: #"("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 72 2 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 72 2)"#),
        ParsedFixture(
            name: "no Content-Type", message: MIMECorpus.noContentType, size: 197, headerLength: 136,
            envelope: #"("Mon, 3 Feb 2025 06:25:01 +0100" "Cron <root@host> run-parts /etc/cron.daily" ((NIL NIL "root" "localhost")) ((NIL NIL "root" "localhost")) ((NIL NIL "root" "localhost")) ((NIL NIL "admin" "localhost")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 61 2 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 61 2)"#),
        ParsedFixture(
            name: "multipart/mixed with base64 attachment", message: MIMECorpus.mixedWithAttachment, size: 906, headerLength: 280,
            envelope: #"("Thu, 12 Dec 2024 09:14:03 +0000" "Invoice 2024-117" (("Smith, Anna" NIL "anna.smith" "example.com")) (("Smith, Anna" NIL "anna.smith" "example.com")) (("Smith, Anna" NIL "anna.smith" "example.com")) (("Bob Jones" NIL "bob" "example.org")) NIL NIL NIL "<inv-2024-117@example.com>")"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 48 3 NIL NIL NIL NIL)("APPLICATION" "PDF" ("NAME" "invoice 117.pdf") "<part2.inv117@example.com>" "Invoice" "BASE64" 122 NIL ("ATTACHMENT" ("FILENAME" "invoice 117.pdf" "SIZE" "70")) NIL NIL) "MIXED" ("BOUNDARY" "----=_Part_4711_1.1734000000") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 48 3)("APPLICATION" "PDF" ("NAME" "invoice 117.pdf") "<part2.inv117@example.com>" "Invoice" "BASE64" 122) "MIXED")"#),
        ParsedFixture(
            name: "multipart/alternative, quoted-printable", message: MIMECorpus.alternativeQuotedPrintable, size: 677, headerLength: 254,
            envelope: #"("Fri, 10 Jan 2025 17:00:00 -0500" "Your weekly deals" (("Newsletter" NIL "news" "shop.example")) (("Newsletter" NIL "news" "shop.example")) (("Newsletter" NIL "news" "shop.example")) ((NIL NIL "customer" "example.net")) NIL NIL NIL "<weekly.20250110@shop.example>")"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 74 2 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 130 2 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "alt-7f3a") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 74 2)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 130 2) "ALTERNATIVE")"#),
        ParsedFixture(
            name: "multipart/related inside alternative", message: MIMECorpus.relatedInsideAlternative, size: 764, headerLength: 204,
            envelope: #"("Sat, 11 Jan 2025 08:30:00 +0100" "Photo of the new office" (("Carol" NIL "carol" "example.org")) (("Carol" NIL "carol" "example.org")) (("Carol" NIL "carol" "example.org")) ((NIL NIL "dave" "example.net")) NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 19 1 NIL NIL NIL NIL)(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 60 1 NIL NIL NIL NIL)("IMAGE" "PNG" NIL "<office@example.org>" NIL "BASE64" 72 NIL ("INLINE" NIL) ("en" "de") "office.png") "RELATED" ("BOUNDARY" "inner" "TYPE" "text/html") NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "outer") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 19 1)(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 60 1)("IMAGE" "PNG" NIL "<office@example.org>" NIL "BASE64" 72) "RELATED") "ALTERNATIVE")"#),
        ParsedFixture(
            name: "forwarded message/rfc822", message: MIMECorpus.forwardedMessage, size: 740, headerLength: 190,
            envelope: #"("Sun, 12 Jan 2025 20:00:00 +0000" "Fwd: Meeting notes" (("Erin" NIL "erin" "example.com")) (("Erin" NIL "erin" "example.com")) (("Erin" NIL "erin" "example.com")) ((NIL NIL "frank" "example.net")) NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)("MESSAGE" "RFC822" NIL NIL "Forwarded message" "7BIT" 413 ("Fri, 10 Jan 2025 16:45:00 +0000" "Meeting notes" (("Grace" NIL "grace" "example.org")) (("Grace" NIL "grace" "example.org")) (("Grace" NIL "grace" "example.org")) ((NIL NIL "erin" "example.com")) NIL NIL "<agenda-1@example.com>" "<notes-1@example.org>") (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 20 2 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 39 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "notes") NIL NIL NIL) 19 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "fwd") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1)("MESSAGE" "RFC822" NIL NIL "Forwarded message" "7BIT" 413 ("Fri, 10 Jan 2025 16:45:00 +0000" "Meeting notes" (("Grace" NIL "grace" "example.org")) (("Grace" NIL "grace" "example.org")) (("Grace" NIL "grace" "example.org")) ((NIL NIL "erin" "example.com")) NIL NIL "<agenda-1@example.com>" "<notes-1@example.org>") (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 20 2)("TEXT" "HTML" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 39 1) "ALTERNATIVE") 19) "MIXED")"#),
        ParsedFixture(
            name: "multipart/digest defaults to message/rfc822", message: MIMECorpus.digest, size: 339, headerLength: 175,
            envelope: #"(NIL "Example Digest, Vol 3, Issue 7" ((NIL NIL "list-request" "lists.example")) ((NIL NIL "list-request" "lists.example")) ((NIL NIL "list-request" "lists.example")) ((NIL NIL "list" "lists.example")) NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 24 1 NIL NIL NIL NIL)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 62 (NIL "Hello" (("Heidi" NIL "heidi" "example.com")) (("Heidi" NIL "heidi" "example.com")) (("Heidi" NIL "heidi" "example.com")) NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 11 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL) "DIGEST" ("BOUNDARY" "digest-sep") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 24 1)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 62 (NIL "Hello" (("Heidi" NIL "heidi" "example.com")) (("Heidi" NIL "heidi" "example.com")) (("Heidi" NIL "heidi" "example.com")) NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 11 1) 4) "DIGEST")"#),
        ParsedFixture(
            name: "ISO-2022-JP and UTF-8 encoded words stay encoded", message: MIMECorpus.encodedWords, size: 352, headerLength: 348,
            envelope: #"("Mon, 13 Jan 2025 09:00:00 +0900" "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?= =?UTF-8?Q?und_Gr=C3=BC=C3=9Fe?=" (("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=" NIL "juergen" "example.de")) (("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=" NIL "juergen" "example.de")) (("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=" NIL "juergen" "example.de")) (("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=" NIL "yamada" "example.jp")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "ISO-2022-JP") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "ISO-2022-JP") NIL NIL "7BIT" 4 1)"#),
        ParsedFixture(
            name: "groups, route, comment as name", message: MIMECorpus.groups, size: 252, headerLength: 248,
            envelope: #"(NIL "Groups" (("Ivan" NIL "ivan" "example.com")) (("Mallory the Sender" NIL "mallory" "MISSING_DOMAIN")) ((NIL "@relay.example,@gw.example" "replies" "example.com")) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) ((NIL NIL "Team" NIL)("Judy" NIL "judy" "example.com")(NIL NIL "kim" "example.com")(NIL NIL NIL NIL)(NIL NIL "lee" "example.com")) NIL NIL NIL)"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 4 1)"#),
        ParsedFixture(
            name: "multipart without boundary is one text part", message: MIMECorpus.missingBoundary, size: 139, headerLength: 81,
            envelope: #"(NIL "no boundary" ((NIL NIL "broken" "example.com")) ((NIL NIL "broken" "example.com")) ((NIL NIL "broken" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 58 5 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 58 5)"#),
        ParsedFixture(
            name: "missing close delimiter: last part runs to the end", message: MIMECorpus.missingCloseDelimiter, size: 227, headerLength: 93,
            envelope: #"(NIL "cut off" ((NIL NIL "truncated" "example.com")) ((NIL NIL "truncated" "example.com")) ((NIL NIL "truncated" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 10 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b1") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 10) "MIXED")"#),
        ParsedFixture(
            name: "no empty line: all header, empty body", message: MIMECorpus.noSeparator, size: 78, headerLength: 78,
            envelope: #"(NIL "header only" ((NIL NIL "nobody" "example.com")) ((NIL NIL "nobody" "example.com")) ((NIL NIL "nobody" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0)"#),
        ParsedFixture(
            name: "NUL in a header becomes U+FFFD in a literal", message: MIMECorpus.nulBytes, size: 54, headerLength: 39,
            envelope: "(NIL {5}\r\na\u{FFFD}b ((NIL NIL \"nul\" \"example.com\")) ((NIL NIL \"nul\" \"example.com\")) ((NIL NIL \"nul\" \"example.com\")) NIL NIL NIL NIL NIL)",
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 15 1 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 15 1)"#),
        ParsedFixture(
            name: "8-bit header bytes go as literals", message: MIMECorpus.eightBitHeader, size: 67, headerLength: 60,
            envelope: "(NIL {17}\r\nGrüße aus Köln (({6}\r\nJ\u{FFFD}rg NIL \"jorg\" \"example.de\")) (({6}\r\nJ\u{FFFD}rg NIL \"jorg\" \"example.de\")) (({6}\r\nJ\u{FFFD}rg NIL \"jorg\" \"example.de\")) NIL NIL NIL NIL NIL)",
            bodyStructure: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 1 NIL NIL NIL NIL)"#,
            body: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 1)"#),
        ParsedFixture(
            name: "bare LF line ends", message: MIMECorpus.bareLineFeeds, size: 167, headerLength: 84,
            envelope: #"(NIL "bare LF" ((NIL NIL "unix" "example.com")) ((NIL NIL "unix" "example.com")) ((NIL NIL "unix" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 2 NIL NIL NIL NIL)("TEXT" "X-LOG" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "lf") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 2)("TEXT" "X-LOG" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1) "MIXED")"#),
        ParsedFixture(
            name: "RFC 3501 section example", message: MIMECorpus.sectionExample, size: 959, headerLength: 122,
            envelope: #"(NIL "section example" ((NIL NIL "sections" "example.com")) ((NIL NIL "sections" "example.com")) ((NIL NIL "sections" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 8 NIL NIL NIL NIL)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 173 (NIL "part 3" NIL NIL NIL NIL NIL NIL NIL NIL) (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 8 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "7BIT" 8 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "m3") NIL NIL NIL) 12 NIL NIL NIL NIL)(("IMAGE" "GIF" NIL NIL NIL "BASE64" 8 NIL NIL NIL NIL)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 298 (NIL "part 4.2" NIL NIL NIL NIL NIL NIL NIL NIL) (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)("TEXT" "RICHTEXT" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "a422") NIL NIL NIL) "MIXED" ("BOUNDARY" "m42") NIL NIL NIL) 20 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "p4") NIL NIL NIL) "MIXED" ("BOUNDARY" "top") NIL NIL NIL)"#,
            body: #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 8)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 173 (NIL "part 3" NIL NIL NIL NIL NIL NIL NIL NIL) (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 8 1)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "7BIT" 8) "MIXED") 12)(("IMAGE" "GIF" NIL NIL NIL "BASE64" 8)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 298 (NIL "part 4.2" NIL NIL NIL NIL NIL NIL NIL NIL) (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1)(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 1)("TEXT" "RICHTEXT" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 1) "ALTERNATIVE") "MIXED") 20) "MIXED") "MIXED")"#),
    ]

    @Test(arguments: fixtures)
    func fetchItems(_ fixture: ParsedFixture) throws {
        let parsed = MessageParser.parse(fixture.message)
        #expect(parsed.size == fixture.size)
        #expect(parsed.headerLength == fixture.headerLength)
        #expect(parsed.envelope == fixture.envelope)
        #expect(parsed.bodyStructure == fixture.bodyStructure)
        #expect(parsed.body == fixture.body)
        try IMAPSyntax.checkEnvelope(parsed.envelope)
        try IMAPSyntax.checkBody(parsed.bodyStructure, extended: true)
        try IMAPSyntax.checkBody(parsed.body, extended: false)
    }

    @Test func bothEntryPointsAgree() {
        let message = MIMECorpus.forwardedMessage
        #expect(message.withUnsafeBytes { MessageParser.parse($0) } == MessageParser.parse(message))
    }

    @Test func emptyInput() throws {
        let parsed = MessageParser.parse([UInt8]())
        #expect(parsed.size == 0 && parsed.headerLength == 0)
        #expect(parsed.envelope == "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)")
        #expect(parsed.bodyStructure == #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)"#)
        #expect(parsed.structure.locate([]) == PartLocation(
            header: 0..<0, body: 0..<0, message: .init(header: 0..<0, text: 0..<0), contentTransferEncoding: nil))
    }

    @Test func listingFields() {
        let fields = MessageParser.parse(MIMECorpus.crlf("""
            Subject: Re: plans
             for the weekend
            From: "Doe, Jane" <jane@example.com>
            To: a@example.com,
            \tb@example.com
            Cc: c@example.com
            Message-ID: <m2@example.com>
            In-Reply-To: <m1@example.com>
            References: <m0@example.com>
             <m1@example.com>
            Date: Tue, 1 Jul 2003 10:52:37 +0200

            x
            """)).fields
        #expect(fields == ListingFields(
            subject: "Re: plans for the weekend", from: "\"Doe, Jane\" <jane@example.com>",
            to: "a@example.com,\tb@example.com", cc: "c@example.com", messageID: "<m2@example.com>",
            inReplyTo: "<m1@example.com>", references: "<m0@example.com> <m1@example.com>", date: 1_057_049_557))
        #expect(MessageParser.parse(MIMECorpus.noSeparator).fields.date == nil)
    }

    /// Content-* values that need care: quoted-string parameters with escapes, comments,
    /// parameters without `;`, RFC 2231 names kept as given, several languages.
    @Test func contentHeaderDetails() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("""
            Content-Type: Text/Plain (a comment); charset = "iso-8859-1"; format=flowed
             delsp=yes; title*=us-ascii'en'This%20is; name="a \\"quoted\\" name"
            Content-Transfer-Encoding: Quoted-Printable (because)
            Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
            Content-Disposition: Attachment; FileName=report.txt; creation-date="Wed, 12 Feb 1997 16:29:51 -0500"
            Content-Language: en-GB (British)
            Content-Location:
             https://example.com/report.txt

            body
            """))
        #expect(parsed.bodyStructure == #"("TEXT" "PLAIN" ("CHARSET" "iso-8859-1" "FORMAT" "flowed" "DELSP" "yes" "TITLE*" "us-ascii'en'This%20is" "NAME" "a \"quoted\" name") NIL NIL "QUOTED-PRINTABLE" 4 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("ATTACHMENT" ("FILENAME" "report.txt" "CREATION-DATE" "Wed, 12 Feb 1997 16:29:51 -0500")) ("en-GB") "https://example.com/report.txt")"#)
    }

    /// RFC 2045 §5.2: a Content-Type without a subtype is treated as absent.
    @Test func invalidContentTypeIsTextPlain() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("Content-Type: garbage\n\nx"))
        #expect(parsed.body == #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1 1)"#)
    }

    @Test func messageGlobalHasTheEnvelopeForm() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("""
            Content-Type: message/global

            Subject: inner

            hi
            """))
        #expect(parsed.body == #"("MESSAGE" "GLOBAL" NIL NIL NIL "7BIT" 20 (NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2 1) 3)"#)
    }

    /// A boundary found nowhere leaves a multipart with no parts, which IMAP cannot
    /// express: it shows one empty text part.
    @Test func multipartWithoutDelimiters() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("""
            Content-Type: multipart/mixed; boundary=nowhere

            just text
            """))
        #expect(parsed.body == #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0) "MIXED")"#)
        #expect(parsed.structure.locate([1])?.body == 60..<60)
    }

    /// RFC 2046 §5.1.1: a line that only starts with the boundary is content; transport
    /// padding after a delimiter is allowed.
    @Test func delimiterRecognition() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("""
            Content-Type: multipart/mixed; boundary=b

            --b \t
            
            --bb is not a delimiter
            --b--x is not one either
            --b--  
            """))
        #expect(parsed.body == #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 49 2) "MIXED")"#)
    }
}
