import Store
import Testing
@testable import LMTPD

@Suite struct LMTPCommandTests {
    @Test(arguments: [
        ("LHLO mx.example.com", LMTPCommand.lhlo("mx.example.com")),
        ("lhlo x", .lhlo("x")),
        ("MAIL FROM:<a@b.c>", .mail(from: "a@b.c", parameters: [:])),
        ("MAIL FROM:<> SIZE=1234 BODY=8BITMIME", .mail(from: "", parameters: ["SIZE": "1234", "BODY": "8BITMIME"])),
        ("mail from: <a@b.c>", .mail(from: "a@b.c", parameters: [:])),
        ("RCPT TO:<bob@example.com>", .rcpt(to: "bob@example.com", parameters: [:])),
        ("RCPT TO:<@relay.example:bob@example.com> NOTIFY=NEVER", .rcpt(to: "bob@example.com", parameters: ["NOTIFY": "NEVER"])),
        ("DATA", .data), ("rset", .rset), ("NOOP", .noop), ("NOOP hello", .noop), ("QUIT", .quit),
        ("EHLO x", .smtpGreeting("EHLO")), ("VRFY bob", .vrfy("bob")),
    ])
    func parses(line: String, expected: LMTPCommand) throws {
        #expect(try LMTPCommand.parse(line) == expected)
    }

    @Test(arguments: ["MAIL FROM:a@b.c", "MAIL TO:<a@b.c>", "RCPT TO:<>", "DATA now", "LHLO", "RCPT TO:<a@b.c"])
    func refusesBadSyntax(line: String) {
        #expect(throws: LMTPCommand.ParseError.self) { try LMTPCommand.parse(line) }
    }

    @Test func refusesUnknownVerbs() {
        #expect(throws: LMTPCommand.ParseError.unknownCommand("STARTTLSX")) { try LMTPCommand.parse("STARTTLSX") }
    }
}

@Suite struct LMTPSessionTests {
    static let account = AccountRecord(id: "x", name: try! AccountName(parsing: "bob@example.com"), passwordHash: "", quota: nil, created: 0)

    func replies(_ actions: [LMTPSession.Action]) -> [String] {
        actions.compactMap { if case .reply(let r) = $0 { return r.encoded } else { return nil } }
    }

    @Test func fullTransaction() {
        var s = LMTPSession(hostname: "mx", limits: .init(maxMessageSize: 1000))
        #expect(replies(s.handle(.connected)) == ["220 mx LMTP Roost ready\r\n"])
        #expect(replies(s.handle(.line("MAIL FROM:<a@b.c>"))) == ["503 5.5.1 Say LHLO first\r\n"])
        #expect(replies(s.handle(.line("LHLO client"))) == ["250-mx\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE 1000\r\n"])
        #expect(replies(s.handle(.line("RCPT TO:<bob@example.com>"))) == ["503 5.5.1 MAIL first\r\n"])
        #expect(replies(s.handle(.line("MAIL FROM:<a@b.c> SIZE=2000"))) == ["552 5.3.4 Message too big (limit 1000 bytes)\r\n"])
        #expect(replies(s.handle(.line("MAIL FROM:<a@b.c>"))) == ["250 2.1.0 OK\r\n"])
        #expect(replies(s.handle(.line("DATA"))) == ["503 5.5.1 No valid recipients\r\n"])
        #expect(s.handle(.line("RCPT TO:<bob@example.com>")) == [.checkRecipient("bob@example.com")])
        let recipient = LMTPSession.Recipient(address: "bob@example.com", account: Self.account, mailbox: nil)
        #expect(replies(s.handle(.recipientChecked("bob@example.com", .accepted(recipient)))) == ["250 2.1.5 <bob@example.com> OK\r\n"])
        #expect(replies(s.handle(.recipientChecked("x@example.com", .unknown))) == ["550 5.1.1 <x@example.com> User unknown\r\n"])
        #expect(replies(s.handle(.recipientChecked("y@example.com", .overQuota))) == ["552 5.2.2 <y@example.com> Mailbox is full\r\n"])
        #expect(s.handle(.line("DATA")) == [.reply(LMTPReply(354, nil, "Start mail input; end with <CRLF>.<CRLF>")), .receiveMessage(limit: 1000)])
        let envelope = LMTPSession.Envelope(from: "a@b.c", recipients: [recipient])
        #expect(s.handle(.message(Array("x".utf8))) == [.deliver(envelope, Array("x".utf8))])
        #expect(replies(s.handle(.delivered([LMTPReply(250, "2.0.0", "<bob@example.com> Saved")]))) == ["250 2.0.0 <bob@example.com> Saved\r\n"])
        #expect(replies(s.handle(.line("DATA"))) == ["503 5.5.1 MAIL and RCPT first\r\n"], "a delivery ends the transaction")
        #expect(s.handle(.line("QUIT")) == [.reply(LMTPReply(221, "2.0.0", "mx closing connection")), .close])
    }

    @Test func oversizedDataFailsEveryRecipient() {
        var s = LMTPSession(hostname: "mx", limits: .init(maxMessageSize: 10))
        _ = s.handle(.line("LHLO c"))
        _ = s.handle(.line("MAIL FROM:<>"))
        let r = LMTPSession.Recipient(address: "bob@example.com", account: Self.account, mailbox: nil)
        _ = s.handle(.recipientChecked("bob@example.com", .accepted(r)))
        _ = s.handle(.recipientChecked("bob@example.com", .accepted(r)))
        _ = s.handle(.line("DATA"))
        #expect(replies(s.handle(.message(nil))) == Array(repeating: "552 5.3.4 Message too big (limit 10 bytes)\r\n", count: 2))
    }

    @Test func smtpGreetingsAndUnknownCommands() {
        var s = LMTPSession(hostname: "mx")
        #expect(replies(s.handle(.line("EHLO c"))) == ["500 5.5.1 This is LMTP: use LHLO, not EHLO\r\n"])
        #expect(replies(s.handle(.line("XYZZY"))) == ["500 5.5.2 Unknown command XYZZY\r\n"])
        #expect(replies(s.handle(.line("MAIL FROM:x"))) == ["501 5.5.4 Syntax error: the address must be in angle brackets\r\n"])
        #expect(replies(s.handle(.lineTooLong)) == ["500 5.5.2 Line too long\r\n"])
    }
}
