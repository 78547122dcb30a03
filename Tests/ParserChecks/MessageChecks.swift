import Store

/// The properties the store relies on in what `MessageParser` makes of any input: sizes
/// that match, ENVELOPE and BODY[STRUCTURE] that are valid IMAP, every part's ranges
/// inside the message, and a part table that survives its stored encoding.
public enum MessageChecks {
    /// Parts visited at most, so a message of ten thousand parts is checked in bounded time.
    static let partBudget = 2_000

    /// A description of the first property `message` breaks, nil when it keeps them all.
    public static func violation(in message: [UInt8]) -> String? {
        let parsed = MessageParser.parse(message)
        guard parsed.size == message.count, (0...parsed.size).contains(parsed.headerLength) else { return "sizes" }
        do {
            try IMAPSyntax.checkEnvelope(parsed.envelope)
            try IMAPSyntax.checkBody(parsed.bodyStructure, extended: true)
            try IMAPSyntax.checkBody(parsed.body, extended: false)
        } catch {
            return "\(error)"
        }
        let whole = 0...message.count
        var pending: [[Int]] = [[]]
        var visited = 0
        while let path = pending.popLast(), visited < partBudget {
            guard let location = parsed.structure.locate(path) else { continue }
            visited += 1
            let ranges = [location.header, location.body] + (location.message.map { [$0.header, $0.text] } ?? [])
            guard ranges.allSatisfy({ whole.contains($0.lowerBound) && whole.contains($0.upperBound) }),
                  location.header.upperBound <= location.body.lowerBound else { return "ranges of \(path)" }
            // Children are tried until the first number that names no part.
            if path.count < 60, parsed.structure.locate(path + [1]) != nil {
                var number = 1
                while visited + number <= partBudget, parsed.structure.locate(path + [number]) != nil {
                    number += 1
                }
                pending += (1..<number).reversed().map { path + [$0] }
            }
        }
        guard (try? MessageStructure(encoded: parsed.structure.encoded)) == parsed.structure else { return "round trip" }
        return nil
    }
}
