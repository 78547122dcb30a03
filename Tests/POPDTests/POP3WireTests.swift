import Foundation
import Store
import Testing
import TestSupport

/// POP3 against a real `roost serve`, byte for byte.
@Suite struct POP3WireTests {
    final class Server: @unchecked Sendable {
        let directory = TemporaryDirectory()
        let server: ServerProcess
        let store: Store
        let roost: CLI

        init(configuration: String = "", tls: Bool = false, listeners: [String] = ["--pop3", "127.0.0.1:0"]) throws {
            roost = CLI(data: directory.path)
            try roost.run("domain add example.com --main")
            try roost.run("account add bob@example.com --password-stdin", input: "bobpw\n")
            try roost.run("account add boss@example.com --password-stdin", input: "bosspw\n")
            try roost.run("admin grant boss@example.com can-access-mailboxes")
            var config = configuration
            if tls {
                let cert = try TestCertificate(in: directory.path)
                config += "tls_certificate = \(cert.certificate)\ntls_key = \(cert.key)\n"
            }
            let path = directory.path + "/roost.conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            server = try ServerProcess(data: directory.path, arguments: listeners + ["--config", path])
            store = try Store(root: directory.path)
        }

        func deliver(_ message: String) throws {
            #expect(try roost.run("deliver --to bob@example.com", input: message).code == 0)
        }

        func connect() throws -> WireClient {
            let c = try WireClient(port: server.port("pop3"))
            #expect(try c.readLine().hasSuffix(" Roost POP3 ready"))
            return c
        }

        func login(_ c: WireClient) throws {
            try c.send("USER bob\r\nPASS bobpw\r\n")
            #expect(try c.readLine() == "+OK")
            #expect(try c.readLine().hasPrefix("+OK Logged in"))
        }

        func readMultiline(_ c: WireClient) throws -> [String] {
            var lines: [String] = []
            while true {
                let l = try c.readLine()
                if l == "." { return lines }
                lines.append(l)
            }
        }

        /// Logs in on a connection of its own and quits: the answer to the password (or to
        /// AUTH PLAIN, with `plain` as its response), the maildrop unlocked again.
        func login(_ user: String, _ password: String, plain: String? = nil, port: Int? = nil, host: String = "127.0.0.1") throws -> String {
            let c = try WireClient(port: port ?? server.port("pop3"), host: host)
            _ = try c.readLine()
            if let plain {
                try c.send("AUTH PLAIN \(Data(plain.utf8).base64EncodedString())\r\nQUIT\r\n")
            } else {
                try c.send("USER \(user)\r\nPASS \(password)\r\nQUIT\r\n")
                #expect(try c.readLine() == "+OK")
            }
            let answer = try c.readLine()
            #expect(try c.readLine().hasSuffix(" Roost POP3 signing off"))
            #expect(try c.isClosed())
            return answer
        }

        func inboxCount() throws -> Int {
            let a = try store.account(try store.directory.requireAccount(try AccountName(parsing: "bob@example.com")))
            return try a.mailbox(named: "INBOX").messages
        }
    }

