import Foundation
import Testing
import TestSupport
@testable import Store

@Suite struct XXHash64Tests {
    // Reference values from the xxHash reference implementation (Python's xxhash package).
    @Test(arguments: [
        ("", 0xef46_db37_51d8_e999 as UInt64),
        ("abc", 0x44bc_2cf5_ad77_0999),
    ])
    func knownVectors(input: String, expected: UInt64) {
        #expect(XXHash64.hash(Array(input.utf8)) == expected)
    }

    @Test func longInputAndStreamingAgree() {
        let bytes = (0..<3).flatMap { _ in (0..<256).map { UInt8($0) } } + Array("xyz".utf8)
        #expect(XXHash64.hash(bytes) == 0xe921_a1b4_5bd7_79f8)
        for split in [1, 7, 31, 32, 33, 500] {
            var h = XXHash64()
            bytes[..<split].withUnsafeBytes { h.update($0) }
            bytes[split...].withUnsafeBytes { h.update($0) }
            #expect(h.finalize() == 0xe921_a1b4_5bd7_79f8)
        }
    }
}

@Suite struct UIDSetTests {
    @Test func mergesAdjacentAndOverlapping() {
        var s = UIDSet()
        for u: UInt32 in [5, 1, 2, 3, 9, 10, 4, 20] { s.insert(UID(u)) }
        #expect(s.description == "1:5,9:10,20")
        s.insert(6...19)
        #expect(s.description == "1:20")
        #expect(s.count == 20)
    }

    @Test func containsAndIterates() {
        let s = UIDSet(ranges: [7...9, 1...2, 4294967295...4294967295])
        #expect(s.contains(UID(8)) && s.contains(UID(1)) && s.contains(UID(4294967295)))
        #expect(!s.contains(UID(3)) && !s.contains(UID(10)))
        #expect(Array(s).map(\.rawValue) == [1, 2, 7, 8, 9, 4294967295])
    }
}

@Suite struct MailboxPathTests {
    @Test(arguments: [("inbox", "INBOX"), ("Inbox/Lists", "INBOX/Lists"), ("Sent", "Sent"), ("a/b/c", "a/b/c"), ("Entwürfe", "Entwürfe")])
    func canonicalNames(input: String, expected: String) throws {
        #expect(try MailboxPath.canonical(input) == expected)
    }

    @Test(arguments: ["", "/a", "a/", "a//b", "../x", "a/../b", "a/./b", "~bob/INBOX", "a\u{0}b", "a\nb", String(repeating: "x", count: 1001)])
    func refusedNames(input: String) {
        #expect(throws: StoreError.self) { try MailboxPath.canonical(input) }
    }

    /// Names all in ASCII take a byte-wise path: it gives what the general one gives (a
    /// level with "é" after the name sends the same name down the general one).
    @Test func asciiNamesAreJudgedAsOthers() throws {
        func judged(_ name: String) -> String {
            do { return try MailboxPath.canonical(name) } catch { return "\(error)" }
        }
        let names = ["inbox", "InBoX/x", "INBOXES", "inbo", "Sent/inbox", "/a", "a/", "a//b", "../x", "a/../b", "a/./b",
                     "a/.../b", "a/.b", "~bob/INBOX", "a~", "a\u{0}b", "a\nb", "a\u{7f}", "b/\u{1f}/",
                     String(repeating: "a/", count: 40) + "a", String(repeating: "a/", count: 38) + "a"]
        for name in names {
            let general = judged(name + "/é")
            #expect(judged(name) == (general.hasSuffix("/é") ? String(general.dropLast(2)) : general), "\(name)")
        }
    }
}

@Suite struct FlagsTests {
    @Test func operations() {
        let f = Flags(system: [.seen], keywords: ["$Label1", "Work"])
        let added = f.applying(.add, Flags(system: [.flagged], keywords: ["work", "Home"]))
        #expect(added.system == [.seen, .flagged])
        #expect(added.keywords == ["$Label1", "Home", "Work"])
        let removed = added.applying(.remove, Flags(system: [.seen], keywords: ["WORK"]))
        #expect(removed.system == [.flagged])
        #expect(removed.keywords == ["$Label1", "Home"])
        #expect(removed.applying(.replace, Flags(system: [.draft])) == Flags(system: [.draft]))
    }

    @Test func systemFlagNames() {
        #expect(SystemFlags(name: "\\SEEN") == .seen)
        #expect(SystemFlags(name: "\\Recent") == nil)
    }
}

