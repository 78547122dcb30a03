import Foundation
import Testing
import TestSupport

/// Limits proven on the wire: each refusal is a BAD or NO with a response code, and the
/// connection stays usable where the protocol allows.
@Suite struct LimitsWireTests {
    @Test func overlongLinesAndLiterals() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.wire.send("long NOOP " + String(repeating: "x", count: 70_000) + "\r\n")
        #expect(try c.wire.readLine() == "long BAD [TOOBIG] Line too long")
        // A literal too large for a string (not an APPEND).
        try c.wire.send("lit LOGIN {100000}\r\n")
        #expect(try c.wire.readLine() == "lit BAD [TOOBIG] Literal too large")
        try c.wire.send("lit2 SELECT {70000+}\r\n" + String(repeating: "y", count: 70_000) + "\r\n")
        #expect(try c.wire.readLine() == "lit2 BAD [TOOBIG] Literal too large")
        #expect(try c.send("NOOP").isOK)
    }

    /// Non-synchronizing literals (LITERAL+, which covers IMAP4rev2's LITERAL-): small and
    /// large ones, in APPEND and elsewhere, are read without a continuation request.
    @Test func nonSynchronizingLiteralsUnderRev2() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.send("ENABLE IMAP4rev2").untagged == ["* ENABLED IMAP4rev2"])
        let name = "Lit" + String(repeating: "x", count: 20)
        #expect(try c.send("CREATE {\(name.utf8.count)+}\r\n\(name)").isOK)
        let big = IMAPFixture.message("big literal", body: String(repeating: "y", count: 10_000))
        let r = try c.send("APPEND {\(name.utf8.count)+}\r\n\(name) {\(big.utf8.count)+}\r\n\(big)")
        #expect(r.completion.hasSuffix("] APPEND completed"), "\(r)")
        #expect(!r.untagged.contains { $0.hasPrefix("+") })
        #expect(try c.send("STATUS \(name) (MESSAGES SIZE)").untagged == ["* STATUS \(name) (MESSAGES 1 SIZE \(big.utf8.count))"])
    }

    @Test func deepNestingAndPipelining() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        let c = try f.client()
        try c.send("SELECT INBOX")
        let deep = "SEARCH " + String(repeating: "(", count: 200) + "ALL" + String(repeating: ")", count: 200)
        #expect(try c.send(deep).completion == "BAD [LIMIT] Search program nested too deeply")
        // Thousands of pipelined commands are answered in order.
        var batch = ""
        for i in 0..<2000 { batch += "p\(i) FETCH 1 (UID)\r\n" }
        try c.wire.send(batch)
        for i in 0..<2000 {
            #expect(try c.wire.readLine() == "* 1 FETCH (UID 1)")
            #expect(try c.wire.readLine() == "p\(i) OK FETCH completed")
        }
    }

    /// Pipelined commands run in chains on the store thread and their answers go out
    /// together; what a chain may not hold (a synchronous answer, a SELECT, whatever
    /// depends on what a SELECT left) waits its turn, so every answer is the one the
    /// commands sent one at a time would get, in order.
    @Test func pipelinedCommandsAnsweredAsOneAtATime() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        let c = try f.client()
        #expect(try c.send("CREATE Box").isOK)
        #expect(try c.send("SELECT INBOX").isOK)
        try c.wire.send("p1 STATUS Box (MESSAGES)\r\np2 FETCH 1 (UID)\r\np3 STORE 1 +FLAGS (\\Flagged)\r\np4 NAMESPACE\r\n"
                        + "p5 FETCH 1 (FLAGS)\r\np6 SELECT Nosuch\r\np7 FETCH 1 (UID)\r\np8 STATUS Box (MESSAGES)\r\np9 NOOP\r\n")
        var lines: [String] = []
        while lines.last?.hasPrefix("p9 ") != true { lines.append(try c.wire.readLine()) }
        #expect(lines == [
            "* STATUS Box (MESSAGES 0)", "p1 OK STATUS completed",
            "* 1 FETCH (UID 1)", "p2 OK FETCH completed",
            "* 1 FETCH (FLAGS (\\Flagged \\Recent))", "p3 OK STORE completed",
            "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL", "p4 OK NAMESPACE completed",
            "* 1 FETCH (FLAGS (\\Flagged \\Recent))", "p5 OK FETCH completed",
            "p6 NO [NONEXISTENT] No such mailbox",
            "p7 BAD No mailbox selected",
            "* STATUS Box (MESSAGES 0)", "p8 OK STATUS completed",
            "p9 OK NOOP completed",
        ])
        // More than a chain holds, and more than the answers held back before a flush.
        var batch = ""
        for i in 0..<150 { batch += "s\(i) STATUS Box (UIDNEXT)\r\n" }
        try c.wire.send(batch + "last NOOP\r\n")
        for i in 0..<150 {
            #expect(try c.wire.readLine() == "* STATUS Box (UIDNEXT 1)")
            #expect(try c.wire.readLine() == "s\(i) OK STATUS completed")
        }
        #expect(try c.wire.readLine() == "last OK NOOP completed")
    }

    @Test func connectionsPerAccountAndTimeouts() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        let config = dir.path + "/roost.conf"
        try "max_connections_per_account = 2\nmax_connections_per_address = 3\nlogin_timeout = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(data: dir.path, arguments: ["--config", config, "--imap", "127.0.0.1:0"])
        let port = server.port("imap")
        let first = try IMAPClient(port: port, user: "alice", password: "alicepw")
        let second = try IMAPClient(port: port, user: "alice", password: "alicepw")
        let third = try IMAPClient(port: port)
        #expect(try third.send("LOGIN alice alicepw").completion == "NO [LIMIT] Too many connections for this account")
        try first.send("LOGOUT")
        usleep(200_000)
        #expect(try third.send("LOGIN alice alicepw").isOK)
        #expect(try second.send("NOOP").isOK)
        do {
            // With second and third open, a third connection from this address is the last one let in.
            let fourth = try IMAPClient(port: port)
            let fifth = try IMAPClient(port: port)
            #expect(fifth.greeting == "* BYE [LIMIT] Too many connections from your address")
            #expect(try fourth.send("NOOP").isOK)
        }
        try second.send("LOGOUT")
        try third.send("LOGOUT")
        usleep(200_000)
        // Before login, silence ends the connection after the short timeout...
        let silent = try IMAPClient(port: port)
        silent.wire.timeout = 5
        #expect(try silent.wire.readLine() == "* BYE Autologout; login took too long")
        // ...and so does a slow-loris client that never stops sending.
        let trickling = try IMAPClient(port: port)
        trickling.wire.timeout = 5
        let started = Date()
        for byte in "a LOGIN alice " + String(repeating: "x", count: 40) {
            guard (try? trickling.wire.send(String(byte))) != nil, Date().timeIntervalSince(started) < 4 else { break }
            usleep(100_000)
        }
        #expect(try trickling.wire.readLine() == "* BYE Autologout; login took too long")
        #expect(Date().timeIntervalSince(started) < 3)
    }
}