    @Test func sessionFromCapaToQuit() throws {
        let s = try Server()
        try s.deliver("Subject: one\n\n.starts with a dot\nline two\n")
        try s.deliver("Subject: two\nX-Bin: a\u{0}b\n\nbody\n")
        let c = try s.connect()
        try c.send("CAPA\r\n")
        #expect(try c.readLine() == "+OK Capability list follows")
        #expect(try s.readMultiline(c) == ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Roost", "USER", "SASL PLAIN LOGIN"])
        try c.send("STAT\r\n")
        #expect(try c.readLine() == "-ERR Log in first")
        try s.login(c)
        try c.send("STAT\r\nLIST\r\nLIST 2\r\nLIST 3\r\nUIDL\r\n")
        #expect(try c.readLine() == "+OK 2 80")
        #expect(try c.readLine() == "+OK")
        #expect(try s.readMultiline(c) == ["1 46", "2 34"])
        #expect(try c.readLine() == "+OK 2 34")
        #expect(try c.readLine() == "-ERR No such message")
        #expect(try c.readLine() == "+OK")
        let uidls = try s.readMultiline(c)
        #expect(uidls.count == 2 && uidls[0].hasPrefix("1 00000001") && uidls[1].hasPrefix("2 00000002"))
        try c.send("RETR 1\r\n")
        #expect(try c.readLine() == "+OK 46 octets")
        #expect(try s.readMultiline(c) == ["Subject: one", "", "..starts with a dot", "line two"])
        try c.send("TOP 2 0\r\n")
        #expect(try c.readLine() == "+OK")
        #expect(try s.readMultiline(c) == ["Subject: two", "X-Bin: a\u{FFFD}b", ""], "a NUL goes out as 0x80")
        try c.send("DELE 1\r\nDELE 1\r\nRETR 1\r\nSTAT\r\nRSET\r\nSTAT\r\nDELE 2\r\nQUIT\r\n")
        #expect(try c.readLine() == "+OK Message 1 deleted")
        #expect(try c.readLine() == "-ERR Message 1 is deleted")
        #expect(try c.readLine() == "-ERR Message 1 is deleted")
        #expect(try c.readLine() == "+OK 1 34")
        #expect(try c.readLine() == "+OK")
        #expect(try c.readLine() == "+OK 2 80")
        #expect(try c.readLine() == "+OK Message 2 deleted")
        #expect(try c.readLine().hasSuffix("Roost POP3 signing off"))
        #expect(try c.isClosed())
        #expect(try s.inboxCount() == 1, "DELE takes effect at QUIT")
    }

    @Test func noQuitNoDelete() throws {
        let s = try Server()
        try s.deliver("Subject: keep\n\nx\n")
        do {
            let c = try s.connect()
            try s.login(c)
            try c.send("DELE 1\r\n")
            #expect(try c.readLine() == "+OK Message 1 deleted")
        }
        usleep(200_000)
        #expect(try s.inboxCount() == 1)
        let again = try s.connect()
        try s.login(again)
    }

    @Test func failedLoginsAndInUse() throws {
        let s = try Server()
        let c = try s.connect()
        try c.send("PASS x\r\n")
        #expect(try c.readLine() == "-ERR USER first")
        try c.send("USER bob\r\nPASS wrong\r\n")
        #expect(try c.readLine() == "+OK")
        let start = Date()
        #expect(try c.readLine() == "-ERR [AUTH] Authentication failed")
        #expect(Date().timeIntervalSince(start) >= 0.4, "a failed login is delayed")
        try c.send("USER nobody\r\nPASS wrong\r\n")
        #expect(try c.readLine() == "+OK")
        #expect(try c.readLine() == "-ERR [AUTH] Authentication failed", "the same answer whether or not the account exists")
        try s.login(c)
        let second = try s.connect()
        try second.send("USER bob@example.com\r\nPASS bobpw\r\n")
        #expect(try second.readLine() == "+OK")
        #expect(try second.readLine() == "-ERR [IN-USE] Mailbox is locked by another POP3 session")
    }

    @Test func saslPlainAndAdministrators() throws {
        let s = try Server()
        try s.deliver("Subject: for bob\n\nx\n")
        let c = try s.connect()
        try c.send("AUTH\r\n")
        #expect(try c.readLine() == "+OK")
        #expect(try s.readMultiline(c) == ["PLAIN", "LOGIN"])
        try c.send("AUTH PLAIN\r\n")
        #expect(try c.readLine() == "+ ")
        try c.send("*\r\n")
        #expect(try c.readLine() == "-ERR Authentication cancelled")
        // The domain administrator authenticates as themself and acts as bob.
        let token = Data("bob@example.com\u{0}boss@example.com\u{0}bosspw".utf8).base64EncodedString()
        try c.send("AUTH PLAIN \(token)\r\nSTAT\r\n")
        #expect(try c.readLine() == "+OK Logged in, 1 messages (23 octets)")
        #expect(try c.readLine() == "+OK 1 23")
        let other = try s.connect()
        let bobAsBoss = Data("boss@example.com\u{0}bob@example.com\u{0}bobpw".utf8).base64EncodedString()
        try other.send("AUTH PLAIN \(bobAsBoss)\r\n")
        #expect(try other.readLine() == "-ERR [AUTH] Authentication failed", "a user cannot act as an administrator")
        try other.send("AUTH LOGIN\r\n")
        #expect(try other.readLine() == "+ VXNlcm5hbWU6")
        try other.send(Data("boss".utf8).base64EncodedString() + "\r\n")
        #expect(try other.readLine() == "+ UGFzc3dvcmQ6")
        try other.send(Data("bosspw".utf8).base64EncodedString() + "\r\n")
        #expect(try other.readLine() == "+OK Logged in, 0 messages (0 octets)")
    }

