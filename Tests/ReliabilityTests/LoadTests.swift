import Foundation
import Testing
import TestSupport

/// Many clients at once against one server, in the manner of imaptest: each selects the
/// INBOX its account shares with the others and, with a pause between, fetches, stores
/// flags, appends, expunges, idles and noops. Every command must succeed; each client keeps
/// the mailbox as its responses describe it (EXISTS, EXPUNGE, FETCH), and once all have
/// stopped and sent a NOOP, every client's picture must equal the mailbox as a new session
/// reads it. The server's memory is sampled throughout and must not keep growing.
///
/// 200 clients for 15 seconds by default; `ROOST_LOAD_SECONDS=600` (and
/// `ROOST_LOAD_CLIENTS=N`) for the long run.
@Suite struct LoadTests {
    static let accounts = 4

    @Test func manyClientsAgreeWithTheStore() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["ROOST_LOAD_SECONDS"].flatMap { Double($0) } ?? 15
        let clients = environment["ROOST_LOAD_CLIENTS"].flatMap { Int($0) } ?? 200

        let directory = TemporaryDirectory()
        let roost = CLI(data: directory.path)
        try roost.run("domain add example.com --main")
        for a in 0..<Self.accounts { try roost.run("account add u\(a)@example.com --password-stdin", input: "pw\(a)\n") }
        let config = directory.path + "/roost.conf"
        try "max_connections_per_account = 1000\nmax_connections_per_address = 1000\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(data: directory.path, arguments: ["--config", config, "--imap", "127.0.0.1:0"])
        let port = server.port("imap")
        for a in 0..<Self.accounts {
            let setup = try IMAPClient(port: port, user: "u\(a)", password: "pw\(a)")
            for i in 0..<30 { try #require(try setup.send("APPEND INBOX", literal: LoadClient.message("seed \(i)")).isOK) }
            try setup.send("LOGOUT")
        }

        let deadline = Date().addingTimeInterval(seconds)
        let running = DispatchGroup()
        let stopped = DispatchSemaphore(value: 0)
        let mayCheck = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        let results = Results()
        for n in 0..<clients {
            running.enter()
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                let client = LoadClient(port: port, account: n % Self.accounts, seed: UInt64(n + 1))
                client.run(until: deadline)
                running.leave()
                stopped.signal()
                mayCheck.wait()
                results.add(client.finish())
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        var rss: [Int] = []
        while running.wait(timeout: .now() + 1) == .timedOut {
            if let r = server.residentBytes() { rss.append(r) }
        }
        for _ in 0..<clients { stopped.wait() }
        // Every client has stopped changing things: now each catches up and is compared.
        for _ in 0..<clients { mayCheck.signal() }
        finished.wait()

        var truth: [Int: [LoadClient.Message]] = [:]
        for a in 0..<Self.accounts {
            let reader = try IMAPClient(port: port, user: "u\(a)", password: "pw\(a)")
            try reader.send("EXAMINE INBOX")
            truth[a] = LoadClient.messages(in: try reader.send("UID FETCH 1:* (UID FLAGS)").untagged)
        }
        let all = results.all
        #expect(all.count == clients)
        let commands = all.reduce(0) { $0 + $1.commands }
        print("load: \(clients) clients, \(commands) commands in \(Int(seconds)) s; server RSS MB \(rss.map { $0 >> 20 })")
        for r in all {
            #expect(r.errors.isEmpty, "client \(r.name): \(r.errors.prefix(5))")
            let expected = truth[r.account] ?? []
            #expect(r.view.count == expected.count, "client \(r.name) sees \(r.view.count) messages, the mailbox has \(expected.count)")
            for (seq, (seen, real)) in zip(r.view, expected).enumerated() {
                if let uid = seen.uid, uid != real.uid { Issue.record("client \(r.name): message \(seq + 1) is UID \(uid), really \(real.uid)") }
                if let flags = seen.flags, seen.uid != nil, flags != real.flags {
                    Issue.record("client \(r.name): UID \(real.uid) has flags \(flags.sorted()), really \(real.flags.sorted())")
                }
            }
        }
        // Memory stays flat: the last third of the run holds no more than the first third
        // did, beyond what caches warming up and the messages added account for.
        if rss.count >= 6 {
            let third = rss.count / 3
            let early = rss[third..<2 * third].reduce(0, +) / third
            let late = rss.suffix(third).reduce(0, +) / third
            #expect(late <= early + early / 2 + (32 << 20), "server RSS grew from \(early >> 20) MB to \(late >> 20) MB")
        }
    }
}

/// What each client reports when done.
final class Results: @unchecked Sendable {
    struct Report: Sendable {
        var name: String
        var account: Int
        var commands: Int
        var errors: [String]
        var view: [LoadClient.Message.Seen]
    }

    private let lock = NSLock()
    private var reports: [Report] = []
    func add(_ r: Report) { lock.withLock { reports.append(r) } }
    var all: [Report] { lock.withLock { reports } }
}

/// One client of the load test and its picture of the mailbox.
final class LoadClient {
    struct Message: Sendable {
        var uid: UInt32
        var flags: Set<String>
        /// A message as a client knows it: its UID once a response named it, its flags once
        /// a response gave them.
        struct Seen: Sendable {
            var uid: UInt32?
            var flags: Set<String>?
        }
    }

