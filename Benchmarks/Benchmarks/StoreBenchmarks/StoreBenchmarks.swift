import Benchmark
import Foundation
import Store

/// Store engine benchmarks. Each builds its data in a fresh directory under /tmp.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5))

    // Appending one 8 KB message at a time, each durable (segment fdatasync + WAL commit).
    Benchmark("Append 8 KB, one at a time (fsync)", configuration: .init(scalingFactor: .one)) { benchmark in
        let fixture = try StoreFixture()
        let bytes = sampleMessage(size: 8 * 1024, n: 0)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            _ = try fixture.account.append([NewMessage(bytes: bytes)], to: fixture.inbox)
        }
    }

    // Eight writers at once: the group commit folds their fsyncs together.
    Benchmark("Append 8 KB from 8 threads x 25 (group commit)", configuration: .init(scalingFactor: .one)) { benchmark in
        let fixture = try StoreFixture()
        let bytes = sampleMessage(size: 8 * 1024, n: 0)
        let account = fixture.account, inbox = fixture.inbox
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<25 { _ = try? account.append([NewMessage(bytes: bytes)], to: inbox) }
            }
        }
    }

    // Listing a 100k-message mailbox: UIDs, then every record (flags, size, dates).
    let large = LargeMailbox.shared
    Benchmark("Read 100k message UIDs", configuration: .init(scalingFactor: .one)) { benchmark in
        let f = try large.get()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try f.account.uids(in: f.inbox).count)
        }
    }

    Benchmark("Read 100k message records", configuration: .init(scalingFactor: .one)) { benchmark in
        let f = try large.get()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var n = 0
            try f.account.messages(in: f.inbox, uids: UIDSet(ranges: [1...UInt32.max])) { r, _ in n &+= r.size }
            blackHole(n)
        }
    }

    Benchmark("Read 100k records with ENVELOPE and BODYSTRUCTURE", configuration: .init(scalingFactor: .one)) { benchmark in
        let f = try large.get()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var n = 0
            try f.account.messages(in: f.inbox, uids: UIDSet(ranges: [1...UInt32.max]), details: true) { _, d in n &+= d!.envelope.utf8.count }
            blackHole(n)
        }
    }

    // One 50 KB message body, streamed from its segment.
    Benchmark("Read one 50 KB message body", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let fixture = try StoreFixture()
        let r = try fixture.account.append([NewMessage(bytes: multipartMessage())], to: fixture.inbox)
        var blob: Int64 = 0
        try fixture.account.messages(in: fixture.inbox, uids: UIDSet(r.uids)) { m, _ in blob = m.blob }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var n = 0
            try fixture.account.read(blob: blob) { n &+= $0.count }
            blackHole(n)
        }
    }

    // Parse once at append: MIME tree, ENVELOPE, BODYSTRUCTURE of a typical multipart message.
    Benchmark("Parse a 50 KB multipart message", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let bytes = multipartMessage()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(MessageParser.parse(bytes).bodyStructure.utf8.count)
        }
    }
}

struct StoreFixture {
    let root: String
    let store: Store
    let account: Account
    let inbox: MailboxID

    init() throws {
        root = NSTemporaryDirectory() + "roost-bench-" + UUID().uuidString
        store = try Store(root: root)
        _ = try store.directory.addDomain("example.com")
        let record = try store.createAccount(try AccountName(parsing: "bench@example.com"), passwordHash: "$6$x$y")
        account = try store.account(record)
        inbox = try account.mailbox(named: "INBOX").id
    }
}

/// 100,000 small messages, made once per run and shared by the benchmarks that read.
final class LargeMailbox: @unchecked Sendable {
    static let shared = LargeMailbox()
    private let lock = NSLock()
    private var fixture: StoreFixture?

    func get() throws -> StoreFixture {
        try lock.withLock {
            if let fixture { return fixture }
            let f = try StoreFixture()
            for batch in 0..<100 {
                let messages = (0..<1000).map { i in NewMessage(bytes: sampleMessage(size: 2000, n: batch * 1000 + i)) }
                _ = try f.account.append(messages, to: f.inbox)
            }
            fixture = f
            return f
        }
    }
}

func sampleMessage(size: Int, n: Int) -> [UInt8] {
    var text = """
        From: Sender \(n) <sender\(n % 97)@example.org>\r
        To: bench@example.com\r
        Subject: Message number \(n) about the quarterly figures\r
        Date: Sat, 21 Nov 2026 10:\(String(format: "%02d", n % 60)):00 +0100\r
        Message-ID: <\(n)@bench.example.org>\r
        Content-Type: text/plain; charset=utf-8\r
        \r

        """
    let line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    while text.utf8.count + line.utf8.count <= size { text += line }
    return Array(text.utf8)
}

/// A typical 50 KB message: text and HTML alternatives and a base64 attachment.
func multipartMessage() -> [UInt8] {
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
