import Foundation
import TestSupport
import Store
import Testing

/// Deliveries killed with SIGKILL at random moments: every delivery that reported success
/// is stored exactly once with identical bytes, nothing half-written is visible, and
/// `roost check` is clean afterwards.
@Suite struct CrashTests {
    @Test func killedDeliveriesLoseNothingAcknowledged() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")

        var generator = SystemRandomNumberGenerator()
        var sent: [String: [UInt8]] = [:]       // Message-ID -> bytes, for every attempt
        var acknowledged: Set<String> = []
        var killed = 0
        for round in 0..<12 {
            var running: [(id: String, process: Process, input: String)] = []
            for slot in 0..<4 {
                let id = "<r\(round)s\(slot)@crash.test>"
                let lines = Int.random(in: 1_000...40_000, using: &generator)  // 80 KB to 3 MB
                var text = "Message-ID: \(id)\r\nSubject: crash round \(round)\r\n\r\n"
                text += String(repeating: "\(id) \(String(repeating: "z", count: 50))\r\n", count: lines)
                let bytes = Array(text.utf8)
                sent[id] = bytes
                let input = NSTemporaryDirectory() + "roost-crash-" + UUID().uuidString
                _ = FileManager.default.createFile(atPath: input, contents: Data(bytes))
                let p = Process()
                p.executableURL = URL(fileURLWithPath: CLI.binary)
                p.arguments = ["deliver", "--to", "alice@example.com", "--data", dir.path]
                p.standardInput = FileHandle(forReadingAtPath: input)
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                running.append((id, p, input))
            }
            usleep(UInt32.random(in: 0...120_000, using: &generator))
            for r in running where Bool.random(using: &generator) {
                if r.process.isRunning { kill(r.process.processIdentifier, SIGKILL) }
            }
            for r in running {
                r.process.waitUntilExit()
                if r.process.terminationReason == .exit && r.process.terminationStatus == 0 {
                    acknowledged.insert(r.id)
                } else {
                    killed += 1
                }
                try? FileManager.default.removeItem(atPath: r.input)
            }
        }
        #expect(!acknowledged.isEmpty)
        // A delivery killed while writing leaves a torn tail, unless a later one cut it.
        try roost.expectOnlyLeftoversOfInterruptedWrites("after the kills")

        let store = try Store(root: dir.path)
        let account = try store.account(try #require(try store.directory.account(named: try AccountName(parsing: "alice@example.com"))))
        let inbox = try account.mailbox(named: "INBOX")
        var blobs: [Int64] = []
        try account.messages(in: inbox.id, uids: UIDSet(ranges: [1...UInt32.max])) { m, _ in blobs.append(m.blob) }
        var found: [String: Int] = [:]
        for blob in blobs {
            let bytes = try account.bytes(blob: blob)
            let header = String(decoding: bytes.prefix(40), as: UTF8.self)
            let id = try #require(sent.keys.first { header.hasPrefix("Message-ID: \($0)\r\n") }, "a stored message is one that was sent")
            #expect(bytes == sent[id], "\(id) is stored byte for byte")
            found[id, default: 0] += 1
        }
        for id in acknowledged { #expect(found[id] == 1, "acknowledged \(id) is stored exactly once") }
        #expect(found.values.allSatisfy { $0 == 1 })
        // Deliveries go on after the crashes.
        #expect(try roost.run("deliver --to alice@example.com", input: "Subject: after\n\nok\n").code == 0)
        #expect(try roost.run("check").code == 0)
        print("crash test: \(acknowledged.count) acknowledged, \(killed) killed, \(found.count) stored")
    }
}

/// `roost compact` killed at random moments: the store stays sound and every message that
/// was not expunged keeps its bytes.
@Suite struct CompactionCrashTests {
    @Test func killedCompactionsLeaveASoundStore() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        let store = try Store(root: dir.path)
        let account = try store.account(try #require(try store.directory.account(named: try AccountName(parsing: "alice@example.com"))))
        let inbox = try account.mailbox(named: "INBOX").id
        func body(_ n: Int) -> [UInt8] {
            Array(("Message-ID: <\(n)@compact.test>\r\n\r\n" + String(repeating: "\(n) compact me\r\n", count: 4000)).utf8)
        }
        var generator = SystemRandomNumberGenerator()
        var live = Set<Int>()
        var next = 0
        for round in 0..<6 {
            // Add messages, expunge a random part of what is there, then compact and kill.
            let added = (next..<(next + 40)).map { NewMessage(bytes: body($0)) }
            _ = try account.append(added, to: inbox)
            live.formUnion(next..<(next + 40))
            next += 40
            var uidOf: [Int: UID] = [:]
            var blobs: [(UID, Int64)] = []
            try account.messages(in: inbox, uids: UIDSet(ranges: [1...UInt32.max])) { m, _ in blobs.append((m.uid, m.blob)) }
            for (uid, blob) in blobs {
                let head = String(decoding: try account.bytes(blob: blob, range: 0..<40), as: UTF8.self)
                if let n = Int(head.dropFirst("Message-ID: <".count).prefix { $0 != "@" }) { uidOf[n] = uid }
            }
            let doomed = live.filter { _ in Bool.random(using: &generator) }
            _ = try account.store(UIDSet(doomed.compactMap { uidOf[$0] }), in: inbox, .add, Flags(system: [.deleted]))
            _ = try account.expunge(in: inbox)
            live.subtract(doomed)

            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["compact", "--data", dir.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 0...(round == 5 ? 3_000_000 : 60_000), using: &generator))
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()

            // A killed compaction leaves at most its unfinished output or the segments it had replaced.
            try roost.expectOnlyLeftoversOfInterruptedWrites("round \(round)")
            var stored = Set<Int>()
            var found: [(UID, Int64)] = []
            try account.messages(in: inbox, uids: UIDSet(ranges: [1...UInt32.max])) { m, _ in found.append((m.uid, m.blob)) }
            for (_, blob) in found {
                let bytes = try account.bytes(blob: blob)
                let head = String(decoding: bytes.prefix(40), as: UTF8.self)
                let n = try #require(Int(head.dropFirst("Message-ID: <".count).prefix { $0 != "@" }))
                #expect(bytes == body(n))
                stored.insert(n)
            }
            #expect(stored == live, "round \(round)")
        }
        let final = try roost.run("compact")
        #expect(final.code == 0)
        #expect(try roost.run("stats").out.contains("reclaimable by compact: 0 bytes"))
        #expect(try roost.run("check").code == 0)
    }
}

extension CLI {
    /// After processes were killed: `roost check --repair` finds nothing to put right but
    /// what interrupted writes leave (torn tails, a compaction's unfinished output), which it
    /// cuts away as the next open of the account would, and `roost check` is clean after.
    func expectOnlyLeftoversOfInterruptedWrites(_ context: String) throws {
        let repair = try run("check --repair")
        #expect(repair.code == 0, "\(context): \(repair.out)\(repair.err)")
        let repairs = repair.out.split(separator: "\n").filter { $0.contains(": repaired: ") }
        #expect(repairs.allSatisfy { $0.contains(": repaired: cut away: segment ") }, "\(context): \(repair.out)")
        let check = try run("check")
        #expect(check.code == 0, "\(context): \(check.out)")
    }
}
