import Foundation
import Testing
import TestSupport

/// `roost serve` killed with SIGKILL at random moments while several connections deliver
/// over LMTP (so group commits are in flight), APPEND, STORE, MOVE and EXPUNGE over IMAP,
/// and `roost compact` runs in a process of its own and is killed too. After each restart:
/// every acknowledged message is there exactly once with its bytes, where it was last moved
/// to, unless an acknowledged EXPUNGE removed it; acknowledged flags are set; no UID is
/// given twice and UIDNEXT never goes down; UIDVALIDITY stays; `roost check` is clean.
///
/// 10 rounds by default; `ROOST_CRASH_ROUNDS=100` for the long run. The seed is printed;
/// `ROOST_CRASH_SEED=N` runs the same schedule again (as far as thread timing allows).
@Suite struct CrashHarnessTests {
    static let mailboxes = ["INBOX", "Archive"]

    @Test func killedServerKeepsEveryAcknowledgedChange() throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = environment["ROOST_CRASH_ROUNDS"].flatMap { Int($0) } ?? 10
        let seed = environment["ROOST_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        print("crash harness: \(rounds) rounds, ROOST_CRASH_SEED=\(seed)")
        var random = SplitMix64(seed: seed)

        let directory = TemporaryDirectory()
        let roost = CLI(data: directory.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        try roost.run("mailbox create alice@example.com Archive")
        let ledger = Ledger()
        var server = try ServerProcess(data: directory.path, arguments: ["--imap", "127.0.0.1:0", "--lmtp", "127.0.0.1:0"])
        let first = try ledger.observe(server)
        #expect(first.problems.isEmpty)
        let uidValidity = first.uidValidity
        var compactions = (killed: 0, finished: 0)

        for round in 0..<rounds {
            let workers = DispatchGroup()
            let lmtp = server.port("lmtp"), imap = server.port("imap")
            for w in 0..<3 {
                let seed = random.next()
                DispatchQueue.global().async(group: workers) { LMTPWorker(ledger: ledger, port: lmtp, name: "L\(round).\(w)", seed: seed).run() }
            }
            let appendSeed = random.next()
            DispatchQueue.global().async(group: workers) { AppendWorker(ledger: ledger, port: imap, name: "A\(round)", seed: appendSeed).run() }
            for owner in 0..<Ledger.owners {
                let seed = random.next()
                DispatchQueue.global().async(group: workers) { ChangeWorker(ledger: ledger, port: imap, owner: owner, seed: seed).run() }
            }

            // The server dies at `killAt`; a compaction in its own process may start before
            // that and be killed before, after, or not at all (microseconds into the round).
            let killAt = UInt32.random(in: 200_000...1_400_000, using: &random)
            let compactAt = Bool.random(using: &random) ? UInt32.random(in: 0..<killAt, using: &random) : nil
            let compactionKillAt = compactAt.flatMap { Bool.random(using: &random) ? UInt32.random(in: $0...(killAt + 300_000), using: &random) : nil }
            var clock: UInt32 = 0
            func wait(until moment: UInt32) {
                if moment > clock { usleep(moment - clock) }
                clock = max(clock, moment)
            }
            var compaction: Process?
            if let compactAt {
                wait(until: compactAt)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: CLI.binary)
                p.arguments = ["compact", "--data", directory.path]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                compaction = p
            }
            if let compaction, let at = compactionKillAt, at < killAt {
                wait(until: at)
                sigkill(compaction)
            }
            wait(until: killAt)
            server.kill9()
            if let compaction {
                if let at = compactionKillAt, at >= killAt {
                    wait(until: at)
                    sigkill(compaction)
                }
                compaction.waitUntilExit()
                if compaction.terminationReason == .uncaughtSignal { compactions.killed += 1 } else { compactions.finished += 1 }
            }
            #expect(workers.wait(timeout: .now() + 60) == .success, "round \(round): the clients stop once the server is gone")

            server = try ServerProcess(data: directory.path, arguments: ["--imap", "127.0.0.1:0", "--lmtp", "127.0.0.1:0"])
            let seen = try ledger.observe(server)
            for problem in seen.problems { Issue.record("round \(round) (ROOST_CRASH_SEED=\(seed)): \(problem)") }
            #expect(seen.uidValidity == uidValidity, "round \(round): UIDVALIDITY unchanged")
            let check = try roost.run("check")
            #expect(check.code == 0, "round \(round) (ROOST_CRASH_SEED=\(seed)): \(check.out)\(check.err)")
            try ledger.trim(server, keep: 150)
        }
        server.stop()
        print("crash harness: \(ledger.summary); compactions: \(compactions.killed) killed, \(compactions.finished) finished")
    }
}

/// Sudden death for a child process that is still running.
private func sigkill(_ process: Process) {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
}

/// A message body of a few hundred bytes to some tens of kilobytes, now and then a large
/// one (so that kills land inside segment writes), tagged with its token.
func messageBody(_ token: String, _ random: inout SplitMix64) -> String {
    let lines = Bool.random(using: &random) && Int.random(in: 0..<8, using: &random) == 0
        ? Int.random(in: 2_000...6_000, using: &random) : Int.random(in: 3...300, using: &random)
    let filler = String(repeating: "crash", count: Int.random(in: 1...14, using: &random))
    var text = "From: Crash <crash@example.org>\r\nTo: alice@example.com\r\nSubject: \(token)\r\nX-Crash-Token: \(token)\r\n\r\n"
    for n in 0..<lines { text += "\(token) line \(n) \(filler)\r\n" }
    return text
}
