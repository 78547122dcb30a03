import Foundation
import Testing
@testable import Store

/// PREVIEW text (RFC 8970) made at append, and the threads messages join (RFC 8474 THREADID).
@Suite struct MessagePreviewTests {
    static let head = "From: a@example.org\r\nSubject: s\r\n"

    @Test(arguments: [
        ("plain text, white space condensed",
         head + "\r\nHello   there,\r\n\r\n  the figures\tare in.\r\n", "Hello there, the figures are in."),
        ("no body", head + "\r\n", nil),
        ("quoted-printable UTF-8",
         head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe aus K=C3=B6ln=\r\n, bis bald\r\n",
         "Grüße aus Köln, bis bald"),
        ("base64 ISO-8859-1",
         head + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nQ2Fm6SBjcuhtZQ==\r\n", "Café crème"),
        ("HTML only: tags, comments, styles and references",
         head + "Content-Type: text/html\r\n\r\n<html><head><title>T</title><style>p{color:red}</style></head><body><!-- hidden --><p>Fish &amp; chips</p><p>&lt;today&gt;&nbsp;at&#32;noon &#x263A;</p></body></html>\r\n",
         "Fish & chips <today> at noon ☺"),
        ("alternative prefers the plain part",
         head + "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<b>rich</b>\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain words\r\n--b--\r\n",
         "plain words"),
        ("an attachment is not the text",
         head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nsecret notes\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n",
         nil),
        ("an encapsulated message is not this one's text",
         head + "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n", nil),
    ] as [(String, String, String?)])
    func previews(_ name: String, _ message: String, _ expected: String?) {
        #expect(MessageParser.parse(Array(message.utf8)).preview == expected, "\(name)")
    }

    @Test func cutAt256Characters() throws {
        let body = String(repeating: "é", count: 300)
        let preview = try #require(MessageParser.parse(Array((MessagePreviewTests.head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).utf8)).preview)
        #expect(preview.count == 256)
        #expect(preview == String(repeating: "é", count: 256))
        // A space is never the last character kept.
        #expect(MessagePreview.condensed(String(repeating: "a", count: 256) + " b") == String(repeating: "a", count: 256))
    }

    /// The ASCII path of `condensed` must say what the Character-by-Character rule says,
    /// wherever the text turns to other scripts, combining marks or controls.
    @Test func theASCIIPathAgreesWithTheCharacterRule() {
        func reference(_ text: String) -> String? {
            var out = "", count = 0, pendingSpace = false
            for c in text {
                if c.isWhitespace || c == "\u{00A0}" {
                    pendingSpace = !out.isEmpty
                    continue
                }
                if c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
                    continue
                }
                if pendingSpace {
                    guard count < MessagePreview.maxCharacters else { break }
                    out.append(" ")
                    count += 1
                    pendingSpace = false
                }
                guard count < MessagePreview.maxCharacters else { break }
                out.append(c)
                count += 1
            }
            return out.isEmpty ? nil : out
        }
        let pieces = ["a", "Z", " ", "\r\n", "\t", "\u{0}", "\u{7F}", "\u{1}", "e\u{301}", "\u{301}", "é", "\u{00A0}",
                      "\u{200B}", "\u{200D}", "日本", "👍🏽", "\u{85}", ".", "\u{2028}"]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            let length = round < 1000 ? Int.random(in: 0..<40, using: &generator) : Int.random(in: 200..<400, using: &generator)
            let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(MessagePreview.condensed(text) == reference(text), "\(text.debugDescription)")
        }
    }

    @Test func storedPreviewAndOneMadeLaterForOldRows() throws {
        let f = try Fixture()
        let inbox = try f.inbox().id
        let uids = try f.alice.append([NewMessage(bytes: Array((MessagePreviewTests.head + "\r\nfirst words\r\n").utf8)),
                                       NewMessage(bytes: Array((MessagePreviewTests.head + "\r\n").utf8))], to: inbox).uids
        var found: [UID: MessageDetails] = [:]
        try f.alice.messages(in: inbox, uids: UIDSet(uids), details: true) { found[$0.uid] = $1 }
        #expect(found[uids[0]]?.preview == "first words")
        #expect(found[uids[1]]?.preview == "")  // no text: stored as such, not made again
        // A row from before schema version 3 has no preview; it is made on demand and kept.
        try f.alice.withDatabase { try f.alice.db.execute("UPDATE blob SET preview = NULL") }
        var blob: Int64 = 0
        try f.alice.messages(in: inbox, uids: UIDSet([uids[0]]), details: true) { record, details in
            #expect(details?.preview == nil)
            blob = record.blob
        }
        #expect(try f.alice.preview(blob: blob) == "first words")
        try f.alice.messages(in: inbox, uids: UIDSet([uids[0]]), details: true) { #expect($1?.preview == "first words") }
    }

    @Test func repliesJoinTheirThread() throws {
        let f = try Fixture()
        let inbox = try f.inbox().id
        func mail(_ id: String, _ headers: String = "") -> NewMessage {
            NewMessage(bytes: Array("From: a@example.org\r\nMessage-ID: <\(id)@x>\r\n\(headers)Subject: s\r\n\r\nbody \(id)\r\n".utf8))
        }
        let root = try f.alice.append([mail("root")], to: inbox).uids
        let other = try f.alice.append([mail("other")], to: inbox).uids
        // A reply by In-Reply-To, one by References only (an unknown id first), a comment in the way.
        let replies = try f.alice.append([mail("r1", "In-Reply-To: (comment) <root@x>\r\n"),
                                          mail("r2", "References: <root@x> <lost@x>\r\n")], to: inbox).uids
        let work = try f.alice.createMailbox("Work").id
        let far = try f.alice.append([mail("r3", "In-Reply-To: <r2@x>\r\n")], to: work).uids
        func thread(_ uid: UID, _ box: MailboxID = inbox) throws -> UInt64 {
            var key: UInt64 = 0
            try f.alice.messages(in: box, uids: UIDSet([uid]), details: true) { key = $1!.thread }
            return key
        }
        let t = try thread(root[0])
        #expect(try thread(replies[0]) == t)
        #expect(try thread(replies[1]) == t)
        #expect(try thread(far[0], work) == t)  // threads cross mailboxes
        #expect(try thread(other[0]) != t)
        #expect(MessageIDs.all(in: "(comment) <a@b> junk <<c@d> <e f>") == ["<a@b>", "<c@d>", "<ef>"])
    }
}
