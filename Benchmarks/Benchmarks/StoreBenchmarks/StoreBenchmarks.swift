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

    // Full-text search (BODY/TEXT/header keys through fts.sqlite), on 100k varied messages.
    // The build is what a first search starts in the background, or `roost compact` does at once.
    let varied = VariedMailbox.shared
    Benchmark("FTS: build the index of 100k messages", configuration: .init(warmupIterations: 0, scalingFactor: .one, maxIterations: 1)) { benchmark in
        let f = try varied.get()
        removeFullTextIndex(f)
        benchmark.startMeasurement()
        let report = try f.account.compact()
        benchmark.stopMeasurement()
        FileHandle.standardError.write(Data("FTS: \(report.indexedBodies ?? -1) bodies indexed, index \(fullTextIndexBytes(f)) bytes on disk\n".utf8))
    }

    let all = UIDSet(ranges: [1...UInt32.max])
    for (name, query) in [("BODY ticket-4711 (1 match)", SearchQuery.body("ticket-4711")),
                          ("BODY of a word in 1 of 7", .body(" \(VariedMailbox.commonWord) ")),
                          ("TEXT ticket-4711", .text("ticket-4711")),
                          ("FROM sender42@ (1k matches)", .header("From", "sender42@"))] {
        for indexed in [false, true] {
            Benchmark("FTS: SEARCH \(name) in 100k, \(indexed ? "with the index" : "scanning")",
                      configuration: .init(scalingFactor: .one, maxIterations: indexed ? 20 : 3)) { benchmark in
                let f = try varied.get()
                _ = try f.account.compact()
                f.account.usesFullTextIndex = indexed
                defer { f.account.usesFullTextIndex = true }
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try f.account.search(query, in: f.inbox, among: all).count)
                }
            }
        }
    }

    // Appends while this process keeps the index (a search ran first): indexing follows in
    // the background and must not hold up the append's answer.
    Benchmark("FTS: append 8 KB, one at a time (fsync), index kept", configuration: .init(scalingFactor: .one)) { benchmark in
        let fixture = try StoreFixture()
        _ = try fixture.account.search(.body("anything"), in: fixture.inbox, among: all)
        let bytes = sampleMessage(size: 8 * 1024, n: 0)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            _ = try fixture.account.append([NewMessage(bytes: bytes)], to: fixture.inbox)
        }
    }

    Benchmark("FTS: append 8 KB from 8 threads x 25 (group commit), index kept", configuration: .init(scalingFactor: .one)) { benchmark in
        let fixture = try StoreFixture()
        _ = try fixture.account.search(.body("anything"), in: fixture.inbox, among: all)
        let bytes = sampleMessage(size: 8 * 1024, n: 0)
        let account = fixture.account, inbox = fixture.inbox
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<25 { _ = try? account.append([NewMessage(bytes: bytes)], to: inbox) }
            }
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
