import Foundation
import Store
import Testing
import TestSupport

/// LMTP against a real `roost serve`, byte for byte.
@Suite struct LMTPWireTests {
    final class Server: @unchecked Sendable {
        let directory = TemporaryDirectory()
        let server: ServerProcess
        let store: Store

        /// Where the Unix socket listener is, when the server has one.
        var socket: String { directory.path + "/lmtp.sock" }

        init(configuration: String? = nil, unixSocket: Bool = false) throws {
            let roost = CLI(data: directory.path)
            try roost.run("domain add example.com --main")
            try roost.run("account add bob@example.com --password-stdin", input: "pw\n")
            try roost.run("account add carol@example.com --password-stdin --quota 1K", input: "pw\n")
            try roost.run("account add dave@example.com --password-stdin", input: "pw\n")
            try roost.run("mailbox create bob@example.com Lists")
            var arguments = ["--lmtp", "127.0.0.1:0"]
            if unixSocket { arguments += ["--lmtp", "unix:" + directory.path + "/lmtp.sock"] }
            if let configuration {
                let path = directory.path + "/roost.conf"
                try configuration.write(toFile: path, atomically: true, encoding: .utf8)
                arguments += ["--config", path]
            }
            server = try ServerProcess(data: directory.path, arguments: arguments)
            store = try Store(root: directory.path)
        }

        func connect(unixSocket: Bool = false) throws -> WireClient {
            let c = try unixSocket ? WireClient(unixSocket: socket) : WireClient(port: server.port("lmtp"))
            #expect(try c.readLine().hasSuffix(" LMTP Roost ready"))
            return c
        }

        /// The stored bytes of every message in a mailbox of an account.
        func messages(_ account: String, _ mailbox: String = "INBOX") throws -> [String] {
            let a = try store.account(try store.directory.requireAccount(try AccountName(parsing: account)))
            var blobs: [Int64] = []
            try a.messages(in: try a.mailbox(named: mailbox).id, uids: UIDSet(ranges: [1...UInt32.max])) { m, _ in blobs.append(m.blob) }
            return try blobs.map { String(decoding: try a.bytes(blob: $0), as: UTF8.self) }
        }
    }

    @Test func pipelinedMultiRecipientWithMixedResults() throws {
        let s = try Server()
        let c = try s.connect()
        try c.send("LHLO client.example\r\nMAIL FROM:<sender@example.org> BODY=8BITMIME\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob+Lists@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n")
        #expect(try c.readLine().hasPrefix("250-"))
        #expect(try c.readLine() == "250-PIPELINING")
        #expect(try c.readLine() == "250-ENHANCEDSTATUSCODES")
        #expect(try c.readLine() == "250-8BITMIME")
        #expect(try c.readLine() == "250 SIZE 52428800")
        #expect(try c.readLine() == "250 2.1.0 OK")
        #expect(try c.readLine() == "250 2.1.5 <bob@example.com> OK")
        #expect(try c.readLine() == "550 5.1.1 <nobody@example.com> User unknown")
        #expect(try c.readLine() == "250 2.1.5 <bob+Lists@example.com> OK")
        #expect(try c.readLine() == "250 2.1.5 <carol@example.com> OK")
        #expect(try c.readLine() == "354 Start mail input; end with <CRLF>.<CRLF>")
        let big = String(repeating: "Grüße aus Köln, eine Zeile 8-Bit-Text.\r\n", count: 40)
        try c.send("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\n..leading dot\r\n\(big).\r\n")
        #expect(try c.readLine() == "250 2.0.0 <bob@example.com> Saved as UID 1 in INBOX")
        #expect(try c.readLine() == "250 2.0.0 <bob+Lists@example.com> Saved as UID 1 in Lists")
        #expect(try c.readLine() == "552 5.2.2 <carol@example.com> Mailbox is full", "carol's 1K quota cannot take the message")
        try c.send("QUIT\r\n")
        #expect(try c.readLine().hasPrefix("221 2.0.0 "))
        #expect(try c.isClosed())

        let expected = "Return-Path: <sender@example.org>\r\nDelivered-To: <bob@example.com>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\n.leading dot\r\n\(big)"
        #expect(try s.messages("bob@example.com") == [expected])
        #expect(try s.messages("bob@example.com", "Lists") == [expected.replacingOccurrences(of: "Delivered-To: <bob@", with: "Delivered-To: <bob+Lists@")])
        #expect(try s.messages("carol@example.com").isEmpty)
    }

