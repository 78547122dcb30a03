import Foundation
import Testing
import TestSupport
@testable import Store

/// Messages that exercise what search decodes: charsets, transfer encodings, nesting,
/// attachments, case, and text split where only decoding joins it.
enum FullTextCorpus {
    static let latin1: [UInt8] = Array("From: Jürgen <j@example.de>\r\nTo: alice@example.com\r\nSubject: Gruss\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nViele Gr".utf8)
        + [0xFC, 0xDF, 0x65] + Array(" aus K\r\n".utf8) + [0xF6] + Array("ln, QUARTERLY figures attached.\r\n".utf8)

    static let koi8r: [UInt8] = Array("From: ivan@example.ru\r\nSubject: privet\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n".utf8)
        + [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4] + Array(", mir!\r\n".utf8)  // "Привет" in KOI8-R

    static let base64Text = MIMECorpus.crlf("""
        From: bot@example.com
        Subject: encoded body
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: base64

        \(Data("Die Übergabe des Schlüssels erfolgt am Montag.\r\n".utf8).base64EncodedString())

        """)

    static let softLineBreak = MIMECorpus.crlf("""
        From: qp@example.com
        Subject: quoted-printable
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        This line is long enough that the encoder had to split it: the soft li=
        ne break hides the phrase, and caf=C3=A9 cr=C3=A8me too.

        """)

    static let attachmentOnly = MIMECorpus.crlf("""
        From: files@example.com
        Subject: binary
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/plain

        See the attachment.
        --b1
        Content-Type: application/octet-stream; name="plans.bin"
        Content-Transfer-Encoding: base64

        \(Data("secret plans inside".utf8).base64EncodedString())
        --b1--

        """)

    static let encapsulated = MIMECorpus.crlf("""
        From: fwd@example.com
        Subject: Fwd: lunch
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: text/plain

        Forwarding this.
        --outer
        Content-Type: message/rfc822

        From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>
        Subject: =?UTF-8?B?TMO8bmNoIGFtIEZyZWl0YWc=?=

        Shall we meet at the Brasserie?
        --outer--

        """)

    static let upperCase = MIMECorpus.crlf("""
        From: LOUD@EXAMPLE.COM
        Subject: URGENT QUARTERLY REPORT
        Content-Type: text/plain; charset=us-ascii

        PLEASE READ THE QUARTERLY REPORT BEFORE FRIDAY.
        It has a "quoted" word and an ab pair.

        """)

    static let all: [[UInt8]] = MIMECorpus.all.map(\.message)
        + [latin1, koi8r, base64Text, softLineBreak, attachmentOnly, encapsulated, upperCase]
}

@Suite struct FullTextIndexTests {
    /// Needles of one, two, three and more characters, in any case, ASCII and not,
    /// found only after decoding, only in headers, only in attachments, or nowhere.
    static let needles = [
        "a", "Q", "ab", "é", "the", "Ü", "QUARTERLY", "quarterly report", "soft line break", "café crème",
        "grüße aus köln", "GRÜSSE", "ПРИВЕТ", "schlüssels", "secret plans", "brasserie", "lünch am", "renée",
        "invoice", "\"quoted\"", "subject: ", "nul", "\r\n", "zzzz-nowhere", "minutes of the imap4rev1",
    ]

    static let queries: [SearchQuery] = needles.flatMap { n in
        [SearchQuery.body(n), .text(n), .header("Subject", n), .header("From", n), .not(.body(n)),
         .or(.body(n), .hasFlags(.flagged)), .and([.text(n), .not(.header("subject", n))])]
    } + [.header("X-Missing", ""), .header("subject", ""), .or(.body("quarterly"), .text("renée"))]

    func fixture() throws -> (Fixture, MailboxID) {
        let f = try Fixture()
        let inbox = try f.inbox().id
        for (i, bytes) in FullTextCorpus.all.enumerated() {
            _ = try f.alice.append([NewMessage(bytes: bytes, flags: Flags(system: i % 3 == 0 ? .flagged : []))], to: inbox)
        }
        return (f, inbox)
    }

    func search(_ account: Account, _ query: SearchQuery, in mailbox: MailboxID, index: Bool) throws -> [UID] {
        account.usesFullTextIndex = index
        defer { account.usesFullTextIndex = true }
        return try account.search(query, in: mailbox, among: UIDSet(ranges: [1...UInt32.max]))
    }

