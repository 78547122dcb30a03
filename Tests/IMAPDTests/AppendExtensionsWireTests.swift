import Foundation
import Testing
import TestSupport

/// APPEND's extensions on the wire: CATENATE (RFC 4469) and UTF8=ACCEPT (RFC 6855).
@Suite struct AppendExtensionsWireTests {
    static let draft = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Draft\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nFirst draft.\r\n"
        + "--xyz\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--xyz--\r\n"

    static func validity(_ c: IMAPClient, _ mailbox: String) throws -> String {
        let line = try c.send("STATUS \(mailbox) (UIDVALIDITY)").untagged[0]
        return String(line.split(separator: " ").last!.dropLast())
    }

    /// RFC 4469 §5's use: a draft re-sent with a new text part and the old attachment, the
    /// attachment never downloaded by the client.
    @Test func catenateJoinsTextAndPartsOfStoredMessages() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        #expect(try c.send("CAPABILITY").untagged[0].contains(" MULTIAPPEND CATENATE UTF8=ACCEPT "))
        try c.append(AppendExtensionsWireTests.draft, to: "Drafts")
        let v = try AppendExtensionsWireTests.validity(c, "Drafts")
        let base = "/Drafts;UIDVALIDITY=\(v)/;UID=1"
        let newText = "\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nSecond draft.\r\n--xyz\r\n"
        let r = try c.send("APPEND Drafts (\\Draft) CATENATE (URL \"\(base)/;SECTION=HEADER\" TEXT {\(newText.utf8.count)+}\r\n\(newText)"
            + " URL \"\(base)/;SECTION=2.MIME\" URL \"\(base)/;section=2\" TEXT {11+}\r\n\r\n--xyz--\r\n)")
        #expect(r.completion.hasSuffix(" 2] APPEND completed"), "\(r)")
        let expected = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Draft\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n" + newText
            + "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--xyz--\r\n"
        try c.send("EXAMINE Drafts")
        #expect(try c.send("UID FETCH 2 (FLAGS BODY.PEEK[])").untagged == ["* 2 FETCH (UID 2 FLAGS (\\Draft) BODY[] {\(expected.utf8.count)}\r\n\(expected))"])
        // An absolute URL and a partial range.
        let partial = try c.send("APPEND Drafts CATENATE (URL \"imap://alice@localhost\(base)/;SECTION=1/;PARTIAL=0.5\" TEXT {2+}\r\n\r\n)")
        #expect(partial.isOK)
        #expect(try c.send("UID FETCH 3 BODY.PEEK[]").untagged == ["* 3 FETCH (UID 3 BODY[] {7}\r\nFirst\r\n)"])
    }

    @Test func badURLsAreRefusedAndNothingIsStored() throws {
        let f = try IMAPFixture()
        let alice = try f.client("alice"), bob = try f.client("bob")
        try alice.append(AppendExtensionsWireTests.draft, to: "Drafts")
        let v = try AppendExtensionsWireTests.validity(alice, "Drafts")
        for url in ["/Drafts;UIDVALIDITY=\(Int(v)! + 1)/;UID=1", "/Drafts/;UID=9", "/Nowhere/;UID=1", "/Drafts/;UID=1/;SECTION=7",
                    "/Drafts/;UID=1/;URLAUTH=anonymous", "mailto:bob@example.com", "/Drafts/;UID=0"] {
            let r = try alice.send("APPEND Drafts CATENATE (TEXT {2+}\r\nhi URL \"\(url)\")")
            #expect(r.completion == "NO [BADURL \(url)] Cannot read that URL", "\(url)")
        }
        // Another user's mailbox is read with the session's rights: bob has none on alice's.
        let r = try bob.send("APPEND INBOX CATENATE (URL \"/~alice/Drafts/;UID=1\")")
        #expect(r.completion == "NO [BADURL /~alice/Drafts/;UID=1] Cannot read that URL")
        #expect(try alice.send("STATUS Drafts (MESSAGES)").untagged == ["* STATUS Drafts (MESSAGES 1)"])
        #expect(try bob.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 0)"])
        try alice.send("SETACL Drafts bob lr")
        #expect(try bob.send("APPEND INBOX CATENATE (URL \"/~alice/Drafts/;UID=1/;SECTION=1\")").isOK)
        #expect(try alice.send("APPEND Drafts CATENATE (FOO \"x\")").completion == "BAD CATENATE takes URL and TEXT parts")
    }

    @Test func utf8Accept() throws {
        let f = try IMAPFixture()
        let old = try f.client(), c = try f.client()
        let message = "From: Jürgen <j@example.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n"
        #expect(try c.send("APPEND INBOX UTF8 (~{\(message.utf8.count)+}\r\n\(message))").completion == "BAD UTF8 needs ENABLE UTF8=ACCEPT first")
        #expect(try c.send("ENABLE UTF8=ACCEPT").untagged == ["* ENABLED UTF8=ACCEPT"])
        #expect(try c.send("APPEND INBOX UTF8 (~{\(message.utf8.count)+}\r\n\(message))").isOK)
        // Mailbox names are UTF-8 now, for this session only.
        #expect(try c.send("CREATE \"Résumé\"").isOK)
        #expect(try c.send("LIST \"\" R*").untagged == ["* LIST (\\HasNoChildren) \"/\" \"Résumé\""])
        #expect(try old.send("LIST \"\" R*").untagged == ["* LIST (\\HasNoChildren) \"/\" R&AOk-sum&AOk-"])
        try c.send("SELECT INBOX")
        #expect(try c.send("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]").untagged == ["* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {20}\r\nSubject: Grüße\r\n\r\n)"])
    }
}