    @Test func sizeLimitsAndBadInput() throws {
        let s = try Server(configuration: "max_message_size = 2K\n")
        let c = try s.connect()
        try c.send("MAIL FROM:<a@example.org>\r\n")
        #expect(try c.readLine() == "503 5.5.1 Say LHLO first")
        try c.send("HELO me\r\n")
        #expect(try c.readLine() == "500 5.5.1 This is LMTP: use LHLO, not HELO")
        try c.send("LHLO me\r\n")
        for _ in 0..<4 { _ = try c.readLine() }
        #expect(try c.readLine() == "250 SIZE 2048")
        try c.send("MAIL FROM:<a@example.org> SIZE=999999\r\n")
        #expect(try c.readLine() == "552 5.3.4 Message too big (limit 2048 bytes)")
        try c.send(String(repeating: "x", count: 10_000) + "\r\n")
        #expect(try c.readLine() == "500 5.5.2 Line too long")
        try c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
        #expect(try c.readLine() == "250 2.1.0 OK")
        #expect(try c.readLine() == "250 2.1.5 <bob@example.com> OK")
        #expect(try c.readLine().hasPrefix("354 "))
        try c.send("Subject: big\r\n\r\n" + String(repeating: "0123456789\r\n", count: 400) + ".\r\n")
        #expect(try c.readLine() == "552 5.3.4 Message too big (limit 2048 bytes)")
        // The connection goes on: RSET, a good delivery.
        try c.send("RSET\r\nMAIL FROM:<>\r\nRCPT TO:<BOB@Example.COM>\r\nDATA\r\nSubject: small\r\n\r\nok\r\n.\r\nNOOP\r\n")
        #expect(try c.readLine() == "250 2.0.0 OK")
        #expect(try c.readLine() == "250 2.1.0 OK")
        #expect(try c.readLine() == "250 2.1.5 <BOB@Example.COM> OK")
        #expect(try c.readLine().hasPrefix("354 "))
        #expect(try c.readLine() == "250 2.0.0 <BOB@Example.COM> Saved as UID 1 in INBOX")
        #expect(try c.readLine() == "250 2.0.0 OK")
        #expect(try s.messages("bob@example.com").count == 1)
    }

