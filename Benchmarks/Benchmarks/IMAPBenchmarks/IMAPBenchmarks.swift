import Benchmark
import BenchmarkFixtures
import Foundation
import IMAPD
import Logging
import NIOCore
import Store

/// IMAP protocol benchmarks: the command parser, and whole commands through the session
/// and the store (no sockets) on a 100k-message mailbox.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5))

    // What Thunderbird sends to list a folder, parsed from its bytes.
    let headerSync = "a12 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])"
    Benchmark("Parse Thunderbird's header-sync UID FETCH", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let buffer = ByteBuffer(string: headerSync)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try CommandParser.parse(buffer).get())
        }
    }

    let search = "a13 UID SEARCH CHARSET UTF-8 OR (FROM \"alice\" SINCE 1-Jan-2026) (SUBJECT {6+}\r\nreport NOT DELETED) UNSEEN"
    Benchmark("Parse a SEARCH with a literal", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let buffer = ByteBuffer(string: search)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try CommandParser.parse(buffer).get())
        }
    }

    let large = LargeMailbox.shared
    func session(_ mailbox: LargeMailbox) throws -> LocalSession {
        let f = try mailbox.get()
        let services = IMAPServices(store: f.store, settings: IMAPSettings(hostname: "bench", appendLimit: 50 << 20),
                                    logger: Logger(label: "bench"))
        var s = try LocalSession(services: services, user: f.record)
        _ = s.run("1 EXAMINE INBOX")
        return s
    }

    Benchmark("SELECT a 100k-message mailbox", configuration: .init(scalingFactor: .one)) { benchmark in
        var s = try session(large)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(s.run("2 EXAMINE INBOX").readableBytes)
        }
    }

    Benchmark("UID FETCH 1:* (FLAGS) of 100k messages", configuration: .init(scalingFactor: .one)) { benchmark in
        var s = try session(large)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(s.run("3 UID FETCH 1:* (FLAGS)").readableBytes)
        }
    }

    Benchmark("Thunderbird's header sync of 100k messages", configuration: .init(scalingFactor: .one)) { benchmark in
        var s = try session(large)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(s.run(headerSync).readableBytes)
        }
    }

    Benchmark("UID SEARCH UNSEEN in 100k messages", configuration: .init(scalingFactor: .one)) { benchmark in
        var s = try session(large)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(s.run("4 UID SEARCH UNSEEN").readableBytes)
        }
    }

    Benchmark("UID SEARCH FROM in 100k messages (header scan)", configuration: .init(scalingFactor: .one, maxIterations: 5)) { benchmark in
        var s = try session(large)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(s.run("5 UID SEARCH FROM sender42@").readableBytes)
        }
    }

    // PARTIAL (RFC 9394): the last page of a search and of a fetch that name every message,
    // beside the whole answers above.
    for (name, command) in [
        ("UID SEARCH RETURN (PARTIAL -1:-100) UNSEEN in 100k messages", "13 UID SEARCH RETURN (PARTIAL -1:-100) UNSEEN"),
        ("SEARCH RETURN (PARTIAL -1:-100 COUNT) ALL in 100k messages", "14 SEARCH RETURN (PARTIAL -1:-100 COUNT) ALL"),
        ("UID FETCH 1:* (FLAGS) (PARTIAL -1:-50) of 100k messages", "15 UID FETCH 1:* (FLAGS) (PARTIAL -1:-50)"),
    ] {
        Benchmark(name, configuration: .init(scalingFactor: .one)) { benchmark in
            var s = try session(large)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(s.run(command).readableBytes)
            }
        }
    }

    // SORT and THREAD on 100k messages in threads of ten (subjects with "Re:", References).
    let threaded = LargeMailbox.threaded
    for (name, command) in [
        ("UID SORT (DATE) of 100k messages", "6 UID SORT (DATE) UTF-8 ALL"),
        ("SORT (SUBJECT) of 100k messages", "7 SORT (SUBJECT) UTF-8 ALL"),
        ("SORT (REVERSE ARRIVAL) of 100k messages", "8 SORT (REVERSE ARRIVAL) UTF-8 ALL"),
        ("UID SORT (DISPLAYFROM) of 100k messages", "9 UID SORT (DISPLAYFROM) UTF-8 ALL"),
        ("UID SORT RETURN (ALL) (DATE) of 100k messages (ESORT)", "10 UID SORT RETURN (ALL) (DATE) UTF-8 ALL"),
        ("THREAD REFERENCES of 100k messages", "11 THREAD REFERENCES UTF-8 ALL"),
        ("THREAD ORDEREDSUBJECT of 100k messages", "12 THREAD ORDEREDSUBJECT UTF-8 ALL"),
    ] {
        Benchmark(name, configuration: .init(scalingFactor: .one, maxIterations: 10)) { benchmark in
            var s = try session(threaded)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(s.run(command).readableBytes)
            }
        }
    }
}
