import Foundation
import Testing
import TestSupport

/// Postfix from Debian delivering to Roost over LMTP, on a TCP port and on a Unix socket in
/// Postfix's `private` folder: mail sent with swaks over SMTP is read back over IMAP and
/// POP3 with Postfix's headers and Roost's Return-Path and Delivered-To.
@Suite(.serialized) struct PostfixTests {
    static var available: Bool {
        getuid() == 0 && installed("/usr/sbin/postfix") && installed("/usr/bin/swaks")
    }

    /// A private Postfix instance: its own configuration, queue and data directories and log
    /// file, SMTP on a free port, started in the foreground as a child and stopped at the end.
    /// It needs root (Postfix drops to its `postfix` user) and the Debian package's users.
    final class Postfix {
        let home = TemporaryDirectory()
        let config: String
        let log: String
        let smtpPort = freePort()
        let master = Process()
        /// Postfix's queue folder; `lmtp:unix:private/NAME` is the socket NAME in its `private` folder.
        var queue: String { home.path + "/queue" }

        init(lmtp: String, domain: String) throws {
            config = home.path + "/config"
            log = home.path + "/postfix.log"
            // Postfix's daemons run as user postfix and must reach the queue below this folder.
            chmod(home.path, 0o755)
            for folder in [config, home.path + "/queue", home.path + "/data"] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            // data_directory must belong to the mail owner; the queue's subfolders are made by `postfix check`.
            _ = try Postfix.run("/bin/chown", ["postfix", home.path + "/data"])
            try FileManager.default.copyItem(atPath: "/etc/postfix/master.cf", toPath: config + "/master.cf")
            try """
                compatibility_level = 3.6
                queue_directory = \(home.path)/queue
                data_directory = \(home.path)/data
                myhostname = mx.\(domain)
                mydestination =
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
                virtual_mailbox_domains = \(domain)
                virtual_transport = \(lmtp)
                maillog_file_prefixes = \(home.path)
                maillog_file = \(log)
                """.write(toFile: config + "/main.cf", atomically: true, encoding: .utf8)
            // No chroot (the jail would need copies of system files), no port 25, SMTP on our port,
            // and the postlogd service that writes maillog_file.
            for args in [["-F", "*/*/chroot = n"], ["-MX", "smtp/inet"], ["-M", "\(smtpPort)/inet=\(smtpPort) inet n - n - - smtpd"],
                         ["-M", "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"]] {
                _ = try Postfix.run("/usr/sbin/postconf", ["-c", config] + args)
            }
            _ = try Postfix.run("/usr/sbin/postfix", ["-c", config, "check"])
            master.executableURL = URL(fileURLWithPath: "/usr/sbin/postfix")
            master.arguments = ["-c", config, "start-fg"]
            master.standardOutput = FileHandle.nullDevice
            master.standardError = FileHandle.nullDevice
            try master.run()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && master.isRunning {
                if (try? WireClient(port: smtpPort)) != nil { return }
                usleep(100_000)
            }
            stop()
            throw ServerError(description: "postfix did not start; its log: \(logText)")
        }

        var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log)" }

        /// Runs a Postfix tool, failing with what it printed.
        @discardableResult
        static func run(_ program: String, _ arguments: [String]) throws -> String {
            let r = try runProgram(program, arguments)
            guard r.code == 0 else { throw ServerError(description: "\(program) \(arguments.joined(separator: " ")) failed: \(r.output)") }
            return r.output
        }

        func stop() {
            guard master.isRunning else { return }
            _ = try? runProgram("/usr/sbin/postfix", ["-c", config, "stop"])
            master.waitUntilExit()
        }

        deinit { stop() }
    }

    @Test(.enabled(if: PostfixTests.available), arguments: ["inet", "unix"])
    func smtpToLMTPToIMAPAndPOP3(transport: String) throws {
        let readers = ["--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0"]
        let s: MailServer, postfix: Postfix
        if transport == "unix" {
            // The README's form: Roost's socket is where Postfix's delivery agent looks for it.
            postfix = try Postfix(lmtp: "lmtp:unix:private/roost-lmtp", domain: "example.test")
            s = try MailServer(["--lmtp", "unix:\(postfix.queue)/private/roost-lmtp"] + readers, domain: "example.test")
        } else {
            s = try MailServer(["--lmtp", "127.0.0.1:0"] + readers, domain: "example.test")
            postfix = try Postfix(lmtp: "lmtp:inet:127.0.0.1:\(s.server.port("lmtp"))", domain: "example.test")
        }
        try s.roost.run("account add carol@example.test --password-stdin", input: "carolpw\n")
        let r = try runProgram("/usr/bin/swaks", [
            "--server", "127.0.0.1:\(postfix.smtpPort)", "--from", "alice@example.org", "--to", "bob@example.test,carol@example.test",
            "--header", "Subject: through Postfix", "--body", "Hello from Postfix.\n.a dotted line\n",
        ])
        #expect(r.code == 0, "\(r.output)")
        // Postfix delivers asynchronously; wait for the message to arrive.
        let deadline = Date().addingTimeInterval(30)
        func arrived() throws -> Bool {
            try s.inbox("carol@example.test").messages > 0 && s.inbox("bob@example.test").messages > 0
        }
        while Date() < deadline, try !arrived() { usleep(100_000) }
        try #require(try arrived(), "Postfix did not deliver; its log: \(postfix.logText)")
        for (user, password) in [("bob", "bobpw"), ("carol", "carolpw")] {
            let imap = try IMAPClient(port: s.server.port("imap"), user: "\(user)@example.test", password: password)
            let read = try imap.messages(in: "INBOX")
            #expect(read.count == 1)
            let text = String(decoding: read.first?.bytes ?? [], as: UTF8.self)
            #expect(text.hasPrefix("Return-Path: <alice@example.org>\r\nDelivered-To: <\(user)@example.test>\r\n"), "\(text)")
            #expect(text.contains("\r\nReceived: from ") && text.contains("\r\nSubject: through Postfix\r\n"), "\(text)")
            // Stored as Postfix sent it: dot-unstuffed, with the two empty lines swaks adds.
            #expect(text.hasSuffix("\r\n\r\nHello from Postfix.\r\n.a dotted line\r\n\r\n\r\n"), "\(text)")

            let c = try WireClient(port: s.server.port("pop3"))
            _ = try c.readLine()
            try c.send("USER \(user)@example.test\r\nPASS \(password)\r\nRETR 1\r\nQUIT\r\n")
            #expect(try c.readLine() == "+OK")
            #expect(try c.readLine().hasPrefix("+OK Logged in, 1 messages"))
            #expect(try c.readLine().hasSuffix(" octets"))
            var lines: [String] = []
            while true {
                let l = try c.readLine()
                if l == "." { break }
                lines.append(l)
            }
            #expect(lines.first == "Return-Path: <alice@example.org>")
            #expect(lines.dropFirst().first == "Delivered-To: <\(user)@example.test>")
            #expect(lines.contains { $0.hasPrefix("Received: from ") && !$0.isEmpty })
            #expect(lines.contains("Subject: through Postfix"))
            // The body as swaks sends it (`swaks --dump` shows the two empty lines it adds), dot-stuffed again by POP3.
            let body = lines.firstIndex(of: "").map { Array(lines[($0 + 1)...]) }
            #expect(body == ["Hello from Postfix.", "..a dotted line", "", ""], "\(lines)")
        }
    }
}
