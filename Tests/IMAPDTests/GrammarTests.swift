@testable import IMAPD
import NIOCore
import Store
import Testing

/// The framer, the encoder and LIST patterns, byte for byte, without sockets.
@Suite struct FramerTests {
    func events(_ chunks: [String], limits: CommandFramer.Limits = CommandFramer.Limits()) -> [String] {
        var framer = CommandFramer(limits: limits)
        var out: [String] = []
        for chunk in chunks {
            var b = ByteBuffer(string: chunk)
            framer.append(&b)
            while let e = framer.next() {
                switch e {
                case .command(let buffer): out.append("command " + String(buffer: buffer))
                case .continuationNeeded: out.append("continue")
                case .lineTooLong(let tag): out.append("too long \(tag ?? "-")")
                case .literalTooLarge(let tag, let isAppend): out.append("literal too large \(tag ?? "-") \(isAppend)")
                }
            }
        }
        return out
    }

    @Test func linesAndLiterals() {
        #expect(events(["a NOOP\r\nb NOOP\n"]) == ["command a NOOP", "command b NOOP"])
        #expect(events(["a NO", "OP\r", "\n"]) == ["command a NOOP"])
        #expect(events(["a LOGIN {5}\r\n", "ali", "ce {2+}\r\npw\r\n"]) == ["continue", "command a LOGIN {5}\r\nalice {2+}\r\npw"])
        // A literal may hold line ends and braces.
        #expect(events(["a APPEND x {7+}\r\n{1}\r\n\r\n\r\n"]) == ["command a APPEND x {7+}\r\n{1}\r\n\r\n"])
        #expect(events(["a APPEND x ~{3}\r\n", "\0\u{1}\u{2}\r\n"]) == ["continue", "command a APPEND x ~{3}\r\n\0\u{1}\u{2}"])
    }

    @Test func limits() {
        var limits = CommandFramer.Limits()
        limits.maxLineLength = 20
        limits.maxLiteral = 10
        limits.maxAppendLiteral = 100
        #expect(events(["t1 NOOP 0123456789012345\r\nt2 NOOP\r\n"], limits: limits) == ["too long t1", "command t2 NOOP"])
        #expect(events(["t1 NOOP 0123456789", "012345", "xx\r\nt2 NOOP\r\n"], limits: limits) == ["too long t1", "command t2 NOOP"])
        #expect(events(["t3 LOGIN {11}\r\n"], limits: limits) == ["literal too large t3 false"])
        #expect(events(["t4 APPEND x {101}\r\n"], limits: limits) == ["literal too large t4 true"])
        #expect(events(["t5 APPEND x {50}\r\n"], limits: limits) == ["continue"])
        // A refused non-synchronizing literal is read and dropped with its command.
        #expect(events(["t6 LOGIN {12+}\r\n", "123456789012 x\r\nt7 NOOP\r\n"], limits: limits) == ["literal too large t6 false", "command t7 NOOP"])
    }
}

@Suite struct EncoderTests {
    func encode(_ r: Response, utf8: Bool = false) -> String {
        var e = ResponseEncoder(utf8: utf8)
        e.write(r)
        return String(buffer: e.buffer)
    }

