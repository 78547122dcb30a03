import Testing
@testable import LMTPD

/// What LMTPCommandFuzzer found (Fuzzing/), each as the smallest input that showed it.
@Suite struct LMTPFuzzFindingsTests {
    func reply(to line: String) -> [String] {
        var s = LMTPSession(hostname: "mx")
        _ = s.handle(.line("LHLO client"))
        if !line.hasPrefix("MAIL") { _ = s.handle(.line("MAIL FROM:<>")) }
        return s.handle(.line(line)).compactMap { if case .reply(let r) = $0 { r.encoded } else { nil } }
    }

    /// `MAIL FROM:<> =` trapped: a parameter with no keyword split into nothing. An ESMTP
    /// parameter starts with an esmtp-keyword (RFC 5321 §4.1.2).
    @Test(arguments: ["MAIL FROM:<> =", "MAIL FROM:<> =x", "MAIL FROM:<a@b> SIZE=1 =", "MAIL FROM:<> -X=1", "MAIL FROM:<> B\u{E9}=1"])
    func parameterWithoutKeyword(line: String) {
        #expect(throws: LMTPCommand.ParseError.syntax("ESMTP parameters are keyword=value")) { try LMTPCommand.parse(line) }
        #expect(reply(to: line) == ["501 5.5.4 Syntax error: ESMTP parameters are keyword=value\r\n"])
    }

    @Test func parametersWithKeywords() throws {
        #expect(try LMTPCommand.parse("MAIL FROM:<> X-A1=b RET=") == .mail(from: "", parameters: ["X-A1": "b", "RET": ""]))
    }

    /// Paths are printable US-ASCII of at most 256 octets (RFC 5321 §4.5.3.1.3); others
    /// were accepted and echoed, a bare CR or 8-bit text included, into replies.
    @Test func pathsOverTheLimitOrNotASCII() {
        let longest = String(repeating: "a", count: 242) + "@example.org"
        #expect(longest.utf8.count == 254, "256 octets with the brackets")
        #expect(reply(to: "RCPT TO:<\(longest)>") == [], "a path of 256 octets with its brackets goes on to the recipient check")
        #expect(reply(to: "RCPT TO:<a\(longest)>") == ["501 5.1.3 The address must be printable US-ASCII of at most 256 octets\r\n"])
        #expect(reply(to: "RCPT TO:<a\rb@example.org>") == ["501 5.1.3 The address must be printable US-ASCII of at most 256 octets\r\n"])
        #expect(reply(to: "MAIL FROM:<j\u{F6}rg@example.org>") == ["501 5.1.7 The address must be printable US-ASCII of at most 256 octets\r\n"])
        #expect(reply(to: "MAIL FROM:<\u{0}@example.org>") == ["501 5.1.7 The address must be printable US-ASCII of at most 256 octets\r\n"])
    }

    /// An unknown command was echoed as it came: NUL, bare CR, 8-bit, and any number of
    /// combining marks in one Character.
    @Test func unknownCommandsAreQuotedAsPrintableASCII() {
        #expect(reply(to: "FOO\u{0}\r\u{E9}") == ["500 5.5.2 Unknown command FOO? ?\r\n"])
        let flood = "X" + String(repeating: "\u{301}", count: 3000)
        #expect(reply(to: flood) == ["500 5.5.2 Unknown command X" + String(repeating: "?", count: 19) + "...\r\n"])
    }
}
