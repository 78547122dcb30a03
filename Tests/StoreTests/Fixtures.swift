import Foundation
import TestSupport
@testable import Store

/// A store with domain example.com and account alice@example.com.
struct Fixture {
    let directory = TemporaryDirectory()
    let store: Store
    let alice: Account
    let record: AccountRecord

    init() throws {
        store = try Store(root: directory.path)
        _ = try store.directory.addDomain("example.com", main: true)
        record = try store.createAccount(try AccountName(parsing: "alice@example.com"), passwordHash: try Password.hash("secret"))
        alice = try store.account(record)
    }

    func inbox() throws -> MailboxStatus { try alice.mailbox(named: "INBOX") }
}

func message(_ n: Int, size: Int = 0, subject: String? = nil) -> [UInt8] {
    var text = "From: Sender \(n) <sender\(n)@example.org>\r\nTo: alice@example.com\r\nSubject: \(subject ?? "message \(n)")\r\nMessage-ID: <\(n)@test>\r\n\r\nBody of message \(n).\r\n"
    if size > text.utf8.count {
        let line = String(repeating: "x", count: 76) + "\r\n"
        while text.utf8.count + line.utf8.count <= size { text += line }
    }
    return Array(text.utf8)
}
