import Foundation
@testable import Store

/// A fresh data directory under /tmp, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "roost-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

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
