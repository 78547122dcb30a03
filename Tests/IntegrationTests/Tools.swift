import Foundation
import Store
import TestSupport

/// Whether a program the integration tests drive is installed (scripts/test installs them).
func installed(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

/// A free TCP port on 127.0.0.1, for programs that need one fixed in their configuration.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A data directory with domain example.com, account bob@example.com (password bobpw),
/// and a running server.
final class MailServer: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let roost: CLI
    let server: ServerProcess
    let store: Store

    init(_ arguments: [String], domain: String = "example.com") throws {
        roost = CLI(data: directory.path)
        try roost.run("domain add \(domain) --main")
        try roost.run("account add bob@\(domain) --password-stdin", input: "bobpw\n")
        server = try ServerProcess(data: directory.path, arguments: arguments)
        store = try Store(root: directory.path)
    }

    func deliver(_ subject: String, to: String = "bob@example.com") throws {
        let r = try roost.run("deliver --to \(to)", input: "From: sender@example.org\nTo: \(to)\nSubject: \(subject)\nMessage-ID: <\(subject.replacingOccurrences(of: " ", with: "."))@test>\n\nThis is \(subject).\n")
        precondition(r.code == 0, r.err)
    }

    func inbox(_ account: String = "bob@example.com") throws -> MailboxStatus {
        let a = try store.account(try store.directory.requireAccount(try AccountName(parsing: account)))
        return try a.mailbox(named: "INBOX")
    }
}

/// Files in a folder (a Maildir's new/ and cur/, an MDA's output folder).
func files(in path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.map { path + "/" + $0 }
}