/// The idle timeout after login (RFC 9051 §5.4), here 1 second instead of 31 minutes.
@Suite struct IdleTimeoutWireTests {
    @Test func aSilentSessionIsLoggedOutAndABusyOneIsNot() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        let config = dir.path + "/roost.conf"
        try "idle_timeout = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(data: dir.path, arguments: ["--config", config, "--imap", "127.0.0.1:0"])
        let silent = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        let busy = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        silent.wire.timeout = 5
        let started = Date()
        for _ in 0..<5 {
            usleep(400_000)
            #expect(try busy.send("NOOP").isOK, "a command now and then keeps a session")
        }
        #expect(try silent.wire.readLine() == "* BYE Autologout; idle for too long")
        #expect(try silent.wire.isClosed())
        #expect(Date().timeIntervalSince(started) < 3)
    }
}

/// TLS (STARTTLS, implicit TLS) and COMPRESS=DEFLATE, driven by Python's imaplib and ssl,
/// a real client stack.
@Suite struct TLSAndCompressionTests {
    static var python: String? {
        ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run(_ script: String) throws -> String {
        let r = try runProgram(Self.python!, ["-c", script])
        #expect(r.code == 0, "\(r.output)")
        return r.output
    }

    @Test(.enabled(if: python != nil)) func startTLSAndImplicitTLS() throws {
        let dir = TemporaryDirectory()
        let cert = try TestCertificate(in: dir.path)
        let f = try IMAPFixture(["--imaps", "127.0.0.1:0", "--tls-certificate", cert.certificate, "--tls-key", cert.key])
        let out = try run("""
            import imaplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', \(f.port))
            print('before', 'STARTTLS' in m.capabilities)
            m.starttls(ssl_context=ctx)
            print('after', 'STARTTLS' in m.capabilities, m.sock.version())
            print(m.login('alice', 'alicepw')[0])
            print(m.select('INBOX')[0])
            m.logout()
            s = imaplib.IMAP4_SSL('127.0.0.1', \(f.server.port("imaps")), ssl_context=ctx)
            print('implicit', 'STARTTLS' in s.capabilities, s.login('bob', 'bobpw')[0])
            s.logout()
            """)
        #expect(out.contains("before True"))
        #expect(out.contains("after False TLSv1.3"))
        #expect(out.contains("OK\nOK"))
        #expect(out.contains("implicit False OK"))
    }

    /// With `plaintext_auth = tls-only`, LOGIN and AUTH=PLAIN wait for STARTTLS, then work.
    @Test(.enabled(if: python != nil)) func plaintextAuthenticationAfterSTARTTLS() throws {
        let dir = TemporaryDirectory()
        let cert = try TestCertificate(in: dir.path)
        let config = dir.path + "/roost.conf"
        try "plaintext_auth = tls-only\n".write(toFile: config, atomically: true, encoding: .utf8)
        let f = try IMAPFixture(["--config", config, "--tls-certificate", cert.certificate, "--tls-key", cert.key])
        let out = try run("""
            import imaplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', \(f.port))
            print('before', 'LOGINDISABLED' in m.capabilities, 'AUTH=PLAIN' in m.capabilities, 'STARTTLS' in m.capabilities)
            try:
                m.login('alice', 'alicepw')
            except imaplib.IMAP4.error as e:
                print('refused', e.args[0].decode() if isinstance(e.args[0], bytes) else e.args[0])
            m.starttls(ssl_context=ctx)
            print('after', 'LOGINDISABLED' in m.capabilities, 'AUTH=PLAIN' in m.capabilities)
            print(m.login('alice', 'alicepw')[0])
            m.logout()
            """)
        #expect(out.contains("before True False True\n"), "\(out)")
        #expect(out.contains("refused [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections"), "\(out)")
        #expect(out.contains("after False True\nOK\n"), "\(out)")
    }

    @Test(.enabled(if: python != nil)) func compressDeflate() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("compressed", body: String(repeating: "squeeze me ", count: 2000)))
        let out = try run("""
            import socket, zlib
            s = socket.create_connection(('127.0.0.1', \(f.port)))
            f = s.makefile('rb')
            f.readline()
            s.sendall(b'a LOGIN alice alicepw\\r\\n')
            while not f.readline().startswith(b'a OK'): pass
            s.sendall(b'b COMPRESS DEFLATE\\r\\n')
            print(f.readline().decode().strip())
            c = zlib.compressobj(6, zlib.DEFLATED, -15); d = zlib.decompressobj(-15)
            s.sendall(c.compress(b'c SELECT INBOX\\r\\nd FETCH 1 BODY.PEEK[TEXT]\\r\\ne LOGOUT\\r\\n') + c.flush(zlib.Z_SYNC_FLUSH))
            data = b''
            s.settimeout(10)
            while b'e OK' not in data:
                chunk = s.recv(65536)
                if not chunk: break
                data += d.decompress(chunk)
            print(b'd OK FETCH completed' in data, data.count(b'squeeze me '))
            """)
        #expect(out.contains("b OK DEFLATE active"))
        #expect(out.contains("True 2000"))
    }
}
