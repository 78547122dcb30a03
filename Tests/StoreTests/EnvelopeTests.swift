import Testing
import Store

@Suite struct EnvelopeTests {
    /// From: values (RFC 5322 §3.4, §4.4 and Appendix A) and the address list ENVELOPE shows.
    static let addresses: [(header: String, expected: String)] = [
        (#""Joe Q. Public" <john.q.public@example.com>"#, #"(("Joe Q. Public" NIL "john.q.public" "example.com"))"#),
        ("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         #"(("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")("Who?" NIL "one" "y.test"))"#),
        (#"<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>"#,
         #"((NIL NIL "boss" "nil.test")("Giant; \"Big\" Box" NIL "sysservices" "example.net"))"#),
        (#"Pete(A nice \) chap) <pete(his account)@silly.test(his host)>"#, #"(("Pete" NIL "pete" "silly.test"))"#),
        ("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         #"((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))"#),
        ("Undisclosed recipients:;", #"((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))"#),
        ("Joe Q. Public <john.q.public@example.com>", #"(("Joe Q. Public" NIL "john.q.public" "example.com"))"#),
        ("<@route1.test,@route2.test:jdoe@example.net>", #"((NIL "@route1.test,@route2.test" "jdoe" "example.net"))"#),
        ("jdoe@example.net (John Doe)", #"(("John Doe" NIL "jdoe" "example.net"))"#),
        ("jdoe", #"((NIL NIL "jdoe" "MISSING_DOMAIN"))"#),
        ("John Doe <jdoe>", #"(("John Doe" NIL "jdoe" "MISSING_DOMAIN"))"#),
        (#""john doe"@example.net"#, #"((NIL NIL "\"john doe\"" "example.net"))"#),
        ("user@[192.0.2.1]", #"((NIL NIL "user" "[192.0.2.1]"))"#),
        ("John Doe jdoe@example.net", #"(("John Doe" NIL "jdoe" "example.net"))"#),
        ("\"\" <anon@example.net>", #"((NIL NIL "anon" "example.net"))"#),
        ("=?UTF-8?Q?Andr=C3=A9?= <andre@example.fr>", #"(("=?UTF-8?Q?Andr=C3=A9?=" NIL "andre" "example.fr"))"#),
        ("<>", "NIL"),
        ("", "NIL"),
        (" , ;", "NIL"),
        ("\"unterminated <x@y>", #"((NIL NIL "unterminated <x@y>" "MISSING_DOMAIN"))"#),
        ("<a@b.test", #"((NIL NIL "a" "b.test"))"#),
        ("broken: a@b.test", #"((NIL NIL "broken" NIL)(NIL NIL "a" "b.test")(NIL NIL NIL NIL))"#),
    ]

    @Test(arguments: addresses)
    func fromAddresses(_ header: String, _ expected: String) {
        let parsed = MessageParser.parse(MIMECorpus.crlf("From: \(header)\n\nx"))
        #expect(parsed.envelope == "(NIL NIL \(expected) \(expected) \(expected) NIL NIL NIL NIL NIL)")
    }

    /// RFC 3501 §7.4.2: empty Sender and Reply-To repeat From; To, Cc and Bcc do not.
    @Test func senderAndReplyToDefaultToFrom() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("""
            From: a@example.com
            Sender:
            Bcc: hidden@example.com

            x
            """))
        #expect(parsed.envelope == #"(NIL NIL ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL ((NIL NIL "hidden" "example.com")) NIL NIL)"#)
    }

    /// Unfolding keeps the whitespace after the line break; quotes and backslashes are
    /// escaped; a CR that is not a line break forces a literal.
    static let strings: [(subject: [UInt8], expected: String)] = [
        (Array("Subject: folded\r\n\tonce\r\n  twice\r\n".utf8), "\"folded\tonce  twice\""),
        (Array("Subject: say \"hi\" \\o/\r\n".utf8), #""say \"hi\" \\o/""#),
        (Array("Subject:\r\n".utf8), #""""#),
        (Array("Subject: a\rb\r\n".utf8), "{3}\r\na\rb"),
        (Array("Subject:    padded   \r\n".utf8), #""padded""#),
    ]

    @Test(arguments: strings)
    func subjectText(_ header: [UInt8], _ expected: String) {
        let parsed = MessageParser.parse(header + Array("\r\nbody".utf8))
        #expect(parsed.envelope == "(NIL \(expected) NIL NIL NIL NIL NIL NIL NIL NIL)")
    }

    @Test func firstOccurrenceWins() {
        let parsed = MessageParser.parse(MIMECorpus.crlf("Subject: one\nSubject: two\nMessage-ID: <x@y>\n\n"))
        #expect(parsed.envelope == #"(NIL "one" NIL NIL NIL NIL NIL NIL NIL "<x@y>")"#)
    }
}
