import Foundation
import Testing
import TestSupport

/// A .SILENT STORE on many messages is acknowledged once its ranges are committed, before
/// the message rows change (Account+FlagRanges.swift). Killed with SIGKILL right after the
/// OK, the server comes back with every message changed, the unseen count with them.
@Suite struct FlagRangeCrashTests {
    @Test func aKilledServerKeepsALargeStore() throws {
        let directory = TemporaryDirectory()
        let roost = CLI(data: directory.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        let count = 6_000
        try roost.importMessages(count)
        let arguments = ["--imap", "127.0.0.1:0"]
        var server = try ServerProcess(data: directory.path, arguments: arguments)
        let all = (1...count).map(String.init).joined(separator: " ")
        let steps = [("+FLAGS.SILENT (\\Seen \\Flagged)", 0, all), ("-FLAGS.SILENT (\\Seen)", count, all),
                     ("-FLAGS.SILENT (\\Flagged)", count, ""), ("+FLAGS.SILENT (\\Seen)", 0, "")]
        for (change, unseen, flagged) in steps {
            let c = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
            try c.send("SELECT INBOX")
            let stored = try c.send("UID STORE 1:* \(change)")
            #expect(stored.isOK && stored.untagged.isEmpty, "\(stored)")
            server.kill9()
            server = try ServerProcess(data: directory.path, arguments: arguments)
            let d = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
            #expect(try d.send("STATUS INBOX (UNSEEN)").untagged == ["* STATUS INBOX (UNSEEN \(unseen))"], "after \(change)")
            try d.send("EXAMINE INBOX")
            #expect(try d.send("SEARCH FLAGGED").untagged == ["* SEARCH" + (flagged.isEmpty ? "" : " " + flagged)], "after \(change)")
            #expect(try d.send("SEARCH UNSEEN").untagged == ["* SEARCH" + (unseen == 0 ? "" : " " + all)], "after \(change)")
        }
        server.stop()
        let check = try roost.run("check")
        #expect(check.code == 0, "\(check.out)\(check.err)")
    }
}