    let port: Int
    let account: Int
    let name: String
    private var random: SplitMix64
    private var client: IMAPClient?
    private var view: [Message.Seen] = []
    private var errors: [String] = []
    private var commands = 0

    init(port: Int, account: Int, seed: UInt64) {
        self.port = port
        self.account = account
        self.name = "c\(seed)"
        random = SplitMix64(seed: seed &* 0x9E37_79B9)
    }

    static func message(_ text: String) -> [UInt8] {
        Array("From: load@example.org\r\nSubject: \(text)\r\nMessage-ID: <\(UUID().uuidString)@load.test>\r\n\r\n\(text)\r\n".utf8)
    }

    func run(until deadline: Date) {
        do {
            let c = try IMAPClient(port: port, user: "u\(account)", password: "pw\(account)")
            c.wire.timeout = 60
            client = c
            try command("SELECT INBOX")
            while Date() < deadline {
                usleep(UInt32.random(in: 100_000...500_000, using: &random))
                try step(c)
            }
        } catch {
            errors.append("\(error)")
        }
    }

    /// Catches up with a NOOP and reports.
    func finish() -> Results.Report {
        if client != nil { _ = try? command("NOOP") }
        return Results.Report(name: name, account: account, commands: commands, errors: errors, view: view)
    }

    private func step(_ c: IMAPClient) throws {
        let known = view.compactMap(\.uid)
        let target = known.randomElement(using: &random)
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<25:
            try command("UID FETCH 1:* (UID FLAGS)")
        case 25..<55:
            guard let uid = target else { return }
            let flag = ["\\Flagged", "\\Seen", "\\Answered", "$Label1"].randomElement(using: &random)!
            try command("UID STORE \(uid) \(Bool.random(using: &random) ? "+" : "-")FLAGS (\(flag))")
        // As many expunges as appends, so the mailbox keeps its size and memory may stay flat.
        case 55..<63:
            commands += 1
            try absorb(try c.send("APPEND INBOX", literal: LoadClient.message("from \(name)")), "APPEND")
        case 63..<72:
            guard let uid = target else { return }
            try command("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")
            try command("UID EXPUNGE \(uid)")
        case 72..<82:
            commands += 1
            let tag = c.nextTag()
            try c.wire.send("\(tag) IDLE\r\n")
            let start = try c.wire.readLine()
            guard start.hasPrefix("+") else { throw LoadError("IDLE: \(start)") }
            // Whatever arrives while idling is part of the picture.
            c.wire.timeout = 0.2
            while let line = try? c.wire.readLine() { apply(line) }
            c.wire.timeout = 60
            try c.wire.send("DONE\r\n")
            try absorb(try c.reply(tag), "IDLE")
        default:
            try command("NOOP")
        }
    }

    private func command(_ text: String) throws {
        guard let c = client else { return }
        commands += 1
        try absorb(try c.send(text), text)
    }

    private func absorb(_ reply: IMAPClient.Reply, _ what: String) throws {
        for line in reply.untagged { apply(line) }
        if !reply.isOK { errors.append("\(what): \(reply.tagged)") }
    }

    /// Applies one untagged response to the picture.
    private func apply(_ line: String) {
        let words = line.split(separator: " ", maxSplits: 3)
        guard words.count >= 3, words[0] == "*", let n = Int(words[1]) else { return }
        switch words[2] {
        case "EXISTS":
            if n > view.count { view += Array(repeating: Message.Seen(), count: n - view.count) }
            if n < view.count { errors.append("EXISTS \(n) below the \(view.count) messages known (no EXPUNGE came)") }
        case "EXPUNGE":
            guard n >= 1 && n <= view.count else {
                errors.append("EXPUNGE \(n) of \(view.count) messages")
                return
            }
            view.remove(at: n - 1)
        case "FETCH":
            guard n >= 1 && n <= view.count else {
                errors.append("FETCH \(n) of \(view.count) messages")
                return
            }
            let parsed = LoadClient.fetchItems(line)
            if let uid = parsed.uid {
                if let known = view[n - 1].uid, known != uid { errors.append("message \(n) was UID \(known), now UID \(uid)") }
                view[n - 1].uid = uid
            }
            if let flags = parsed.flags { view[n - 1].flags = flags }
        default:
            break
        }
    }

    /// The UID and FLAGS of a FETCH response; \Recent, which is each session's own, left out.
    static func fetchItems(_ line: String) -> (uid: UInt32?, flags: Set<String>?) {
        var uid: UInt32?
        var flags: Set<String>?
        if let r = line.range(of: "UID ") {
            uid = UInt32(line[r.upperBound...].prefix { $0.isNumber })
        }
        if let r = line.range(of: "FLAGS (") {
            let list = line[r.upperBound...].prefix { $0 != ")" }
            flags = Set(list.split(separator: " ").map(String.init).filter { $0 != "\\Recent" })
        }
        return (uid, flags)
    }

    static func messages(in untagged: [String]) -> [Message] {
        untagged.compactMap { line in
            let items = fetchItems(line)
            guard line.contains(" FETCH "), let uid = items.uid else { return nil }
            return Message(uid: uid, flags: items.flags ?? [])
        }
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