    @Test func indexedSearchEqualsTheScan() throws {
        let (f, inbox) = try fixture()
        #expect(f.alice.fullText.catchUp(f.alice) == FullTextCorpus.all.count)
        for query in FullTextIndexTests.queries {
            let scanned = try search(f.alice, query, in: inbox, index: false)
            #expect(try search(f.alice, query, in: inbox, index: true) == scanned, "\(query)")
        }
        // The scan finds what decoding reveals, and the index agrees without reading the rest.
        let uid = { (n: Int) in UID(UInt32(MIMECorpus.all.count + n + 1)) }
        #expect(try search(f.alice, .body("soft line break"), in: inbox, index: true) == [uid(3)])
        #expect(try search(f.alice, .body("GRÜSSE"), in: inbox, index: true) == [uid(0)])
        #expect(try search(f.alice, .body("ПРИВЕТ"), in: inbox, index: true) == [uid(1)])
        #expect(try search(f.alice, .body("secret plans"), in: inbox, index: true) == [])
        #expect(try search(f.alice, .text("lünch am"), in: inbox, index: true) == [uid(5)])
    }

    @Test func theIndexNarrowsToTheBodiesThatCanMatch() throws {
        let (f, inbox) = try fixture()
        f.alice.fullText.catchUp(f.alice)
        let blobs = try f.alice.blobHashes(in: inbox)
        let needle = SearchQuery.folded("soft line break")
        let key = FullTextIndex.Key.body(Array(needle.utf8))
        let short = FullTextIndex.Key.body(Array("ab".utf8))
        let narrowing = try #require(f.alice.fullText.narrowing([key, short], blobs: blobs))
        #expect(narrowing.indexedCount == blobs.count)
        #expect(blobs.count(where: { narrowing.rulesOut(.body, needle, blob: $0.id) }) == blobs.count - 1)
        // Another scope's key for the same needle was not asked for.
        #expect(!blobs.contains { narrowing.rulesOut(.text, needle, blob: $0.id) })
        // Too short for trigrams: not looked up, so it rules nothing out.
        #expect(!blobs.contains { narrowing.rulesOut(.body, "ab", blob: $0.id) })
    }

    @Test func blobBitsHoldWhatWasPut() {
        var bits = FullTextIndex.BlobBits(largest: 130)
        let added = [0, 63, 64, 130].map { bits.insert($0) }
        #expect(added == [true, true, true, true])
        let again = bits.insert(64), beyond = bits.insert(192), negative = bits.insert(-1)  // 130 rounds up to 191
        #expect(!again && !beyond && !negative)
        #expect([0, 63, 64, 130].allSatisfy(bits.contains))
        #expect(![1, 62, 65, 129, 131, 192, -1, Int64.max, Int64.min].contains(where: bits.contains))
        bits.remove(64)
        bits.remove(500)
        #expect(!bits.contains(64) && bits.contains(63) && bits.contains(130))
        #expect(!FullTextIndex.BlobBits(largest: -1).contains(0))
    }

    @Test func messagesNotYetIndexedAreScanned() throws {
        let (f, inbox) = try fixture()
        let needle = SearchQuery.body("quarterly")
        let all = try search(f.alice, needle, in: inbox, index: false)
        // Nothing is indexed before the first search; it answers by reading, and starts indexing.
        #expect(try search(f.alice, needle, in: inbox, index: true) == all)
        let late = try f.alice.append([NewMessage(bytes: MIMECorpus.crlf("Subject: late\n\nThe quarterly close.\n"))], to: inbox).uids
        #expect(try search(f.alice, needle, in: inbox, index: true) == all + late)
        #expect(f.alice.fullText.catchUp(f.alice) == FullTextCorpus.all.count + 1)
        #expect(try search(f.alice, needle, in: inbox, index: true) == all + late)
    }

    /// Background indexing runs on a thread of its own at nice 19, so sessions keep the
    /// cores while an index is built.
    @Test func backgroundIndexingRunsAtTheLowestPriority() throws {
        let (f, inbox) = try fixture()
        _ = try search(f.alice, .body("quarterly"), in: inbox, index: true)
        var indexer: [String]?
        for _ in 0..<200 where indexer == nil {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            for task in tasks {
                let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
                guard comm.trimmingCharacters(in: .whitespacesAndNewlines) == "roost-indexer",
                      let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { continue }
                // After "(comm)": state is field 3, nice field 19.
                indexer = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
            }
            if indexer == nil { usleep(10_000) }
        }
        let fields = try #require(indexer, "no roost-indexer thread")
        #expect(fields.count > 16 && fields[16] == "\(BackgroundThread.niceness)")
        // It finishes the index by itself.
        var held = 0
        for _ in 0..<500 where held < FullTextCorpus.all.count {
            usleep(10_000)
            held = f.alice.fullText.verify()?.count ?? 0
        }
        #expect(held == FullTextCorpus.all.count)
    }