    @Test func badInput() throws {
        let s = try Server()
        let c = try s.connect()
        try c.send("XYZZY\r\nRETR\r\nRETR abc\r\n" + String(repeating: "A", count: 20_000) + "\r\nNOOP\r\n")
        #expect(try c.readLine() == "-ERR Unknown command")
        #expect(try c.readLine() == "-ERR Syntax error: RETR needs a message number")
        #expect(try c.readLine() == "-ERR Syntax error: 'abc' is not a number")
        #expect(try c.readLine() == "-ERR Line too long")
        #expect(try c.readLine() == "+OK")
    }

    /// A client that trickles bytes without ever logging in is closed at the login timeout.
    @Test func slowLorisIsClosedAtTheLoginTimeout() throws {
        let s = try Server(configuration: "login_timeout = 1\n")
        let c = try s.connect()
        c.timeout = 5
        let started = Date()
        for byte in "USER " + String(repeating: "x", count: 40) {
            guard (try? c.send(String(byte))) != nil, Date().timeIntervalSince(started) < 4 else { break }
            usleep(100_000)
        }
        #expect(try c.readLine() == "-ERR Autologout; login took too long")
        #expect(Date().timeIntervalSince(started) < 3)
        // One that logs in in time is not.
        let prompt = try s.connect()
        try s.login(prompt)
        usleep(1_500_000)
        try prompt.send("NOOP\r\n")
        #expect(try prompt.readLine() == "+OK")
    }

    @Test func largeMessageStreamsIntact() throws {
        let s = try Server()
        var text = "Subject: big\n\n"
        for i in 0..<60_000 { text += (i % 7 == 0 ? "." : "") + "line \(i) of a five megabyte message, more or less\n" }
        try s.deliver(text)
        let c = try s.connect()
        try s.login(c)
        try c.send("RETR 1\r\n")
        #expect(try c.readLine().hasSuffix(" octets"))
        let lines = try s.readMultiline(c)
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        #expect(lines == expected)
    }

    /// Pipelined RETR and TOP are answered in batches (one read on the pool for several
    /// messages); what comes back must be exactly what one command at a time gives, in
    /// order, whatever is mixed in: errors, DELE, a message too large for a batch, more
    /// messages than one batch holds.
    @Test func pipelinedRetrievalsAnswerInOrder() throws {
        let s = try Server()
        var big = "Subject: big\n\n"
        for i in 0..<2_000 { big += "line \(i) of a message larger than one batch, dot-stuffed: .\n" }
        let bodies = (1...80).map { $0 == 5 ? big : "Subject: m\($0)\n\n.dot first\nmessage \($0)\n" }
        for body in bodies { try s.deliver(body) }
        func expected(_ n: Int, top: Int? = nil) -> [String] {
            let lines = bodies[n - 1].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            guard let top, let blank = lines.firstIndex(of: "") else { return lines }
            return Array(lines[...min(blank + top, lines.count - 1)])
        }
        let c = try s.connect()
        try s.login(c)
        let octets = bodies.map { $0.utf8.count + $0.filter { $0 == "\n" }.count }
        try c.send("RETR 1\r\nRETR 2\r\nDELE 3\r\nRETR 3\r\nTOP 4 1\r\nRETR 5\r\nRETR 6\r\nRETR 99\r\nNOOP\r\n"
                   + (7...80).map { "RETR \($0)\r\n" }.joined() + "STAT\r\n")
        for n in [1, 2] {
            #expect(try c.readLine() == "+OK \(octets[n - 1]) octets")
            #expect(try s.readMultiline(c) == expected(n))
        }
        #expect(try c.readLine() == "+OK Message 3 deleted")
        #expect(try c.readLine() == "-ERR Message 3 is deleted")
        #expect(try c.readLine() == "+OK")
        #expect(try s.readMultiline(c) == expected(4, top: 1))
        for n in [5, 6] {
            #expect(try c.readLine() == "+OK \(octets[n - 1]) octets")
            #expect(try s.readMultiline(c) == expected(n))
        }
        #expect(try c.readLine() == "-ERR No such message")
        #expect(try c.readLine() == "+OK")
        for n in 7...80 {
            #expect(try c.readLine() == "+OK \(octets[n - 1]) octets")
            #expect(try s.readMultiline(c) == expected(n), "message \(n)")
        }
        #expect(try c.readLine() == "+OK 79 \(octets.reduce(0, +) - octets[2])")
    }

