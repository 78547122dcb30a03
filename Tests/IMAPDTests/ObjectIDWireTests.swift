import Foundation
import Testing
import TestSupport

/// OBJECTID (RFC 8474), SAVEDATE (RFC 8514), PREVIEW (RFC 8970) and WITHIN (RFC 5032) on the wire.
@Suite struct ObjectIDWireTests {
    /// The text inside `NAME (...)` of a response line.
    static func value(_ name: String, in line: String) -> String? {
        guard let r = line.range(of: name + " (") else { return nil }
        return String(line[r.upperBound...].prefix { $0 != ")" })
    }

    @Test func mailboxIDsFollowTheMailboxNotItsName() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        let created = try c.send("CREATE Projects")
        let id = try #require(ObjectIDWireTests.value("MAILBOXID", in: created.tagged), "\(created)")
        #expect(created.completion == "OK [MAILBOXID (\(id))] CREATE completed")
        #expect(id.first == "F" && id.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(try c.send("STATUS Projects (MESSAGES MAILBOXID)").untagged == ["* STATUS Projects (MESSAGES 0 MAILBOXID (\(id)))"])
        // RFC 8474 §4.1: RENAME keeps it; a new mailbox of the old name gets another.
        try c.send("RENAME Projects Archive")
        #expect(try c.send("STATUS Archive (MAILBOXID)").untagged == ["* STATUS Archive (MAILBOXID (\(id)))"])
        let again = try c.send("CREATE Projects")
        #expect(ObjectIDWireTests.value("MAILBOXID", in: again.tagged) != id)
        #expect(try c.send("SELECT Archive").has("* OK [MAILBOXID (\(id))] Mailbox identifier"))
        let list = try c.send("LIST \"\" Archive RETURN (STATUS (MAILBOXID))")
        #expect(list.has("* STATUS Archive (MAILBOXID (\(id)))"))
    }

    @Test func emailAndThreadIDs() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("question"))
        try f.deliver(IMAPFixture.message("answer", extraHeaders: "In-Reply-To: <question@example.org>\r\n"))
        try f.deliver(IMAPFixture.message("unrelated"))
        try f.deliver(IMAPFixture.message("unrelated"))  // the same bytes again: another message
        let c = try f.client()
        try c.send("SELECT INBOX")
        let r = try c.send("FETCH 1:4 (EMAILID THREADID)")
        try #require(r.untagged.count == 4, "\(r)")
        let emails = r.untagged.map { ObjectIDWireTests.value("EMAILID", in: $0)! }
        let threads = r.untagged.map { ObjectIDWireTests.value("THREADID", in: $0)! }
        #expect(Set(emails).count == 4)
        #expect(threads[0] == threads[1])
        #expect(threads[2] != threads[0])
        #expect(threads[3] == threads[2])  // the same bytes twice are one thread of two messages
        #expect(r.untagged[0] == "* 1 FETCH (EMAILID (\(emails[0])) THREADID (\(threads[0])))")

        // COPY and MOVE keep the EMAILID (§5.1).
        try c.send("COPY 1 Trash")
        try c.send("EXAMINE Trash")
        #expect(try c.send("FETCH 1 (EMAILID THREADID)").untagged == ["* 1 FETCH (EMAILID (\(emails[0])) THREADID (\(threads[0])))"])
        try c.send("SELECT INBOX")
        #expect(try c.send("SEARCH EMAILID \(emails[2])").untagged == ["* SEARCH 3"])
        #expect(try c.send("SEARCH THREADID \(threads[0])").untagged == ["* SEARCH 1 2"])
        #expect(try c.send("SEARCH THREADID \(threads[2])").untagged == ["* SEARCH 3 4"])
        #expect(try c.send("SEARCH EMAILID Mnothing").untagged == ["* SEARCH"])
        #expect(try c.send("SEARCH THREADID T00").untagged == ["* SEARCH"])
    }

    @Test func saveDatesAndWithin() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        try c.send("APPEND INBOX \"01-Jan-2020 12:00:00 +0000\"", literal: Array(IMAPFixture.message("old").utf8))
        try c.append(IMAPFixture.message("new"), to: "INBOX")
        try c.send("SELECT INBOX")
        let r = try c.send("FETCH 1:2 (INTERNALDATE SAVEDATE)")
        // The save date is when it was stored here, whatever its internal date says.
        #expect(r.untagged[0].hasPrefix("* 1 FETCH (INTERNALDATE \" 1-Jan-2020 12:00:00 +0000\" SAVEDATE \""))
        #expect(!r.untagged[0].contains("SAVEDATE \" 1-Jan-2020"))
        #expect(try c.send("SEARCH YOUNGER 3600").untagged == ["* SEARCH 2"])
        #expect(try c.send("SEARCH OLDER 3600").untagged == ["* SEARCH 1"])
        #expect(try c.send("SEARCH SAVEDBEFORE 1-Jan-2021").untagged == ["* SEARCH"])
        #expect(try c.send("SEARCH SAVEDSINCE 1-Jan-2021").untagged == ["* SEARCH 1 2"])
        #expect(try c.send("SEARCH SAVEDATESUPPORTED").untagged == ["* SEARCH 1 2"])
        #expect(try c.send("SEARCH YOUNGER 0").completion == "BAD Zero is not allowed here")
        let caps = try c.send("CAPABILITY").untagged[0]
        #expect(caps.contains(" WITHIN ") && caps.contains(" OBJECTID SAVEDATE PREVIEW "))
    }

    @Test func previews() throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("plain", body: "Meeting moved\r\n\r\nto   Thursday."))
        try f.deliver(IMAPFixture.message("html", body: "<p>Fish &amp; chips</p>",
                                          extraHeaders: "Content-Type: text/html\r\n"))
        try f.deliver(IMAPFixture.message("latin", body: "Gr=FC=DFe",
                                          extraHeaders: "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n"))
        try f.deliver(IMAPFixture.message("empty", body: ""))
        let c = try f.client()
        try c.send("EXAMINE INBOX")
        let r = try c.send("FETCH 1:4 (PREVIEW)")
        #expect(r.untagged[0] == "* 1 FETCH (PREVIEW \"Meeting moved to Thursday.\")")
        #expect(r.untagged[1] == "* 2 FETCH (PREVIEW \"Fish & chips\")")
        // Not ASCII, and UTF-8 not enabled: a literal carries it.
        #expect(r.untagged[2] == "* 3 FETCH (PREVIEW {7}\r\nGrüße)")
        #expect(r.untagged[3] == "* 4 FETCH (PREVIEW NIL)")
        #expect(try c.send("FETCH 1 (UID PREVIEW (LAZY))").untagged == ["* 1 FETCH (UID 1 PREVIEW \"Meeting moved to Thursday.\")"])
        #expect(try c.send("FETCH 1 (PREVIEW (EAGER))").completion == "BAD Unknown PREVIEW modifier")
        // PREVIEW does not set \Seen.
        #expect(try c.send("FETCH 1 FLAGS").untagged == ["* 1 FETCH (FLAGS ())"])
    }
}
