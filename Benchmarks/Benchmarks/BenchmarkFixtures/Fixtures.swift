import Foundation
import Store

/// Data the benchmarks share: a fresh store, a 100k-message mailbox, sample messages.
public struct StoreFixture: Sendable {
    public let root: String
    public let store: Store
    public let account: Account
    public let inbox: MailboxID
    public let record: AccountRecord

    /// A store in `root`, made with account bench@example.com unless it holds one already.
    public init(root: String = NSTemporaryDirectory() + "roost-bench-" + UUID().uuidString) throws {
        self.root = root
        store = try Store(root: root)
        let name = try AccountName(parsing: "bench@example.com")
        if let existing = try store.directory.account(named: name) {
            record = existing
        } else {
            _ = try store.directory.addDomain("example.com")
            record = try store.createAccount(name, passwordHash: "$6$x$y")
        }
        account = try store.account(record)
        inbox = try account.mailbox(named: "INBOX").id
    }
}

/// 100,000 small messages, made once per run and shared by the benchmarks that read.
public final class LargeMailbox: @unchecked Sendable {
    public static let shared = LargeMailbox(threaded: false)
    /// The same in threads of ten (`threadedMessage`), for SORT and THREAD.
    public static let threaded = LargeMailbox(threaded: true)
    private let isThreaded: Bool
    private let lock = NSLock()
    private var fixture: StoreFixture?

    init(threaded: Bool) {
        isThreaded = threaded
    }

    public func get() throws -> StoreFixture {
        try lock.withLock {
            if let fixture { return fixture }
            let f = try StoreFixture()
            for batch in 0..<100 {
                let messages = (0..<1000).map { i in
                    let n = batch * 1000 + i
                    return NewMessage(bytes: isThreaded ? threadedMessage(size: 2000, n: n) : sampleMessage(size: 2000, n: n))
                }
                _ = try f.account.append(messages, to: f.inbox)
            }
            fixture = f
            return f
        }
    }
}

public func sampleMessage(size: Int, n: Int) -> [UInt8] {
    let header = """
        From: Sender \(n) <sender\(n % 97)@example.org>\r
        To: bench@example.com\r
        Subject: Message number \(n) about the quarterly figures\r
        Date: Sat, 21 Nov 2026 10:\(String(format: "%02d", n % 60)):00 +0100\r
        Message-ID: <\(n)@bench.example.org>\r
        Content-Type: text/plain; charset=utf-8\r
        \r

        """
    return filled(header, size: size)
}

/// Message `n` of a thread of ten: the first starts it, each other answers the one before
/// (In-Reply-To, References), with "Re:" subjects; sent dates scattered over a day.
public func threadedMessage(size: Int, n: Int) -> [UInt8] {
    let first = n - n % 10
    let seconds = (n * 7919) % 86_400
    let date = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    var header = """
        From: Sender \(n % 97) <sender\(n % 97)@example.org>\r
        To: bench@example.com\r
        Subject: \(n == first ? "" : "Re: ")Thread \(first / 10) about the quarterly figures\r
        Date: Sat, 21 Nov 2026 \(date) +0100\r
        Message-ID: <\(n)@bench.example.org>\r

        """
    if n != first {
        header += "In-Reply-To: <\(n - 1)@bench.example.org>\r\n"
        header += "References: " + (first..<n).map { "<\($0)@bench.example.org>" }.joined(separator: " ") + "\r\n"
    }
    header += "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return filled(header, size: size)
}

/// `header` and as many lines of text as fit in `size`.
private func filled(_ header: String, size: Int) -> [UInt8] {
    var text = header
    let line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    while text.utf8.count + line.utf8.count <= size { text += line }
    return Array(text.utf8)
}

