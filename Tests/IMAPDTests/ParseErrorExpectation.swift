import Testing
@testable import IMAPD

/// That `input` is refused with `message`, the refusal carrying `tag` (nil when the line
/// had none a client could match).
func expectParseError(_ input: String, tag: String? = "a", _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    switch CommandParser.parse(input) {
    case .success(let c): Issue.record("parsed \(c)", sourceLocation: sourceLocation)
    case .failure(let e):
        #expect(e.tag == tag, "\(input)", sourceLocation: sourceLocation)
        #expect(e.message == message, "\(input)", sourceLocation: sourceLocation)
    }
}
