import Foundation
import Testing
import TestSupport

/// Several sessions on one mailbox: each sees the others' appends, flag changes and
/// expunges with correct sequence numbers, never an EXPUNGE while answering FETCH, STORE
/// or SEARCH by sequence number (RFC 9051 §7.5.1); IDLE pushes changes at once.
@Suite struct ConcurrencyWireTests {
    @Test func twoSessionsSeeEachOther() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("first"))
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        try b.send("SELECT INBOX")
        try b.append(IMAPFixture.message("second"))
        var r = try a.send("NOOP")
        #expect(r.untagged == ["* 2 EXISTS", "* 1 RECENT"])
        try b.send("STORE 1 +FLAGS (\\Flagged)")
        r = try a.send("NOOP")
        #expect(r.untagged == ["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))"])
        try b.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        try b.send("EXPUNGE")
        // By sequence number the expunge must wait; the message is simply not there.
        r = try a.send("FETCH 1:2 UID")
        #expect(r.untagged == ["* 2 FETCH (UID 2)"])
        #expect(r.completion == "NO [EXPUNGEISSUED] Some of the requested messages no longer exist")
        r = try a.send("SEARCH ALL")
        #expect(r.untagged == ["* SEARCH 2"])
        // Message 2 is \Recent for b, whose session saw it arrive.
        r = try a.send("STORE 2 +FLAGS (\\Seen)")
        #expect(r.untagged == ["* 2 FETCH (FLAGS (\\Seen))"])
        // Now it may be told, and numbering moves up.
        r = try a.send("NOOP")
        #expect(r.untagged == ["* 1 EXPUNGE"])
        #expect(try a.send("FETCH 1 UID").untagged == ["* 1 FETCH (UID 2)"])
        // UID commands may carry the expunge at once.
        try b.append(IMAPFixture.message("third"))
        try b.send("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
        try b.send("UID EXPUNGE 2")
        r = try a.send("UID FETCH 1:* UID")
        #expect(r.untagged == ["* 1 EXPUNGE", "* 1 EXISTS", "* 0 RECENT"])
        #expect(r.completion == "OK UID FETCH completed", "a UID FETCH ignores UIDs that no longer exist")
        #expect(try a.send("UID FETCH 1:* UID").untagged == ["* 1 FETCH (UID 3)"])
    }

    /// Another session's flag change still waiting to be told must not come after this
    /// session's own later change to the same message: the client would go back to the
    /// older flags (found by the load test).
    /// A NOOP with nothing to tell is answered without the store threads; whatever another
    /// session or an LMTP delivery finished before it, it tells, however soon before.
    @Test func noopTellsWhatCameJustBeforeIt() throws {
        let f = try IMAPFixture()
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        #expect(try a.send("NOOP").untagged == [])
        #expect(try a.send("CHECK").completion == "OK NOOP completed")
        for i in 1...10 {
            if i % 2 == 0 {
                try f.lmtpDeliver(IMAPFixture.message("lmtp \(i)"))
            } else {
                #expect(try b.append(IMAPFixture.message("append \(i)"), to: "INBOX").completion.hasSuffix("] APPEND completed"))
            }
            #expect(try a.send("NOOP").untagged == ["* \(i) EXISTS", "* \(i) RECENT"], "message \(i)")
            #expect(try a.send("NOOP").untagged == [])
        }
        try b.send("SELECT INBOX")
        #expect(try b.send("STORE 3 +FLAGS.SILENT (\\Flagged)").isOK)
        let told = try a.send("NOOP").untagged
        #expect(told == ["* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))"], "\(told)")
    }

    @Test func ownChangeIsNotUndoneByAnOlderOneWaiting() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("first"))
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        try b.send("SELECT INBOX")
        try a.send("STORE 1 +FLAGS ($Label1)")
        var r = try b.send("STORE 1 +FLAGS (\\Answered)")
        #expect(r.untagged.filter { $0.contains("FETCH") } == ["* 1 FETCH (FLAGS (\\Answered $Label1))"])
        #expect(try b.send("NOOP").untagged.filter { $0.contains("FETCH") } == [])
        // With .SILENT the client is told the flags as they are now, both changes in them.
        try a.send("STORE 1 +FLAGS (\\Flagged)")
        r = try b.send("STORE 1 +FLAGS.SILENT (\\Seen)")
        let told = r.untagged + (try b.send("NOOP").untagged)
        #expect(told.filter { $0.contains("FETCH") } == ["* 1 FETCH (UID 1 FLAGS (\\Answered \\Flagged \\Seen $Label1))"])
    }

    @Test func fiveSessionsAgreeOnNumbering() throws {
        let f = try IMAPFixture()
        let clients = try (0..<5).map { _ in try f.client() }
        for c in clients { try c.send("SELECT INBOX") }
        for (i, c) in clients.enumerated() { try c.append(IMAPFixture.message("from \(i)")) }
        for c in clients {
            _ = try c.send("NOOP")
            let r = try c.send("FETCH 1:* (UID)")
            #expect(r.untagged == (1...5).map { "* \($0) FETCH (UID \($0))" })
        }
        try clients[2].send("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
        try clients[2].send("EXPUNGE")
        for c in clients where c !== clients[2] {
            let r = try c.send("NOOP")
            #expect(r.untagged.filter { $0.hasSuffix("EXPUNGE") } == ["* 4 EXPUNGE", "* 2 EXPUNGE"])
            #expect(try c.send("FETCH 1:* (UID)").untagged == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)"])
        }
    }

    @Test func idlePushesLMTPDeliveryAndRoostDeliver() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.send("SELECT INBOX")
        try c.wire.send("idle IDLE\r\n")
        #expect(try c.wire.readLine() == "+ idling")
        // The push must follow the delivery's acknowledgement (the commit is before it)
        // within 100 ms; the whole delivery, connection included, takes longer.
        var start = Date()
        try f.lmtpDeliver(IMAPFixture.message("pushed"))
        var acknowledged = Date()
        var lines = try c.read { $0 == "* 1 EXISTS" }
        #expect(lines == ["* 1 EXISTS"])
        #expect(Date().timeIntervalSince(acknowledged) < 0.1, "push \(Date().timeIntervalSince(acknowledged)) s after the 250")
        #expect(Date().timeIntervalSince(start) < 0.5)
        // Another process: `roost deliver` signals the server before it exits.
        start = Date()
        try f.deliver(IMAPFixture.message("from another process"))
        acknowledged = Date()
        lines = try c.read { $0 == "* 2 EXISTS" }
        #expect(lines.contains("* 2 EXISTS"))
        #expect(Date().timeIntervalSince(acknowledged) < 0.1, "push \(Date().timeIntervalSince(acknowledged)) s after roost deliver exited")
        try c.wire.send("DONE\r\n")
        let r = try c.reply("idle")
        #expect(r.completion == "OK IDLE terminated")
        #expect(try c.send("FETCH 1:2 UID").untagged == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)"])
    }

    /// A .SILENT STORE on many messages is recorded as ranges and folded afterwards
    /// (Account+FlagRanges.swift): the storing session hears nothing back, an idling
    /// session is told every message that changed and only those, a STORE that changes
    /// nothing tells nobody, CONDSTORE still gets each MODSEQ, and STATUS, SEARCH and
    /// FETCH see the change at once.
    @Test func aLargeSilentStoreReachesEveryone() throws {
        let f = try IMAPFixture { try $0.importMessages(1_200) }
        let a = try f.client(), b = try f.client()
        #expect(try a.send("SELECT INBOX").has("* 1200 EXISTS"))
        #expect(try a.send("STORE 1:100 +FLAGS.SILENT (\\Flagged)").untagged.isEmpty)
        try b.send("SELECT INBOX")
        try b.wire.send("i IDLE\r\n")
        #expect(try b.wire.readLine() == "+ idling")

        let stored = try a.send("STORE 1:* +FLAGS.SILENT (\\Flagged)")
        #expect(stored.untagged.isEmpty && stored.completion == "OK STORE completed")
        let told = try b.read { $0.hasPrefix("* 1200 FETCH") }
        #expect(told == (101...1_200).map { "* \($0) FETCH (UID \($0) FLAGS (\\Flagged))" })
        #expect(try a.send("UID STORE 1:* +FLAGS.SILENT (\\Flagged)").untagged.isEmpty)
        try b.wire.send("DONE\r\n")
        #expect(try b.reply("i").untagged.isEmpty, "a STORE that changed nothing is not told")

        #expect(try a.send("STORE 1:* +FLAGS.SILENT (\\Seen)").untagged.isEmpty)
        #expect(try a.send("STATUS INBOX (UNSEEN)").untagged == ["* STATUS INBOX (UNSEEN 0)"])
        #expect(try a.send("SEARCH UNSEEN").untagged == ["* SEARCH"])
        #expect(try a.send("UID SEARCH UNFLAGGED").untagged == ["* SEARCH"])
        #expect(try a.send("FETCH 1200 FLAGS").untagged == ["* 1200 FETCH (FLAGS (\\Flagged \\Seen \\Recent))"])
        let noop = try b.send("NOOP")
        #expect(noop.untagged.count == 1_200 && noop.untagged.last == "* 1200 FETCH (UID 1200 FLAGS (\\Flagged \\Seen))")

        let c = try f.client()
        try c.send("ENABLE CONDSTORE")
        let selected = try c.send("SELECT INBOX")
        let highest = try #require(selected.untagged.first { $0.hasPrefix("* OK [HIGHESTMODSEQ ") })
        let modseq = UInt64(highest.dropFirst("* OK [HIGHESTMODSEQ ".count).prefix { $0.isNumber })! + 1
        let conditional = try c.send("UID STORE 1:* -FLAGS.SILENT (\\Flagged)")
        #expect(conditional.untagged == (1...1_200).map { "* \($0) FETCH (UID \($0) MODSEQ (\(modseq)))" },
                "with CONDSTORE every changed message is told its MODSEQ, .SILENT or not")
        let search = try a.send("SEARCH FLAGGED")
        #expect(search.untagged.first == "* SEARCH", "nothing is \\Flagged now")
        #expect(search.untagged.dropFirst() == ArraySlice((1...1_200).map { "* \($0) FETCH (UID \($0) FLAGS (\\Seen \\Recent))" }),
                "the other session's change is told after the answer")
    }

    @Test func idleSeesFlagsAndExpungesOfOtherSessions() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("one"))
        try f.deliver(IMAPFixture.message("two"))
        let a = try f.client(), b = try f.client()
        try a.send("SELECT INBOX")
        try b.send("SELECT INBOX")
        try a.wire.send("i IDLE\r\n")
        #expect(try a.wire.readLine() == "+ idling")
        try b.send("STORE 2 +FLAGS (\\Answered)")
        #expect(try a.readResponse() == "* 2 FETCH (UID 2 FLAGS (\\Answered \\Recent))")
        try b.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try a.readResponse() == "* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))")
        try b.send("EXPUNGE")
        #expect(try a.readResponse() == "* 1 EXPUNGE")
        try a.wire.send("DONE\r\n")
        #expect(try a.reply("i").isOK)
        #expect(try a.send("IDLE_BAD").status == "BAD")
        try a.wire.send("j IDLE\r\n")
        _ = try a.wire.readLine()
        try a.wire.send("NOTDONE\r\n")
        #expect(try a.reply("j").completion == "BAD Expected DONE")
    }

    @Test func deletedMailboxEndsSelectingSessions() throws {
        let f = try IMAPFixture()
        let a = try f.client(), b = try f.client()
        try a.send("CREATE Doomed")
        try a.send("SELECT Doomed")
        try b.send("DELETE Doomed")
        let r = try a.send("NOOP")
        #expect(r.untagged == ["* BYE Selected mailbox was deleted, have to disconnect"])
        #expect(try a.wire.isClosed())
    }
}

