import Testing
@testable import POPD

/// What POP3CommandFuzzer found (Fuzzing/), each as the smallest input that showed it.
@Suite struct POP3FuzzFindingsTests {
    func reply(to line: String) -> [POP3Session.Action] {
        var s = POP3Session(hostname: "pop", settings: .init(tlsAvailable: false, plaintextAllowedWithoutTLS: true))
        return s.handle(.line(line))
    }

    /// A message number that is not one was echoed as it came, NUL and all.
    @Test func badNumbersAreQuotedAsPrintableASCII() {
        #expect(reply(to: "LIST 1\u{0}") == [.reply("-ERR Syntax error: '1?' is not a number\r\n")])
        #expect(reply(to: "LIST \u{E9}\r") == [.reply("-ERR Syntax error: '? ' is not a number\r\n")])
        #expect(reply(to: "LIST 1" + String(repeating: "\u{301}", count: 3000))
                == [.reply("-ERR Syntax error: '1" + String(repeating: "?", count: 19) + "...' is not a number\r\n")])
    }
}
