import Testing
import Store

/// What FETCH BODY[section] would copy out for one part path.
struct SectionCase: Sendable, CustomTestStringConvertible {
    var message: [UInt8]
    var path: [Int]
    /// `path.MIME`; for `[]` the message header.
    var header: String
    var body: String
    /// `path.HEADER` and `path.TEXT`, for message/rfc822 parts and the whole message.
    var messageHeader: String? = nil
    var messageText: String? = nil
    var encoding: String? = nil

    var testDescription: String { path.isEmpty ? "[]" : path.map(String.init).joined(separator: ".") }
}

@Suite struct MessageStructureTests {
    static let sections: [SectionCase] = {
        let crlf = MIMECorpus.crlf
        let example = MIMECorpus.sectionExample
        let part3Header = "Subject: part 3\r\nContent-Type: MULTIPART/MIXED; boundary=\"m3\"\r\n\r\n"
        let part3Text = crlf("""
            --m3
            Content-Type: TEXT/PLAIN

            part 3.1
            --m3
            Content-Type: APPLICATION/OCTET-STREAM

            part 3.2
            --m3--
            """)
        let part42Header = "Subject: part 4.2\r\nContent-Type: MULTIPART/MIXED; boundary=\"m42\"\r\n\r\n"
        let part422 = crlf("""
            --a422
            Content-Type: TEXT/PLAIN

            part 4.2.2.1
            --a422
            Content-Type: TEXT/RICHTEXT

            part 4.2.2.2
            --a422--
            """)
        let part42Text = crlf("""
            --m42
            Content-Type: TEXT/PLAIN

            part 4.2.1
            --m42
            Content-Type: MULTIPART/ALTERNATIVE; boundary="a422"


            """) + part422 + crlf("\n--m42--")
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        let textPlain = "Content-Type: TEXT/PLAIN\r\n\r\n"
        return [
            SectionCase(message: example, path: [], header: text(Array(example.prefix(122))), body: text(Array(example.dropFirst(122))),
                        messageHeader: text(Array(example.prefix(122))), messageText: text(Array(example.dropFirst(122)))),
            SectionCase(message: example, path: [1], header: textPlain, body: "part 1"),
            SectionCase(message: example, path: [2],
                        header: "Content-Type: APPLICATION/OCTET-STREAM\r\nContent-Transfer-Encoding: BASE64\r\n\r\n",
                        body: "cGFydCAy", encoding: "base64"),
            SectionCase(message: example, path: [3], header: "Content-Type: MESSAGE/RFC822\r\n\r\n",
                        body: part3Header + text(part3Text), messageHeader: part3Header, messageText: text(part3Text)),
            SectionCase(message: example, path: [3, 1], header: textPlain, body: "part 3.1"),
            SectionCase(message: example, path: [3, 2], header: "Content-Type: APPLICATION/OCTET-STREAM\r\n\r\n", body: "part 3.2"),
            SectionCase(message: example, path: [4], header: "Content-Type: MULTIPART/MIXED; boundary=\"p4\"\r\n\r\n",
                        body: text(crlf("--p4\nContent-Type: IMAGE/GIF\nContent-Transfer-Encoding: base64\n\nR0lGODlh\n--p4\nContent-Type: MESSAGE/RFC822\n\n")) + part42Header + text(part42Text) + "\r\n--p4--"),
            SectionCase(message: example, path: [4, 1], header: "Content-Type: IMAGE/GIF\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                        body: "R0lGODlh", encoding: "base64"),
            SectionCase(message: example, path: [4, 2], header: "Content-Type: MESSAGE/RFC822\r\n\r\n",
                        body: part42Header + text(part42Text), messageHeader: part42Header, messageText: text(part42Text)),
            SectionCase(message: example, path: [4, 2, 1], header: textPlain, body: "part 4.2.1"),
            SectionCase(message: example, path: [4, 2, 2], header: "Content-Type: MULTIPART/ALTERNATIVE; boundary=\"a422\"\r\n\r\n",
                        body: text(part422)),
            SectionCase(message: example, path: [4, 2, 2, 1], header: textPlain, body: "part 4.2.2.1"),
            SectionCase(message: example, path: [4, 2, 2, 2], header: "Content-Type: TEXT/RICHTEXT\r\n\r\n", body: "part 4.2.2.2"),
            // A non-multipart message: part 1 is its body, under the message header.
            SectionCase(message: MIMECorpus.noContentType, path: [1], header: text(Array(MIMECorpus.noContentType.prefix(136))),
                        body: "/etc/cron.daily/logrotate:\r\nerror: skipping \"/var/log/syslog\""),
            // Inside a message/rfc822 part holding a multipart.
            SectionCase(message: MIMECorpus.forwardedMessage, path: [2, 1], header: "Content-Type: text/plain\r\n\r\n",
                        body: "1. Budget\r\n2. Hiring"),
            SectionCase(message: MIMECorpus.forwardedMessage, path: [2, 2], header: "Content-Type: text/html\r\n\r\n",
                        body: "<ol><li>Budget</li><li>Hiring</li></ol>"),
            // Inside a message/rfc822 part holding a single part: 2.1 is that message's body.
            SectionCase(message: MIMECorpus.digest, path: [2], header: "\r\n",
                        body: "From: Heidi <heidi@example.com>\r\nSubject: Hello\r\n\r\nHello list.",
                        messageHeader: "From: Heidi <heidi@example.com>\r\nSubject: Hello\r\n\r\n", messageText: "Hello list."),
            SectionCase(message: MIMECorpus.digest, path: [2, 1], header: "From: Heidi <heidi@example.com>\r\nSubject: Hello\r\n\r\n",
                        body: "Hello list."),
            SectionCase(message: MIMECorpus.bareLineFeeds, path: [1], header: "Content-Type: text/plain\n\n", body: "one\ntwo"),
            SectionCase(message: MIMECorpus.missingCloseDelimiter, path: [2],
                        header: "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                        body: "AAEC\r\nAwQF", encoding: "base64"),
        ]
    }()

    @Test(arguments: sections)
    func locate(_ section: SectionCase) throws {
        let parsed = MessageParser.parse(section.message)
        let location = try #require(parsed.structure.locate(section.path))
        let bytes = section.message
        #expect(String(decoding: bytes[location.header], as: UTF8.self) == section.header)
        #expect(String(decoding: bytes[location.body], as: UTF8.self) == section.body)
        #expect(location.message.map { String(decoding: bytes[$0.header], as: UTF8.self) } == section.messageHeader)
        #expect(location.message.map { String(decoding: bytes[$0.text], as: UTF8.self) } == section.messageText)
        #expect(location.contentTransferEncoding == section.encoding)
    }

    static let missing: [[Int]] = [[0], [-1], [5], [1, 1], [3, 3], [4, 3], [4, 1, 1], [4, 2, 3], [4, 2, 2, 3], [3, 1, 1]]

    @Test(arguments: missing)
    func pathsThatNameNoPart(_ path: [Int]) {
        #expect(MessageParser.parse(MIMECorpus.sectionExample).structure.locate(path) == nil)
    }

    /// A top-level message/rfc822: part 1 is the encapsulated message, 1.1 its body.
    @Test func topLevelMessageRFC822() throws {
        let message = MIMECorpus.crlf("Content-Type: message/rfc822\n\nSubject: inner\n\ninner body")
        let structure = MessageParser.parse(message).structure
        let one = try #require(structure.locate([1]))
        #expect(one.header == 0..<32 && one.body == 32..<60)
        #expect(one.message == PartLocation.MessageRanges(header: 32..<50, text: 50..<60))
        #expect(structure.locate([1, 1]) == PartLocation(header: 32..<50, body: 50..<60, message: nil, contentTransferEncoding: nil))
        #expect(structure.locate([2]) == nil)
    }

    @Test(arguments: MIMECorpus.all.map(\.name))
    func storedFormRoundTrips(_ name: String) throws {
        let message = try #require(MIMECorpus.all.first { $0.name == name }?.message)
        let structure = MessageParser.parse(message).structure
        let encoded = structure.encoded
        #expect(try MessageStructure(encoded: encoded) == structure)
        #expect(encoded.count <= 200)
    }

    @Test func storedFormIsCompact() {
        // 20 entities, mostly 5 bytes each.
        #expect(MessageParser.parse(MIMECorpus.sectionExample).structure.encoded.count < 110)
    }

    @Test func unusualEncodingNameSurvives() throws {
        let structure = MessageParser.parse(MIMECorpus.crlf("Content-Transfer-Encoding: X-UUEncode\n\nbegin")).structure
        #expect(structure.locate([1])?.contentTransferEncoding == "x-uuencode")
        #expect(try MessageStructure(encoded: structure.encoded) == structure)
    }

    @Test func corruptStoredFormsAreRefused() {
        let valid = MessageParser.parse(MIMECorpus.forwardedMessage).structure.encoded
        for length in 0..<valid.count {
            #expect(throws: MessageStructure.InvalidEncoding.self) { try MessageStructure(encoded: Array(valid.prefix(length))) }
        }
        let refused: [[UInt8]] = [
            valid + [0],                          // trailing byte
            [2] + valid.dropFirst(),              // unknown version
            [1, 3, 0, 0, 0],                      // unknown kind
            [1, 7 << 2, 0, 0, 0],                 // unknown encoding code
            [1, 1, 0, 2, 4, 0],                   // multipart without parts
            [1, 1, 0, 2, 4, 1, 0, 0, 0, 9],       // part beyond its parent's end
            [1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0],  // offset too large
        ]
        for bytes in refused {
            #expect(throws: MessageStructure.InvalidEncoding.self) { try MessageStructure(encoded: bytes) }
        }
    }
}
