import Benchmark
import BenchmarkFixtures
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
