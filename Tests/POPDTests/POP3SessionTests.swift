import NIOCore
import Store
import Testing
@testable import POPD

@Suite struct POP3CommandTests {
    @Test(arguments: [
        ("USER bob", POP3Command.user("bob")), ("user bob@example.com", .user("bob@example.com")),
        ("PASS with spaces ", .pass("with spaces ")), ("AUTH", .auth(mechanism: nil, initialResponse: nil)),
        ("AUTH plain AGJvYgBwdw==", .auth(mechanism: "PLAIN", initialResponse: "AGJvYgBwdw==")),
        ("CAPA", .capa), ("STLS", .stls), ("STAT", .stat), ("LIST", .list(nil)), ("LIST 3", .list(3)),
        ("UIDL 1", .uidl(1)), ("RETR 2", .retr(2)), ("TOP 1 10", .top(1, lines: 10)), ("DELE 4", .dele(4)),
        ("NOOP", .noop), ("RSET", .rset), ("QUIT", .quit),
    ])
    func parses(line: String, expected: POP3Command) throws {
        #expect(try POP3Command.parse(line) == expected)
    }

    @Test(arguments: ["USER", "PASS", "RETR", "RETR -1", "RETR 1 2", "TOP 1", "LIST a", "STAT now", "DELE ١"])
    func refuses(line: String) {
        #expect(throws: POP3Command.ParseError.self) { try POP3Command.parse(line) }
    }
}

@Suite struct POP3SessionTests {
    static let account = AccountRecord(id: "a", name: try! AccountName(parsing: "bob@example.com"), passwordHash: "", quota: nil, created: 0)
    static let maildrop = POP3Session.Maildrop(account: account, mailbox: 7, uidValidity: 0x5F00_0001, messages: [
        .init(uid: UID(3), size: 100, blob: 1), .init(uid: UID(9), size: 200, blob: 2),
    ])

    func loggedIn() -> POP3Session {
        var s = POP3Session(hostname: "mx", settings: .init(tlsAvailable: true, plaintextAllowedWithoutTLS: true))
        _ = s.handle(.line("USER bob"))
        #expect(s.handle(.line("PASS pw")) == [.login(user: "bob", password: "pw", authorize: nil)])
        #expect(s.handle(.loggedIn(Self.maildrop)) == [.reply("+OK Logged in, 2 messages (300 octets)\r\n")])
        return s
    }

    @Test func uidlIsDovecotCompatible() {
        var s = loggedIn()
        #expect(s.handle(.line("UIDL")) == [.reply("+OK\r\n1 000000035F000001\r\n2 000000095F000001\r\n.\r\n")])
    }

    @Test func quitCommitsDeletesAndRetrievals() {
        var s = loggedIn()
        #expect(s.handle(.line("RETR 1")) == [.send(Self.maildrop.messages[0], topLines: nil)])
        #expect(s.handle(.line("NOOP")) == [], "nothing is read while a message is being sent")
        _ = s.handle(.sent)
        _ = s.handle(.line("DELE 2"))
        #expect(s.handle(.line("QUIT")) == [.commit(mailbox: 7, deleted: [UID(9)], retrieved: [UID(3)])])
        #expect(s.handle(.committed(true)) == [.reply("+OK mx Roost POP3 signing off\r\n"), .close])
    }

    @Test func stlsOnlyOnceAndOnlyBeforeLogin() {
        var s = POP3Session(hostname: "mx", settings: .init(tlsAvailable: true, plaintextAllowedWithoutTLS: false))
        #expect(s.handle(.line("USER bob")) == [.reply("-ERR [AUTH] Plaintext authentication is refused before TLS; use STLS\r\n")])
        #expect(s.handle(.line("STLS")) == [.reply("+OK Begin TLS negotiation\r\n"), .startTLS])
        _ = s.handle(.tlsStarted)
        #expect(s.handle(.line("STLS")) == [.reply("-ERR TLS is already active\r\n")])
        #expect(s.handle(.line("USER bob")) == [.reply("+OK\r\n")])
    }
}

@Suite struct ByteStufferTests {
    func run(_ text: String, top: Int? = nil, chunk: Int = 3) -> String {
        var s = ByteStuffer(topLines: top)
        var out = ByteBuffer()
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count && !s.done {
            s.transform(Array(bytes[i..<min(i + chunk, bytes.count)]), into: &out)
            i += chunk
        }
        s.finish(into: &out)
        return String(buffer: out)
    }

    @Test func stuffsDotsAcrossChunks() {
        #expect(run("A: b\r\n\r\n.x\r\n..y\r\nz.\r\n") == "A: b\r\n\r\n..x\r\n...y\r\nz.\r\n.\r\n")
        #expect(run("no final line end") == "no final line end\r\n.\r\n")
        #expect(run("") == ".\r\n")
    }

    @Test func topCountsBodyLines() {
        let m = "A: 1\r\nB: 2\r\n\r\nline 1\r\nline 2\r\nline 3\r\n"
        #expect(run(m, top: 0) == "A: 1\r\nB: 2\r\n\r\n.\r\n")
        #expect(run(m, top: 2, chunk: 1) == "A: 1\r\nB: 2\r\n\r\nline 1\r\nline 2\r\n.\r\n")
        #expect(run(m, top: 10) == m + ".\r\n")
    }
}