    @Test func anotherProcesssDeliveriesAreFound() throws {
        let (f, inbox) = try fixture()
        f.alice.fullText.catchUp(f.alice)
        // A second Account on the same folder is what `roost deliver` is: it never indexes.
        let other = try Account(id: f.alice.id, root: f.alice.root)
        let uids = try other.append([NewMessage(bytes: MIMECorpus.crlf("Subject: x\n\nDelivered elsewhere, brasserie at noon.\n"))], to: inbox).uids
        #expect(try search(f.alice, .body("brasserie"), in: inbox, index: true) == [UID(UInt32(MIMECorpus.all.count + 6))] + uids)
    }

    @Test func aMissingOrDamagedIndexIsRebuilt() throws {
        let (f, inbox) = try fixture()
        f.alice.fullText.catchUp(f.alice)
        let expected = try search(f.alice, .text("quarterly"), in: inbox, index: false)
        let path = f.alice.root + "/fts.sqlite"
        for damage in [{ try FileManager.default.removeItem(atPath: path) },
                       { try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path)) }] {
            let reopened = try Account(id: f.alice.id, root: f.alice.root)
            reopened.usesFullTextIndex = false  // no background pass racing the damage
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            try damage()
            reopened.usesFullTextIndex = true
            #expect(try reopened.search(.text("quarterly"), in: inbox, among: UIDSet(ranges: [1...UInt32.max])) == expected)
            #expect(reopened.fullText.catchUp(reopened) == FullTextCorpus.all.count)
            #expect(try search(reopened, .text("quarterly"), in: inbox, index: true) == expected)
            // The first search started a background pass on this account; the next damage
            // must not land under its open connection.
            while reopened.fullText.isCatchingUp { usleep(10_000) }
        }
    }

    @Test func anIndexDeletedWhileOpenIsRebuilt() throws {
        let (f, inbox) = try fixture()
        #expect(f.alice.fullText.catchUp(f.alice) == FullTextCorpus.all.count)
        let expected = try search(f.alice, .body("brasserie"), in: inbox, index: false)
        let path = f.alice.root + "/fts.sqlite"
        for suffix in ["", "-wal", "-shm"] { try FileManager.default.removeItem(atPath: path + suffix) }
        #expect(try search(f.alice, .body("brasserie"), in: inbox, index: true) == expected)
        #expect(f.alice.fullText.catchUp(f.alice) == FullTextCorpus.all.count)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try search(f.alice, .body("brasserie"), in: inbox, index: true) == expected)
    }

    @Test func checkRemovesADamagedIndex() throws {
        let (f, _) = try fixture()
        f.alice.fullText.catchUp(f.alice)
        #expect(try f.alice.check().indexedBodies == FullTextCorpus.all.count)
        let path = f.alice.root + "/fts.sqlite"
        let reopened = try Account(id: f.alice.id, root: f.alice.root)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let report = try reopened.check()
        #expect(report.isClean)
        #expect(report.indexedBodies == nil)
        #expect(try reopened.check().indexedBodies == 0)
    }

    @Test func sharedBodiesAreIndexedOnce() throws {
        let (f, inbox) = try fixture()
        let archive = try f.alice.createMailbox("Archive")
        _ = try f.alice.copy(UIDSet(ranges: [1...UInt32.max]), from: inbox, to: archive.id)
        #expect(f.alice.fullText.catchUp(f.alice) == FullTextCorpus.all.count)
        for mailbox in [inbox, archive.id] {
            #expect(try search(f.alice, .body("brasserie"), in: mailbox, index: true) == [UID(UInt32(MIMECorpus.all.count + 6))])
        }
    }

    @Test func expungedMessagesNeverMatchAndCompactionDropsTheirRows() throws {
        let (f, inbox) = try fixture()
        f.alice.fullText.catchUp(f.alice)
        let last = UID(UInt32(FullTextCorpus.all.count))
        _ = try f.alice.expunge(UIDSet([last]), in: inbox, onlyDeleted: false)
        #expect(try search(f.alice, .body("quarterly report"), in: inbox, index: true) == [])
        // The newest body's id is handed out again; its old row must not speak for the new one.
        let reused = try f.alice.append([NewMessage(bytes: MIMECorpus.crlf("Subject: new\n\nA fresh zebra crossing.\n"))], to: inbox).uids
        #expect(try search(f.alice, .body("zebra"), in: inbox, index: true) == reused)
        #expect(try search(f.alice, .body("quarterly report"), in: inbox, index: true) == [])
        _ = try f.alice.expunge(UIDSet(reused), in: inbox, onlyDeleted: false)
        let report = try f.alice.compact()
        #expect(report.indexedBodies == FullTextCorpus.all.count - 1)
        #expect(try f.alice.check().indexedBodies == FullTextCorpus.all.count - 1)
        #expect(try search(f.alice, .body("zebra"), in: inbox, index: true) == [])
    }
}