    @Test func statusResponsesAndStrings() {
        #expect(encode(.tagged("a1", .ok("Done", .appendUID(uidValidity: 7, uids: UIDSet([UID(1), UID(2), UID(5)]))))) == "a1 OK [APPENDUID 7 1:2,5] Done\r\n")
        #expect(encode(.untagged(.no("Line one\r\nline two"))) == "* NO Line one line two\r\n")
        #expect(encode(.list(kind: "LIST", attributes: ["\\HasNoChildren"], name: "Entwürfe", childInfo: false)) == "* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe\r\n")
        #expect(encode(.list(kind: "LIST", attributes: [], name: "Entwürfe", childInfo: false), utf8: true) == "* LIST () \"/\" \"Entwürfe\"\r\n")
        #expect(encode(.list(kind: "LIST", attributes: [], name: "a \"quoted\" name", childInfo: false)) == "* LIST () \"/\" \"a \\\"quoted\\\" name\"\r\n")
        #expect(encode(.list(kind: "LIST", attributes: [], name: "NIL", childInfo: false)) == "* LIST () \"/\" \"NIL\"\r\n")
        #expect(encode(.search([2, 5], highestModSeq: 9)) == "* SEARCH 2 5 (MODSEQ 9)\r\n")
        #expect(encode(.esearch(tag: "t", uid: true, items: [.min(1), .all(UIDSet(ranges: [1...3])), .count(3)])) == "* ESEARCH (TAG \"t\") UID MIN 1 ALL 1:3 COUNT 3\r\n")
        #expect(encode(.status(name: "INBOX", items: [(.messages, .number(3)), (.uidNext, .number(9)), (.mailboxID, .objectID("F1a"))]))
            == "* STATUS INBOX (MESSAGES 3 UIDNEXT 9 MAILBOXID (F1a))\r\n")
        #expect(encode(.vanished(UIDSet(ranges: [1...3, 7...7]), earlier: true)) == "* VANISHED (EARLIER) 1:3,7\r\n")
        #expect(encode(NamespaceCommand.response) == "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL\r\n")
    }

    @Test func fetchItems() {
        var e = ResponseEncoder(utf8: false)
        e.beginFetch(3)
        e.fetchUID(UID(42))
        e.fetchFlags(Flags(system: [.seen, .answered], keywords: ["$Work"]), recent: true)
        e.fetchInternalDate(0)
        e.beginFetchLiteral("BODY[]<0>", count: 2)
        e.buffer.writeString("hi")
        e.endFetch()
        #expect(String(buffer: e.buffer) == "* 3 FETCH (UID 42 FLAGS (\\Answered \\Seen \\Recent $Work) INTERNALDATE \" 1-Jan-1970 00:00:00 +0000\" BODY[]<0> {2}\r\nhi)\r\n")
        #expect(IMAPDate.dateTime(1_772_701_200) == " 5-Mar-2026 09:00:00 +0000")
        #expect(IMAPDate.dateTime(-1) == "31-Dec-1969 23:59:59 +0000")
    }

    @Test func numbersAreWrittenInDecimal() {
        for value: UInt64 in [0, 1, 9, 10, 99, 100, 4_294_967_295, 10_000_000_000_000_000_000, .max] {
            var e = ResponseEncoder(utf8: false)
            e.writeDecimal(value)
            #expect(String(buffer: e.buffer) == String(value))
        }
        var e = ResponseEncoder(utf8: false)
        e.beginFetch(100_000)
        e.fetchUID(UID(UInt32.max))
        e.fetchSize(0)
        e.fetchModSeq(ModSequence(18_446_744_073_709_551_615))
        e.endFetch()
        #expect(String(buffer: e.buffer) == "* 100000 FETCH (UID 4294967295 RFC822.SIZE 0 MODSEQ (18446744073709551615))\r\n")
    }

    @Test(arguments: [
        ("*", "a/b/c", true), ("%", "a/b", false), ("%", "a", true), ("a/%", "a/b", true), ("a/%", "a/b/c", false),
        ("a*c", "a/b/c", true), ("a%c", "a/b/c", false), ("a%c", "abc", true), ("INBOX", "INBOX", true),
        ("inbox/%", "INBOX/x", true), ("in%", "INBOX", false), ("%/%", "x/y", true), ("*/b", "a/b", true), ("", "a", false),
        (String(repeating: "%", count: 300) + "z", String(repeating: "y", count: 300), false),
    ])
    func listPatterns(pattern: String, name: String, matches: Bool) {
        #expect(ListPattern(pattern).matches(name) == matches)
    }
}
