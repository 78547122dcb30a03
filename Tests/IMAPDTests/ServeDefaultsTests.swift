import Foundation
import Testing
import TestSupport

/// `roost serve` with nothing configured, and with configuration it refuses.
@Suite struct ServeDefaultsTests {
    /// With no listener named, the demo: domain, account and the three loopback listeners,
    /// on the fixed ports the README gives (so this is the one test that uses them).
    @Test func noListenerNamedServesTheDemo() throws {
        let dir = TemporaryDirectory()
        var server: ServerProcess? = try ServerProcess(data: dir.path, arguments: [])
        func waitForListeners(_ s: ServerProcess) -> String {
            let deadline = Date().addingTimeInterval(10)
            while !s.log.contains("lmtp listening on") && Date() < deadline { usleep(20_000) }
            return s.log
        }
        var log = waitForListeners(server!)
        #expect(log.contains("demo: created domain example.com and account demo@example.com with password 'demo'\n"))
        #expect(log.contains("imap listening on 127.0.0.1:1143\n"), "\(log)")
        #expect(log.contains("pop3 listening on 127.0.0.1:1110\n"))
        #expect(log.contains("lmtp listening on 127.0.0.1:2424\n"))
        let imap = try IMAPClient(port: 1143, user: "demo", password: "demo")
        #expect(try imap.send("SELECT INBOX").isOK)
        let pop3 = try WireClient(port: 1110)
        #expect(try pop3.readLine().hasPrefix("+OK "))
        let lmtp = try WireClient(port: 2424)
        #expect(try lmtp.readLine().hasPrefix("220 "))
        server?.stop()
        // A second start keeps what the first made.
        server = try ServerProcess(data: dir.path, arguments: [])
        log = waitForListeners(server!)
        #expect(!log.contains("demo: created"))
        #expect(try IMAPClient(port: 1143, user: "demo", password: "demo").send("NOOP").isOK)
        server?.stop()
    }

    /// A listener named opens only the listeners named.
    @Test func onlyNamedListenersOpen() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        let server = try ServerProcess(data: dir.path, arguments: ["--pop3", "127.0.0.1:0"])
        usleep(200_000)
        let listening = server.log.split(separator: "\n").filter { $0.contains(" listening on ") }
        #expect(listening.count == 1 && listening[0].hasPrefix("pop3 listening on 127.0.0.1:"), "\(server.log)")
        #expect(!server.log.contains("demo:"))
    }

    /// Bad configuration: one line naming the file, the line and what is wrong; exit 78
    /// (EX_CONFIG), nothing bound.
    @Test(arguments: [
        ("imap = 127.0.0.1:0\nidle_timout = 30\n", "roost.conf:2: unknown setting 'idle_timout'"),
        ("idle_timeout = 0\n", "roost.conf:1: idle_timeout must be a number from 1 to 86400"),
        ("max_message_size = lots\n", "roost.conf:1: 'lots' is not a size like 50M"),
        ("imap 127.0.0.1:143\n", "roost.conf:1: expected key = value"),
        ("imaps = 127.0.0.1:0\n", "implicit-TLS listeners (imaps, pop3s) need tls_certificate and tls_key"),
    ])
    func badConfigurationIsRefused(_ text: String, _ message: String) throws {
        let dir = TemporaryDirectory()
        let config = dir.path + "/roost.conf"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let r = try CLI(data: dir.path).run(["serve", "--config", config, "--data", dir.path])
        #expect(r.code == 78, "EX_CONFIG")
        #expect(r.err.hasSuffix(message + "\n") && r.err.split(separator: "\n").count == 1, "\(r.err)")
        #expect(r.out.isEmpty)
    }
}
