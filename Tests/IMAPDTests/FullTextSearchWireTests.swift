import Foundation
import Testing
import TestSupport

/// SEARCH BODY and TEXT through the full-text index on a running server: the same answers
/// before the index has caught up, after, and for mail that arrives meanwhile.
@Suite struct FullTextSearchWireTests {
    static let quotedPrintable = IMAPFixture.message(
        "minutes", body: "The soft li=\r\nne break and caf=C3=A9 cr=C3=A8me.",
        extraHeaders: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
    static let base64 = IMAPFixture.message(
        "=?UTF-8?B?R3LDvMOfZQ==?=", body: Data("Der Schlüssel liegt unter der Matte.".utf8).base64EncodedString(),
        extraHeaders: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n")
    static let plain = IMAPFixture.message("QUARTERLY REPORT", body: "Figures are up this quarter.")

    /// Every search asked before and after indexing, with its exact answer.
    static let cases: [(String, String)] = [
        ("BODY \"soft line break\"", "* SEARCH 1"),
        ("BODY \"SOFT LINE\"", "* SEARCH 1"),
        ("CHARSET UTF-8 BODY \"CAFÉ CRÈME\"", "* SEARCH 1"),
        ("CHARSET UTF-8 BODY schlüssel", "* SEARCH 2"),
        ("BODY matte", "* SEARCH 2"),
        ("BODY quarter", "* SEARCH 3"),
        ("BODY quarterly", "* SEARCH"),
        ("TEXT quarterly", "* SEARCH 3"),
        ("CHARSET UTF-8 TEXT grüße", "* SEARCH 2"),
        ("TEXT minutes", "* SEARCH 1"),
        ("NOT BODY quarter", "* SEARCH 1 2"),
        ("OR BODY matte FLAGGED", "* SEARCH 2 3"),
        ("BODY up", "* SEARCH 3"),
        ("BODY e", "* SEARCH 1 2 3"),
        ("SUBJECT report", "* SEARCH 3"),
        ("BODY nowhere-to-be-found", "* SEARCH"),
    ]

    func expect(_ c: IMAPClient, _ cases: [(String, String)]) throws {
        for (key, expected) in cases {
            let r = try c.send("SEARCH \(key)")
            #expect(r.untagged == [expected], "SEARCH \(key)")
            #expect(r.isOK)
        }
    }

    /// Waits until `roost check` reports `count` stored bodies indexed.
    func waitForIndex(_ f: IMAPFixture, _ count: Int) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let r = try f.roost.run("check alice@example.com")
            if r.out.contains("full-text index: \(count) of \(count) stored bodies indexed") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("the index never held \(count) bodies")
    }

    /// NOOPs until the session has seen `count` messages (another process's delivery is
    /// noticed within a second).
    func waitForExists(_ c: IMAPClient, _ count: Int) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try c.send("NOOP").untagged.contains("* \(count) EXISTS") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("never saw \(count) EXISTS")
    }

    @Test func bodyAndTextBeforeAndAfterIndexing() throws {
        let f = try IMAPFixture()
        for m in [FullTextSearchWireTests.quotedPrintable, FullTextSearchWireTests.base64, FullTextSearchWireTests.plain] {
            try f.deliver(m)
        }
        let c = try f.client()
        try c.send("SELECT INBOX")
        try c.send("STORE 3 +FLAGS (\\Flagged)")
        // The first search reads the messages and starts the index in the background.
        try expect(c, FullTextSearchWireTests.cases)
        try waitForIndex(f, 3)
        try expect(c, FullTextSearchWireTests.cases)
        #expect(try c.send("UID SEARCH TEXT matte").untagged == ["* SEARCH 2"])
    }

    @Test func mailArrivingWhileTheServerRunsIsFound() throws {
        let f = try IMAPFixture()
        try f.deliver(FullTextSearchWireTests.plain)
        let c = try f.client()
        try c.send("SELECT INBOX")
        #expect(try c.send("SEARCH BODY quarter").untagged == ["* SEARCH 1"])
        try waitForIndex(f, 1)
        // One delivery through the server (indexed in the background), one by another process.
        try f.lmtpDeliver(IMAPFixture.message("hydrangea", body: "Next quarter looks better."))
        try f.deliver(IMAPFixture.message("camellia", body: "Last quarter was slow."))
        try waitForExists(c, 3)
        #expect(try c.send("SEARCH BODY quarter").untagged == ["* SEARCH 1 2 3"])
        #expect(try c.send("SEARCH BODY \"last quarter\"").untagged == ["* SEARCH 3"])
        #expect(try c.send("SEARCH TEXT hydrangea").untagged == ["* SEARCH 2"])
        try waitForIndex(f, 3)
        #expect(try c.send("SEARCH BODY quarter").untagged == ["* SEARCH 1 2 3"])
        // Expunged messages are gone from the answers, whatever the index still holds.
        try c.send("STORE 2 +FLAGS.SILENT (\\Deleted)")
        #expect(try c.send("EXPUNGE").untagged == ["* 2 EXPUNGE"])
        #expect(try c.send("SEARCH BODY quarter").untagged == ["* SEARCH 1 2"])
        #expect(try c.send("UID SEARCH BODY quarter").untagged == ["* SEARCH 1 3"])
    }
}