    @Test func manyConnectionsDeliverConcurrently() async throws {
        let s = try Server()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<8 {
                group.addTask {
                    let c = try s.connect()
                    try c.send("LHLO c\r\n")
                    for _ in 0..<5 { _ = try c.readLine() }
                    for i in 0..<10 {
                        try c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: \(n)-\(i)\r\n\r\nbody\r\n.\r\n")
                        #expect(try c.readLine() == "250 2.1.0 OK")
                        #expect(try c.readLine() == "250 2.1.5 <bob@example.com> OK")
                        #expect(try c.readLine().hasPrefix("354 "))
                        #expect(try c.readLine().hasPrefix("250 2.0.0 <bob@example.com> Saved as UID "))
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try s.messages("bob@example.com")
        #expect(stored.count == 80)
        #expect(Set(stored).count == 80)
        #expect(try CLI(data: s.directory.path).run("check").code == 0)
    }

    @Test func wildcardRoutesDeliverWhereTheirTargetSays() throws {
        let s = try Server()
        let roost = CLI(data: s.directory.path)
        try roost.run("mailbox create bob@example.com lists")  // beside the fixture's Lists: route matches are lowercase
        #expect(try roost.run("route add list-*@example.com bob+*@example.com").out == "list-*@example.com -> bob+*@example.com\n")
        let c = try s.connect()
        try c.send("LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<list-lists@example.com>\r\nRCPT TO:<list-@example.com>\r\nDATA\r\nSubject: s\r\n\r\nb\r\n.\r\n")
        for _ in 0..<6 { _ = try c.readLine() }
        #expect(try c.readLine() == "250 2.1.5 <list-lists@example.com> OK")
        #expect(try c.readLine() == "550 5.1.1 <list-@example.com> User unknown", "* matches one character or more")
        #expect(try c.readLine().hasPrefix("354 "))
        #expect(try c.readLine() == "250 2.0.0 <list-lists@example.com> Saved as UID 1 in lists",
                "the matched part, put in the target's detail, names the mailbox")
    }

    @Test func mailToUnknownGoesWhereTheDomainSays() throws {
        let s = try Server()
        let roost = CLI(data: s.directory.path)
        #expect(try roost.run("domain unknown-mail example.com bob@example.com").out == "mail to unknown names of example.com goes to bob@example.com\n")
        let c = try s.connect()
        try c.send("LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<whoever@example.com>\r\nRCPT TO:<x@elsewhere.org>\r\nDATA\r\nSubject: s\r\n\r\nb\r\n.\r\n")
        for _ in 0..<6 { _ = try c.readLine() }
        #expect(try c.readLine() == "250 2.1.5 <whoever@example.com> OK")
        #expect(try c.readLine() == "550 5.1.1 <x@elsewhere.org> User unknown")
        #expect(try c.readLine().hasPrefix("354 "))
        #expect(try c.readLine() == "250 2.0.0 <whoever@example.com> Saved as UID 1 in INBOX")
        #expect(try s.messages("bob@example.com").first?.contains("Delivered-To: <whoever@example.com>") == true)
        try roost.run("domain unknown-mail example.com reject")
        try c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<whoever@example.com>\r\n")
        #expect(try c.readLine() == "250 2.1.0 OK")
        #expect(try c.readLine() == "550 5.1.1 <whoever@example.com> User unknown", "the setting takes effect without a restart")
    }

    /// The form Postfix's `lmtp:unix:` uses: a whole delivery over the socket.
    @Test func unixSocketListener() throws {
        let s = try Server(unixSocket: true)
        #expect(s.server.log.contains("lmtp listening on unix:\(s.socket)"))
        let c = try s.connect(unixSocket: true)
        try c.send("LHLO client.example\r\n")
        #expect(try c.readLine().hasPrefix("250-"))
        for _ in 0..<4 { _ = try c.readLine() }
        try c.send("MAIL FROM:<sender@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
        #expect(try c.readLine() == "250 2.1.0 OK")
        #expect(try c.readLine() == "250 2.1.5 <bob@example.com> OK")
        #expect(try c.readLine() == "354 Start mail input; end with <CRLF>.<CRLF>")
        try c.send("Subject: over a Unix socket\r\n\r\nhello\r\n.\r\nQUIT\r\n")
        #expect(try c.readLine() == "250 2.0.0 <bob@example.com> Saved as UID 1 in INBOX")
        #expect(try c.readLine().hasPrefix("221 2.0.0 "))
        #expect(try s.messages("bob@example.com") == [
            "Return-Path: <sender@example.org>\r\nDelivered-To: <bob@example.com>\r\nSubject: over a Unix socket\r\n\r\nhello\r\n",
        ])
    }

    /// A store failure that is not a full disk (here dave's append lock cannot be opened:
    /// a directory stands where the file goes, which root cannot get round either) defers
    /// that recipient alone with 451 4.3.0 and stores nothing for it; the sender's retry,
    /// once the cause is gone, stores the message exactly once.
    @Test func storeFailureDefersOneRecipient() throws {
        let s = try Server()
        let c = try s.connect()
        try c.send("LHLO c\r\n")
        for _ in 0..<5 { _ = try c.readLine() }
        func transaction(_ recipients: [String], _ subject: String) throws -> [String] {
            try c.send("MAIL FROM:<a@example.org>\r\n" + recipients.map { "RCPT TO:<\($0)>\r\n" }.joined() + "DATA\r\n")
            #expect(try c.readLine() == "250 2.1.0 OK")
            for r in recipients { #expect(try c.readLine() == "250 2.1.5 <\(r)> OK") }
            #expect(try c.readLine().hasPrefix("354 "))
            try c.send("Subject: \(subject)\r\n\r\nbody\r\n.\r\n")
            return try recipients.map { _ in try c.readLine() }
        }
        // The server has dave's account open from a first delivery.
        #expect(try transaction(["dave@example.com"], "first") == ["250 2.0.0 <dave@example.com> Saved as UID 1 in INBOX"])
        let lock = s.store.accountRoot(try s.store.directory.requireAccount(try AccountName(parsing: "dave@example.com")).id) + "/append.lock"
        try FileManager.default.removeItem(atPath: lock)
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)

        #expect(try transaction(["bob@example.com", "dave@example.com"], "second") == [
            "250 2.0.0 <bob@example.com> Saved as UID 1 in INBOX",
            "451 4.3.0 <dave@example.com> Temporary failure, try again later",
        ])
        try FileManager.default.removeItem(atPath: lock)
        #expect(try transaction(["dave@example.com"], "second") == ["250 2.0.0 <dave@example.com> Saved as UID 2 in INBOX"])

        let copy = { (to: String, subject: String) in "Return-Path: <a@example.org>\r\nDelivered-To: <\(to)>\r\nSubject: \(subject)\r\n\r\nbody\r\n" }
        #expect(try s.messages("bob@example.com") == [copy("bob@example.com", "second")])
        #expect(try s.messages("dave@example.com") == [copy("dave@example.com", "first"), copy("dave@example.com", "second")])
        let check = try CLI(data: s.directory.path).run("check")
        #expect(check.code == 0, "\(check.out)\(check.err)")
    }
}