@Suite struct LineEndsTests {
    @Test(arguments: [("a\nb\n", "a\r\nb\r\n"), ("a\r\nb", "a\r\nb"), ("\n", "\r\n"), ("a\rb\n", "a\rb\r\n"), ("", "")])
    func crlf(input: String, expected: String) {
        #expect(LineEnds.crlf(Array(input.utf8)) == Array(expected.utf8))
    }
}

@Suite struct PasswordTests {
    @Test func hashAndVerify() throws {
        let h = try Password.hash("correct horse")
        #expect(h.hasPrefix("$6$"))
        #expect(Password.verify("correct horse", against: h))
        #expect(!Password.verify("correct horsf", against: h))
        #expect(!Password.verify("", against: h))
        #expect(try Password.hash("correct horse") != h, "each hash has its own salt")
    }

    @Test func constantTimeComparison() {
        let h = Array("$6$salt$abcdef".utf8)
        #expect(Password.constantTimeEqual(h, h))
        #expect(Password.constantTimeEqual([], []))
        #expect(!Password.constantTimeEqual(h, Array("$6$salt$abcdeg".utf8)))
        #expect(!Password.constantTimeEqual(h, Array(h.dropLast())))
        #expect(!Password.constantTimeEqual([], [0]), "a longer one differs even in NULs")
        #expect(!Password.constantTimeEqual([], [UInt8](repeating: 0, count: 256)), "lengths 256 apart differ too")
    }

    /// An unknown name costs a password hash as a known one does, so timing does not tell
    /// which names exist (a decoy hash is verified).
    @Test func unknownNamesTakeAsLongAsWrongPasswords() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        _ = try store.directory.addDomain("example.com", main: true)
        try store.createAccount(try AccountName(parsing: "alice@example.com"), passwordHash: try Password.hash("secret"))
        func median(_ login: String) -> Double {
            let times = (0..<5).map { _ in
                let start = Date()
                #expect(store.authenticate(login: login, password: "wrong") == nil)
                return Date().timeIntervalSince(start)
            }
            return times.sorted()[2]
        }
        let known = median("alice"), unknown = median("nobody")
        #expect(unknown > known / 2, "unknown \(unknown) s, known \(known) s")
        #expect(store.authenticate(login: "alice", password: "secret") != nil)
    }

    @Test func importsDovecotSchemes() throws {
        let h = try Password.hash("pw")
        #expect(try Password.importing("{SHA512-CRYPT}" + h) == h)
        #expect(try Password.importing(h) == h)
        let fromPlain = try Password.importing("{PLAIN}pw")
        #expect(fromPlain.hasPrefix("$6$") && Password.verify("pw", against: fromPlain))
        #expect(throws: StoreError.self) { try Password.importing("{SSHA}abcdef") }
        #expect(throws: StoreError.self) { try Password.importing("plaintext") }
        #expect(!Password.verify("pw", against: "{PLAIN}pw"))
    }
}

/// Small reads come from a memory map of the segment (SegmentFiles): they see bytes
/// appended after the map was made, the bytes written after a truncation, and a read past
/// the file's end is an error, never a page past the end of the map (SIGBUS).
@Suite struct SegmentMapTests {
    @Test func mappedReadsFollowTheFile() throws {
        let directory = TemporaryDirectory()
        let segments = try SegmentFiles(directory: directory.path + "/blobs")
        func write(_ text: String, at offset: Int64) throws {
            try Array(text.utf8).withUnsafeBytes { try segments.write(segment: 1, at: offset, pieces: [$0]) }
        }
        func read(_ offset: Int64, _ count: Int) throws -> String {
            try segments.withBytes(segment: 1, offset: offset, count: count) { String(decoding: $0, as: UTF8.self) }
        }
        try write("first message;", at: 0)
        #expect(try read(0, 5) == "first")
        try write("second;", at: 14)
        #expect(try read(14, 7) == "second;")  // past the end the map first saw
        var into = [UInt8](repeating: 0, count: 6)
        try into.withUnsafeMutableBytes { try segments.read(segment: 1, offset: 0, into: $0) }
        #expect(into == Array("first ".utf8))
        try segments.truncate(segment: 1, to: 14)
        #expect(throws: StoreError.self) { try read(14, 7) }  // cut away: read, not mapped
        try write("third;", at: 14)
        #expect(try read(14, 6) == "third;")
        #expect(throws: StoreError.self) { try read(18, 100) }
        try segments.remove(segment: 1)
        #expect(throws: SegmentFiles.SegmentMissing.self) { try read(0, 5) }
    }
}