    @Test func stlsAndPlaintextRefusal() throws {
        let s = try Server(configuration: "plaintext_auth = tls-only\n", tls: true)
        let c = try s.connect()
        try c.send("CAPA\r\n")
        _ = try c.readLine()
        #expect(try s.readMultiline(c).suffix(1) == ["STLS"], "no USER or SASL before TLS")
        try c.send("USER bob\r\n")
        #expect(try c.readLine() == "-ERR [AUTH] Plaintext authentication is refused before TLS; use STLS")
        // openssl's client does the STLS exchange, then logs in over TLS.
        let result = try runProgram("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(s.server.port("pop3"))", "-starttls", "pop3", "-quiet", "-ign_eof",
        ], input: "CAPA\r\nUSER bob\r\nPASS bobpw\r\nSTAT\r\nQUIT\r\n")
        #expect(result.output.contains("+OK Logged in, 0 messages (0 octets)"), "\(result.output)")
        #expect(result.output.contains("+OK 0 0"))
        #expect(result.output.contains("SASL PLAIN LOGIN") && !result.output.contains("\nSTLS"), "after TLS, passwords are welcome and STLS is gone")
    }

    /// The 995-style listener: TLS from the first byte, then a plain POP3 session inside it.
    @Test func implicitTLS() throws {
        let s = try Server(tls: true, listeners: ["--pop3s", "127.0.0.1:0"])
        try s.deliver("Subject: over TLS\n\nsecret body\n")
        let result = try runProgram("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(s.server.port("pop3s"))", "-quiet", "-ign_eof",
        ], input: "CAPA\r\nUSER bob\r\nPASS bobpw\r\nLIST\r\nRETR 1\r\nQUIT\r\n")
        // "\r\n" is one Character: split at every kind of line end.
        var lines = result.output.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last == "" { lines.removeLast() }
        let greeting = try #require(lines.firstIndex { $0.hasSuffix(" Roost POP3 ready") }, "\(result.output)")
        #expect(Array(lines[(greeting + 1)...].dropLast()) == [
            "+OK Capability list follows",
            "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Roost", "USER", "SASL PLAIN LOGIN", ".",
            "+OK", "+OK Logged in, 1 messages (34 octets)",
            "+OK", "1 34", ".",
            "+OK 34 octets", "Subject: over TLS", "", "secret body", ".",
        ], "no STLS on a TLS port; \(result.output)")
        #expect(lines.last?.hasSuffix(" Roost POP3 signing off") == true, "\(result.output)")
        #expect(try s.inboxCount() == 1)
    }

    /// DELE takes effect at QUIT, and IMAP sessions with INBOX selected hear of it: one in
    /// IDLE at once, another at its next NOOP.
    @Test func deleAtQuitReachesIMAPSessions() throws {
        let s = try Server(listeners: ["--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0"])
        for n in 1...3 { try s.deliver("Subject: \(n)\n\nbody \(n)\n") }
        let selected = try IMAPClient(port: s.server.port("imap"), user: "bob", password: "bobpw")
        #expect(try selected.send("SELECT INBOX").has("* 3 EXISTS"))
        let idling = try IMAPClient(port: s.server.port("imap"), user: "bob", password: "bobpw")
        #expect(try idling.send("SELECT INBOX").has("* 3 EXISTS"))
        try idling.wire.send("i1 IDLE\r\n")
        #expect(try idling.wire.readLine() == "+ idling")

        let c = try s.connect()
        try s.login(c)
        try c.send("DELE 2\r\nQUIT\r\n")
        #expect(try c.readLine() == "+OK Message 2 deleted")
        #expect(try c.readLine().hasSuffix(" Roost POP3 signing off"))
        #expect(try idling.read { $0.hasSuffix(" EXPUNGE") } == ["* 2 EXPUNGE"])
        try idling.wire.send("DONE\r\n")
        #expect(try idling.reply("i1").isOK)
        let noop = try selected.send("NOOP")
        #expect(noop.untagged == ["* 2 EXPUNGE"])
        #expect(noop.isOK)
        #expect(try s.inboxCount() == 2)
    }

    /// Login names work as for IMAP: name%domain, a bare name on an address bound to a
    /// domain, and a server administrator acting for any account with AUTH PLAIN.
    @Test func loginsAcrossDomains() throws {
        let s = try Server(listeners: ["--pop3", "127.0.0.1:0", "--pop3", "127.0.0.2:0"])
        try s.roost.run("domain add client2.com")
        try s.roost.run("account add info@client2.com --password-stdin", input: "client2pw\n")
        try s.roost.run("account add info@example.com --password-stdin", input: "mainpw\n")
        try s.roost.run("account add root@example.com --password-stdin", input: "rootpw\n")
        try s.roost.run("admin grant root@example.com all-accounts")
        try s.roost.run("domain bind 127.0.0.2 client2.com")
        #expect(try s.roost.run("deliver --to info@client2.com", input: "Subject: client2\n\nx\n").code == 0)
        let bound = try s.server.port("pop3", on: "127.0.0.2")
        let client2 = "+OK Logged in, 1 messages (23 octets)", main = "+OK Logged in, 0 messages (0 octets)"
        let refused = "-ERR [AUTH] Authentication failed"

        #expect(try s.login("info%client2.com", "client2pw") == client2)
        #expect(try s.login("info", "mainpw") == main, "a bare name takes the main domain")
        #expect(try s.login("info", "client2pw", port: bound, host: "127.0.0.2") == client2, "and the bound domain on the bound address")
        #expect(try s.login("info", "mainpw", port: bound, host: "127.0.0.2") == refused)
        #expect(try s.login("", "", plain: "info@client2.com\u{0}root@example.com\u{0}rootpw") == client2, "a server administrator acts for any account")
        #expect(try s.login("", "", plain: "info@client2.com\u{0}boss@example.com\u{0}bosspw") == refused, "a domain administrator only for their domain's")
        #expect(try s.login("", "", plain: "info\u{0}root@example.com\u{0}rootpw", port: bound, host: "127.0.0.2") == client2, "the identity acted for takes the bound domain too")
    }

    /// A logged-in connection silent for pop3_idle_timeout is told why and closed; that is
    /// no QUIT, so its DELEs are dropped, and the maildrop is free again.
    @Test func idleTimeoutAfterLogin() throws {
        let s = try Server(configuration: "pop3_idle_timeout = 1\n")
        try s.deliver("Subject: keep\n\nx\n")
        let c = try s.connect()
        try s.login(c)
        try c.send("DELE 1\r\n")
        #expect(try c.readLine() == "+OK Message 1 deleted")
        c.timeout = 5
        #expect(try c.readLine() == "-ERR Autologout; idle for too long")
        #expect(try c.isClosed())
        #expect(try s.inboxCount() == 1)
        #expect(try s.login("bob", "bobpw") == "+OK Logged in, 1 messages (20 octets)")
    }
}