/// A typical 50 KB message: text and HTML alternatives and a base64 attachment.
public func multipartMessage() -> [UInt8] {
    let base64Line = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", count: 2).prefix(76) + "\r\n"
    let text = String(repeating: "Dear team, please find the report attached. Numbers are up.\r\n", count: 60)
    let html = String(repeating: "<p>Dear team, please find the <b>report</b> attached.</p>\r\n", count: 80)
    let message = """
        From: "Report Bot" <reports@example.com>\r
        To: Team <team@example.com>, boss@example.com\r
        Cc: archive@example.com\r
        Subject: =?UTF-8?B?UXVhcnRhbHNiZXJpY2h0?= Q3\r
        Date: Sat, 21 Nov 2026 10:00:00 +0100\r
        Message-ID: <report-q3@example.com>\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="outer"\r
        \r
        --outer\r
        Content-Type: multipart/alternative; boundary="inner"\r
        \r
        --inner\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        \(text)--inner\r
        Content-Type: text/html; charset=utf-8\r
        \r
        \(html)--inner--\r
        --outer\r
        Content-Type: application/pdf; name="report.pdf"\r
        Content-Disposition: attachment; filename="report.pdf"\r
        Content-Transfer-Encoding: base64\r
        \r
        \(String(repeating: String(base64Line), count: 560))--outer--\r

        """
    return Array(message.utf8)
}

/// 100,000 messages of about 2 KB whose bodies vary like prose: words drawn unevenly from
/// a vocabulary of 8,000, so the full-text index meets many distinct trigrams, and one
/// ticket number per message (`ticket-<n>`) that only that message holds. Kept in a fixed
/// folder under /tmp and reused: the benchmark tool runs each benchmark in a process of
/// its own, and making it (and its index) takes minutes. Delete the folder to start over.
public final class VariedMailbox: @unchecked Sendable {
    public static let shared = VariedMailbox()
    public let root = NSTemporaryDirectory() + "roost-bench-varied-v1"
    private let lock = NSLock()
    private var fixture: StoreFixture?

    public static let vocabulary: [String] = {
        var random = SplitMix64(seed: 7)
        return (0..<8000).map { _ in
            String((0..<(3 + Int(random.next() % 8))).map { _ in Character(Unicode.Scalar(UInt8(97 + random.next() % 26))) })
        }
    }()
    /// A word about one message in seven holds.
    public static var commonWord: String { vocabulary[100] }

    public func get() throws -> StoreFixture {
        try lock.withLock {
            if let fixture { return fixture }
            let complete = root + "/complete"
            if FileManager.default.fileExists(atPath: complete) {
                let f = try StoreFixture(root: root)
                fixture = f
                return f
            }
            try? FileManager.default.removeItem(atPath: root)
            let f = try StoreFixture(root: root)
            var random = SplitMix64(seed: 42)
            for batch in 0..<100 {
                let messages = (0..<1000).map { i in
                    NewMessage(bytes: variedMessage(n: batch * 1000 + i, vocabulary: VariedMailbox.vocabulary, random: &random))
                }
                _ = try f.account.append(messages, to: f.inbox)
            }
            FileManager.default.createFile(atPath: complete, contents: nil)
            fixture = f
            return f
        }
    }
}

func variedMessage(n: Int, vocabulary: [String], random: inout SplitMix64) -> [UInt8] {
    var text = """
        From: Sender \(n) <sender\(n % 97)@example.org>\r
        To: bench@example.com\r
        Subject: \(vocabulary[Int(random.next() % 500)]) \(vocabulary[Int(random.next() % 8000)]) number \(n)\r
        Date: Sat, 21 Nov 2026 10:\(String(format: "%02d", n % 60)):00 +0100\r
        Message-ID: <\(n)@bench.example.org>\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        About ticket-\(n):\r

        """
    var line = ""
    while text.utf8.count < 2000 {
        // Squaring skews the choice towards the first words, as in prose.
        let r = Double(random.next() % 1_000_000) / 1_000_000
        line += vocabulary[Int(r * r * Double(vocabulary.count))] + " "
        if line.utf8.count > 70 {
            text += line + "\r\n"
            line = ""
        }
    }
    return Array(text.utf8)
}

/// A small deterministic generator, so every run indexes the same text.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bytes of the account's full-text index on disk (the database and its write-ahead log).
public func fullTextIndexBytes(_ fixture: StoreFixture) -> Int64 {
    let path = fixture.account.root + "/fts.sqlite"
    return ["", "-wal"].reduce(0) { total, suffix in
        let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? nil
        return total + (size ?? 0)
    }
}

/// Removes the account's full-text index; only before this process has searched it.
public func removeFullTextIndex(_ fixture: StoreFixture) {
    let path = fixture.account.root + "/fts.sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