/// SIGTERM: commands in flight finish, then every client hears BYE and the server exits.
@Suite struct ShutdownWireTests {
    @Test func gracefulShutdownSaysBye() throws {
        let f = try IMAPFixture()
        let idle = try f.client()
        try idle.send("SELECT INBOX")
        try idle.wire.send("i IDLE\r\n")
        #expect(try idle.wire.readLine() == "+ idling")
        let other = try f.client()
        kill(f.server.process.processIdentifier, SIGTERM)
        #expect(try idle.wire.readLine() == "* BYE Server shutting down")
        #expect(try other.wire.readLine() == "* BYE Server shutting down")
        #expect(try idle.wire.isClosed())
        f.server.process.waitUntilExit()
        #expect(f.server.process.terminationStatus == 0)
        #expect(f.server.log.contains("roost stopped"))
    }

    /// A FETCH whose answer the client has not read yet (the server is blocked writing it)
    /// when the signal comes is answered whole, then BYE follows; SIGINT works as SIGTERM.
    @Test(arguments: [SIGTERM, SIGINT]) func aCommandInFlightFinishesFirst(_ signal: Int32) throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let body = String(repeating: String(repeating: "z", count: 998) + "\r\n", count: 200)
        for i in 1...50 { #expect(try c.append(IMAPFixture.message("big \(i)", body: body)).isOK) }
        try c.send("SELECT INBOX")
        try c.wire.send("f FETCH 1:* BODY.PEEK[]\r\n")
        usleep(300_000)
        kill(f.server.process.processIdentifier, signal)
        usleep(300_000)
        var literals = 0
        var line = try c.wire.readLine()
        while line.hasPrefix("* ") && line.hasSuffix("}") {
            let size = Int(line[line.index(after: line.lastIndex(of: "{")!)...].dropLast())!
            #expect(try c.wire.readBytes(size).count == size)
            #expect(try c.wire.readLine() == ")")
            literals += 1
            line = try c.wire.readLine()
        }
        #expect(literals == 50)
        #expect(line == "f OK FETCH completed")
        #expect(try c.wire.readLine() == "* BYE Server shutting down")
        f.server.process.waitUntilExit()
        #expect(f.server.process.terminationStatus == 0)
    }
}
