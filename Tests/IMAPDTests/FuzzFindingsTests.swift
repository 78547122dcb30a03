@testable import IMAPD
import NIOCore
import Testing

/// What IMAPCommandFuzzer found (Fuzzing/), each as the smallest input that showed it.
@Suite struct IMAPFuzzFindingsTests {
    /// A line of exactly the longest length whose CR ends one read and whose LF starts
    /// the next was skipped as too long, though the same bytes in one read were a command.
    @Test func longestLineWithItsLineEndSplitAcrossReads() {
        var limits = CommandFramer.Limits()
        limits.maxLineLength = 12
        let line = "a NOOP 12345"
        #expect(line.utf8.count == 12)
        let framer = FramerTests()
        #expect(framer.events([line + "\r", "\n"], limits: limits) == ["command a NOOP 12345"])
        #expect(framer.events([line + "\r\n"], limits: limits) == ["command a NOOP 12345"])
        #expect(framer.events([line + "x\r", "\n", "b NOOP\r\n"], limits: limits) == ["too long a", "command b NOOP"])
        #expect(framer.events([line + "\r", "x\n", "b NOOP\r\n"], limits: limits) == ["too long a", "command b NOOP"])
    }

    /// A BAD that quotes what the client sent carried its NUL and 8-bit bytes as they were;
    /// response text is printable US-ASCII.
    @Test func badQuotesClientTextAsPrintableASCII() {
        var s = SessionMachineTests().session()
        var command = ByteBuffer(string: "a GETMETADATA INBOX {3}\r\n")
        command.writeBytes([0x00, 0xC3, 0xA9])
        #expect(SessionMachineTests().describe(s.handle(.input(.command(command)))) == ["a BAD Invalid entry name ??\r\n"])
    }

    /// Line breaks in a text become spaces, other controls "?", and a text is cut to a bound.
    @Test func statusTextIsOneBoundedLine() {
        var encoder = ResponseEncoder(utf8: true)
        encoder.write(.tagged("a", .no("one\r\ntwo\tthree\u{7F}f\u{FC}r")))
        encoder.write(.untagged(.bad(String(repeating: "e\u{301}", count: 1000))))
        let lines = String(buffer: encoder.buffer).split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "a NO one two three?f?r")
        #expect(lines[1] == "* BAD " + String(repeating: "e?", count: 500) + "...")
    }
}
