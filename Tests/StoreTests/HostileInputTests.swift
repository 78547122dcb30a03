import Testing
import TestSupport
import Store
import ParserChecks

/// Input an attacker or a broken mailer could send: the parser must not trap, and what
/// it produces must stay valid IMAP with ranges inside the message.
@Suite struct HostileInputTests {
    /// Deepest parenthesis nesting, ignoring quoted strings and literals' contents.
    static func nesting(_ text: String) -> Int {
        var depth = 0, deepest = 0, quoted = false, escaped = false
        for byte in text.utf8 {
            if quoted {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { quoted = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): quoted = true
            case UInt8(ascii: "("): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: ")"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    @Test func thousandNestedMultiparts() {
        var message: [UInt8] = []
        for level in 0..<1000 { message += MIMECorpus.crlf("Content-Type: multipart/mixed; boundary=b\(level)\n\n--b\(level)\n") }
        message += MIMECorpus.crlf("Content-Type: text/plain\n\ndeep\n")
        for level in (0..<1000).reversed() { message += MIMECorpus.crlf("--b\(level)--\n") }
        #expect(MessageChecks.violation(in: message) == nil)
        let parsed = MessageParser.parse(message)
        #expect(parsed.bodyStructure.contains(#"("APPLICATION" "OCTET-STREAM" NIL NIL NIL "7BIT""#))
        #expect(HostileInputTests.nesting(parsed.bodyStructure) <= 52)
        #expect(parsed.structure.locate(Array(repeating: 1, count: 50)) != nil)
        #expect(parsed.structure.locate(Array(repeating: 1, count: 51)) == nil)
    }

    @Test func thousandNestedMessages() {
        let message = Array(repeating: MIMECorpus.crlf("Subject: again\nContent-Type: message/rfc822\n\n"), count: 1000).flatMap { $0 }
            + MIMECorpus.crlf("Subject: innermost\n\ntext")
        #expect(MessageChecks.violation(in: message) == nil)
        // Each level adds a body, an envelope and a body again: bounded by the depth cap.
        #expect(HostileInputTests.nesting(MessageParser.parse(message).bodyStructure) <= 2 * 51 + 2)
    }

    @Test func sameBoundaryAtEveryLevel() {
        let message = Array(repeating: MIMECorpus.crlf("Content-Type: multipart/mixed; boundary=x\n\n--x\n"), count: 1000)
            .flatMap { $0 }
        #expect(MessageChecks.violation(in: message) == nil)
    }

    @Test func tooManyParts() {
        let message = MIMECorpus.crlf("Content-Type: multipart/mixed; boundary=p\n\n")
            + Array(repeating: MIMECorpus.crlf("--p\n\nx\n"), count: 12_000).flatMap { $0 }
        let parsed = MessageParser.parse(message)
        #expect(parsed.structure.locate([10_000]) != nil)
        #expect(parsed.structure.locate([10_001]) == nil)
        #expect(MessageChecks.violation(in: message) == nil)
    }

    @Test func hostileHeaders() {
        let cases: [[UInt8]] = [
            Array(repeating: UInt8(ascii: "("), count: 50_000),
            Array("From: ".utf8) + Array(repeating: UInt8(ascii: "("), count: 20_000) + Array("\r\n\r\n".utf8),
            Array("To: ".utf8) + Array(repeating: Array("a:".utf8), count: 5_000).flatMap { $0 } + Array("\r\n\r\n".utf8),
            Array("Subject: \"\\".utf8),
            Array("Content-Type: multipart/mixed; boundary=\"\r\n\r\n--\r\n".utf8),
            Array("Content-Type: multipart/mixed; boundary=".utf8),
            Array(" leading continuation\r\nFrom: a@b\r\n\r\n".utf8),
            Array("\r\n\r\n\r\n".utf8),
            [0, 0, 0, 10, 10, 0],
            Array(repeating: 0xFF, count: 300),
        ]
        for message in cases {
            #expect(MessageChecks.violation(in: message) == nil)
        }
    }

    /// Seeded, so a failure names an input that can be reproduced.
    @Test func randomInputs() {
        var random = SplitMix64(seed: 0x5EED_0001)
        let pieces: [[UInt8]] = [
            "\r\n", "\n", "\r", " ", "\t", ":", ";", ",", "\"", "\\", "(", ")", "<", ">", "@", "=", "--", "--b", "--b--",
            "Content-Type: multipart/mixed; boundary=b\r\n", "Content-Type: message/rfc822\r\n",
            "Content-Type: multipart/digest; boundary=b\r\n", "From: ", "To: g: a@b, <c@d>;", "Subject: ", "Date: ",
            "Content-Transfer-Encoding: base64\r\n", "\r\n\r\n", "=?UTF-8?B?w7w=?=", "\u{0}", "ü",
        ].map { Array($0.utf8) }
        var failures: [String] = []
        for round in 0..<3000 {
            var message: [UInt8] = []
            let length = Int(random.next() % 64)
            for _ in 0..<length {
                if random.next() % 3 == 0 {
                    message.append(UInt8(truncatingIfNeeded: random.next()))
                } else {
                    message += pieces[Int(random.next() % UInt64(pieces.count))]
                }
            }
            if let problem = MessageChecks.violation(in: message) { failures.append("round \(round): \(problem)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func mutatedCorpus() {
        var random = SplitMix64(seed: 0x5EED_0002)
        var failures: [String] = []
        for round in 0..<3000 {
            var message = MIMECorpus.all[Int(random.next() % UInt64(MIMECorpus.all.count))].message
            for _ in 0..<(1 + random.next() % 6) {
                guard !message.isEmpty else { break }
                let at = Int(random.next() % UInt64(message.count))
                let span = min(message.count - at, Int(random.next() % 40))
                switch random.next() % 5 {
                case 0: message[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: message.removeSubrange(at..<at + span)
                case 2: message.insert(contentsOf: message[at..<at + span], at: Int(random.next() % UInt64(message.count)))
                case 3: message.removeSubrange(at...)
                default: message.insert(contentsOf: Array("\r\n--".utf8), at: at)
                }
            }
            if let problem = MessageChecks.violation(in: message) { failures.append("round \(round): \(problem)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
