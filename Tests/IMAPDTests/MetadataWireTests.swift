import Foundation
import Testing
import TestSupport

/// METADATA (RFC 5464) on the wire, with the RFC's own examples where it gives them.
@Suite struct MetadataWireTests {
    static func fixture() throws -> IMAPFixture {
        try IMAPFixture { roost in
            try roost.run("account add boss@example.com --password-stdin", input: "bosspw\n")
            try roost.run("admin grant boss@example.com all-accounts")
        }
    }

    @Test func mailboxEntriesSharedAndPrivate() throws {
        let f = try MetadataWireTests.fixture()
        let c = try f.client()
        #expect(try c.send("CAPABILITY").untagged[0].contains(" METADATA "))
        // §4.3's example: a value over two lines in a literal.
        let set = try c.send("SETMETADATA INBOX (/private/comment", literal: Array("My new comment across\r\ntwo lines.".utf8), after: ")")
        #expect(set.completion == "OK SETMETADATA completed")
        #expect(try c.send("SETMETADATA INBOX (/shared/comment \"Its sunny outside!\")").isOK)
        // §4.4.1's example (with the list the erratum puts around the entries).
        #expect(try c.send("GETMETADATA \"INBOX\" (/private/comment /shared/comment)").untagged
            == ["* METADATA INBOX (/private/comment {33}\r\nMy new comment across\r\ntwo lines. /shared/comment \"Its sunny outside!\")"])
        // Names are case-insensitive; one asked for without a value comes back NIL.
        #expect(try c.send("GETMETADATA INBOX (/SHARED/Comment /shared/vendor/none)").untagged
            == ["* METADATA INBOX (/shared/comment \"Its sunny outside!\" /shared/vendor/none NIL)"])
        // NIL removes.
        #expect(try c.send("SETMETADATA INBOX (/private/comment NIL)").isOK)
        #expect(try c.send("GETMETADATA INBOX /private/comment").untagged == ["* METADATA INBOX (/private/comment NIL)"])
        #expect(try c.send("GETMETADATA Nowhere /private/comment").completion == "NO [NONEXISTENT] No such mailbox")

        // Deleting a mailbox deletes its entries; a new one of the same name starts bare.
        try c.send("CREATE Work")
        try c.send("SETMETADATA Work (/shared/comment \"old\")")
        try c.send("DELETE Work")
        try c.send("CREATE Work")
        #expect(try c.send("GETMETADATA Work /shared/comment").untagged == ["* METADATA Work (/shared/comment NIL)"])
        // RENAME takes them along.
        try c.send("SETMETADATA Work (/shared/comment \"kept\")")
        try c.send("RENAME Work Done")
        #expect(try c.send("GETMETADATA Done /shared/comment").untagged == ["* METADATA Done (/shared/comment \"kept\")"])
    }

    @Test func depthAndMaxSize() throws {
        let f = try MetadataWireTests.fixture()
        let c = try f.client()
        let long = String(repeating: "x", count: 2199)
        try c.send("SETMETADATA INBOX (/private/filters/values/small \"a\" /private/filters/values/big \"\(long)\" /private/filters/values/big/deeper \"b\" /private/filters/other \"c\")")
        // DEPTH 1: the entry's children, not their children (§4.2.2).
        #expect(try c.send("GETMETADATA (DEPTH 1) INBOX (/private/filters/values)").untagged
            == ["* METADATA INBOX (/private/filters/values/big \"\(long)\" /private/filters/values/small \"a\")"])
        let all = try c.send("GETMETADATA (DEPTH infinity) INBOX /private")
        #expect(all.untagged == ["* METADATA INBOX (/private/filters/other \"c\" /private/filters/values/big \"\(long)\" /private/filters/values/big/deeper \"b\" /private/filters/values/small \"a\")"])
        // §4.2.1: MAXSIZE leaves out longer values and reports the longest.
        let limited = try c.send("GETMETADATA (MAXSIZE 1024 DEPTH 1) INBOX (/private/filters/values)")
        #expect(limited.untagged == ["* METADATA INBOX (/private/filters/values/small \"a\")"])
        #expect(limited.completion == "OK [METADATA LONGENTRIES 2199] GETMETADATA completed")
    }

    @Test func limitsAndBadNames() throws {
        let f = try MetadataWireTests.fixture()
        let c = try f.client()
        for bad in ["/other/x", "/shared/a//b", "/shared/x/", "/shared/a*", "/private/100%"] {
            #expect(try c.send("SETMETADATA INBOX (\"\(bad)\" \"v\")").completion == "BAD Invalid entry name \(bad)")
        }
        #expect(try c.send("SETMETADATA INBOX (/shared \"v\")").completion == "BAD Only entries below /shared or /private can be set")
        #expect(try c.send("GETMETADATA (DEPTH 2) INBOX /shared").completion == "BAD DEPTH is 0, 1 or infinity")
        // Too large a value, too many entries: refused whole, nothing stored.
        let big = try c.send("SETMETADATA INBOX (/shared/a \"x\" /shared/big", literal: Array(repeating: UInt8(ascii: "y"), count: 40_000), after: ")")
        #expect(big.completion == "NO [METADATA MAXSIZE 32768] Value too large")
        #expect(try c.send("GETMETADATA INBOX /shared/a").untagged == ["* METADATA INBOX (/shared/a NIL)"])
        let many = (0...1000).map { "/private/vendor/n\($0) \"v\"" }.joined(separator: " ")
        #expect(try c.send("SETMETADATA INBOX (\(many))").completion == "NO [METADATA TOOMANY] Too many entries")
        #expect(try c.send("GETMETADATA (DEPTH infinity) INBOX /private").untagged == [])
        // A value with a NUL goes back as a literal8.
        #expect(try c.send("SETMETADATA INBOX (/private/bin", literal: [0x61, 0x00, 0x62], after: ")").isOK)
        #expect(try c.send("GETMETADATA INBOX /private/bin").untagged == ["* METADATA INBOX (/private/bin ~{3}\r\na\u{0}b)"])
    }

    @Test func serverEntriesAndRights() throws {
        let f = try MetadataWireTests.fixture()
        let alice = try f.client("alice"), bob = try f.client("bob"), boss = try f.client("boss")
        // Only the administrator sets the server's shared entries; everyone reads them.
        #expect(try alice.send("SETMETADATA \"\" (/shared/comment \"Maintenance tonight\")").completion == "NO [NOPERM] Server entries are set by the administrator")
        #expect(try boss.send("SETMETADATA \"\" (/shared/comment \"Maintenance tonight\" /shared/admin \"mailto:boss@example.com\")").isOK)
        #expect(try bob.send("GETMETADATA \"\" (/shared/comment /shared/admin)").untagged
            == ["* METADATA \"\" (/shared/comment \"Maintenance tonight\" /shared/admin \"mailto:boss@example.com\")"])
        // Private server entries are each account's own.
        #expect(try alice.send("SETMETADATA \"\" (/private/vendor/client/theme \"dark\")").isOK)
        #expect(try alice.send("GETMETADATA \"\" /private/vendor/client/theme").untagged == ["* METADATA \"\" (/private/vendor/client/theme \"dark\")"])
        #expect(try bob.send("GETMETADATA \"\" /private/vendor/client/theme").untagged == ["* METADATA \"\" (/private/vendor/client/theme NIL)"])

        // A shared mailbox: readers see its shared entries and keep private ones of their own;
        // changing a shared entry needs `w` (RFC 5464 §3.3).
        try alice.send("CREATE Projects")
        try alice.send("SETMETADATA Projects (/shared/comment \"Team projects\" /private/comment \"alice's note\")")
        #expect(try bob.send("GETMETADATA ~alice/Projects /shared/comment").completion == "NO [NONEXISTENT] No such mailbox")
        try alice.send("SETACL Projects bob lr")
        #expect(try bob.send("GETMETADATA ~alice/Projects (/shared/comment /private/comment)").untagged
            == ["* METADATA ~alice/Projects (/shared/comment \"Team projects\" /private/comment NIL)"])
        #expect(try bob.send("SETMETADATA ~alice/Projects (/private/comment \"bob's note\")").isOK)
        #expect(try bob.send("SETMETADATA ~alice/Projects (/shared/comment \"bob was here\")").completion == "NO [NOPERM] Permission denied")
        try alice.send("SETACL Projects bob +w")
        #expect(try bob.send("SETMETADATA ~alice/Projects (/shared/comment \"Team projects 2027\")").isOK)
        #expect(try alice.send("GETMETADATA Projects (/shared/comment /private/comment)").untagged
            == ["* METADATA Projects (/shared/comment \"Team projects 2027\" /private/comment \"alice's note\")"])
        #expect(try bob.send("GETMETADATA ~alice/Projects /private/comment").untagged == ["* METADATA ~alice/Projects (/private/comment \"bob's note\")"])
    }
}
