import Foundation
import Testing
import TestSupport

/// A data directory on a small tmpfs that fills up: deliveries are deferred with 452 4.3.1
/// (the sender keeps the message), APPEND gets a NO that says why, mail already stored
/// stays readable and intact, and service comes back when space does. Mounting needs root;
/// elsewhere the test says so and passes.
@Suite struct DiskFullTests {
    @Test func fullDiskDefersNewMailAndKeepsTheOld() throws {
        guard getuid() == 0 else {
            print("disk-full test skipped: mounting a tmpfs needs root (running as uid \(getuid()))")
            return
        }
        let scratch = TemporaryDirectory()
        let mountPoint = scratch.path + "/fs"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint])
        guard mounted.code == 0 else {
            print("disk-full test skipped: cannot mount a tmpfs here: \(mounted.output)")
            return
        }
        defer { unmount(mountPoint) }

        let data = mountPoint + "/data"
        let roost = CLI(data: data)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        let server = try ServerProcess(data: data, arguments: ["--imap", "127.0.0.1:0", "--lmtp", "127.0.0.1:0"])
        defer { server.stop() }

        var stored: [UInt32: [UInt8]] = [:]
        let lmtp = try LMTPClient(port: server.port("lmtp"))
        for n in 1...3 {
            let (reply, bytes) = try lmtp.deliver(body(n))
            let uid = try #require(IMAPClient.number(after: "Saved as UID ", in: reply).map { UInt32($0) }, "\(reply)")
            stored[uid] = bytes
        }
        let reader = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        #expect(try reader.send("SELECT INBOX").isOK)
        // One more arrives after that, so that the next SELECT has \Recent to hand out.
        let (last, lastBytes) = try lmtp.deliver(body(4))
        stored[try #require(IMAPClient.number(after: "Saved as UID ", in: last).map { UInt32($0) }, "\(last)")] = lastBytes

        let filler = mountPoint + "/filler"
        try fill(filler)

        let (refused, _) = try lmtp.deliver(body(5))
        #expect(refused == "452 4.3.1 <alice@example.com> Insufficient system storage, try again later")
        let append = try reader.append("Subject: no room\r\n\r\nx")
        #expect(append.completion == "NO [UNAVAILABLE] Server storage is full, try again later")
        // Reading goes on: the user can open the mailbox (with \Recent to claim), read a
        // message as a client that sets \Seen does, and read every message as it was.
        let other = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        #expect(try other.send("SELECT INBOX").isOK)
        let read = try other.send("UID FETCH 4 BODY[]")
        #expect(read.isOK && read.untagged.first?.hasSuffix(String(decoding: lastBytes, as: UTF8.self) + ")") == true, "\(read.tagged)")
        #expect(try reader.messages(in: "INBOX").map(\.bytes) == stored.keys.sorted().map { stored[$0]! })
        let check = try roost.run("check")
        #expect(check.code == 0, "\(check.out)\(check.err)")

        // Space comes back, and so does service.
        try FileManager.default.removeItem(atPath: filler)
        let (accepted, bytes) = try lmtp.deliver(body(6))
        #expect(accepted.hasPrefix("250 2.0.0 <alice@example.com> Saved as UID 5 in INBOX"), "\(accepted)")
        stored[5] = bytes
        let appended = try reader.append("Subject: room now\r\n\r\nx")
        #expect(appended.isOK, "\(appended)")
        stored[6] = Array("Subject: room now\r\n\r\nx".utf8)
        #expect(try reader.messages(in: "INBOX").map(\.bytes) == stored.keys.sorted().map { stored[$0]! })
        #expect(try roost.run("check").code == 0)
    }

    /// A message of about 200 KB: a few of them fit in 8 MB, with room to spare for the index.
    private func body(_ n: Int) -> String {
        "From: Sender <sender@example.org>\r\nSubject: message \(n)\r\n\r\n" + String(repeating: "message \(n), a line of its body\r\n", count: 6_000)
    }

    /// Writes `path` until the file system has not one byte left.
    private func fill(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x46, count: 1 << 16)
        var size = chunk.count
        while size > 0 {
            if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) < 0 {
                #expect(errno == ENOSPC)
                size /= 2  // smaller pieces fill what is left
            }
        }
    }

    private func unmount(_ path: String) {
        for _ in 0..<50 {
            if (try? runProgram("/bin/umount", [path]))?.code == 0 { return }
            usleep(100_000)  // a child that had files open there is still going away
        }
        _ = try? runProgram("/bin/umount", ["-l", path])
    }
}

/// One LMTP connection that delivers to alice, message after message.
final class LMTPClient {
    private let wire: WireClient

    init(port: Int) throws {
        wire = try WireClient(port: port)
        _ = try wire.readLine()
        try wire.send("LHLO test\r\n")
        while try !wire.readLine().hasPrefix("250 ") {}
    }

    /// Delivers `body` and returns the reply to DATA, and the bytes a 250 stores.
    func deliver(_ body: String) throws -> (String, [UInt8]) {
        try wire.send("MAIL FROM:<sender@example.org>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n")
        for expected in ["250 ", "250 ", "354 "] {
            let line = try wire.readLine()
            guard line.hasPrefix(expected) else { throw ServerError(description: "LMTP answered \(line)") }
        }
        try wire.send(body + ".\r\n")
        return (try wire.readLine(), Array(("Return-Path: <sender@example.org>\r\nDelivered-To: <alice@example.com>\r\n" + body).utf8))
    }
}

extension IMAPClient {
    func append(_ message: String) throws -> Reply {
        try send("APPEND INBOX {\(message.utf8.count)+}\r\n\(message)")
    }
}
