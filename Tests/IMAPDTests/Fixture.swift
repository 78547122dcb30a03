import Foundation
import Store
import TestSupport

/// A data directory with domain example.com and accounts alice (password alicepw) and bob
/// (bobpw), and `roost serve` with an IMAP listener (and LMTP) on free loopback ports.
final class IMAPFixture: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let roost: CLI
    let server: ServerProcess

    init(_ arguments: [String] = [], setup: (CLI) throws -> Void = { _ in }) throws {
        roost = CLI(data: directory.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        try roost.run("account add bob@example.com --password-stdin", input: "bobpw\n")
        try setup(roost)
        server = try ServerProcess(data: directory.path, arguments: ["--imap", "127.0.0.1:0", "--lmtp", "127.0.0.1:0"] + arguments)
    }

    var port: Int { server.port("imap") }

    /// A client logged in as `user` (alice or bob).
    func client(_ user: String = "alice") throws -> IMAPClient {
        let c = try IMAPClient(port: port, user: user, password: user + "pw")
        c.owner = self
        return c
    }

    /// Delivers a message with `roost deliver` (another process, as a local MDA would).
    func deliver(_ message: String, to: String = "alice@example.com", mailbox: String? = nil) throws {
        var args = ["deliver", "--to", to]
        if let mailbox { args += ["--mailbox", mailbox] }
        let r = try roost.run(args, input: Array(message.utf8))
        precondition(r.code == 0, r.err)
    }

    /// Delivers over the server's LMTP listener, in its own process.
    func lmtpDeliver(_ message: String, to: String = "alice@example.com") throws {
        let c = try WireClient(port: server.port("lmtp"))
        _ = try c.readLine()
        try c.send("LHLO test\r\n")
        while try !c.readLine().hasPrefix("250 ") {}
        try c.send("MAIL FROM:<sender@example.org>\r\n")
        _ = try c.readLine()
        try c.send("RCPT TO:<\(to)>\r\n")
        let rcpt = try c.readLine()
        guard rcpt.hasPrefix("250") else { throw ServerError(description: "RCPT refused: \(rcpt)") }
        try c.send("DATA\r\n")
        _ = try c.readLine()
        try c.send(message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") + ".\r\n")
        let done = try c.readLine()
        guard done.hasPrefix("250") else { throw ServerError(description: "delivery failed: \(done)") }
        try c.send("QUIT\r\n")
    }

    static func message(_ subject: String, from: String = "Sender <sender@example.org>", body: String = "Hello.",
                        extraHeaders: String = "") -> String {
        "From: \(from)\r\nTo: alice@example.com\r\nSubject: \(subject)\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <\(subject.replacingOccurrences(of: " ", with: "."))@example.org>\r\n\(extraHeaders)\r\n\(body)\r\n"
    }
}

extension IMAPClient {
    /// APPENDs a message with a non-synchronizing literal.
    @discardableResult
    func append(_ message: String, to mailbox: String = "INBOX", flags: String = "") throws -> IMAPClient.Reply {
        try send("APPEND \(mailbox) \(flags.isEmpty ? "" : "(\(flags)) "){\(message.utf8.count)+}\r\n\(message)")
    }
}
