import FuzzSupport
import NIOCore
import POPD
import ServerCore
import Store

/// The maildrop a login opens: three messages, one of them empty.
let maildrop = POP3Session.Maildrop(
    account: AccountRecord(id: "a1", name: try! AccountName(parsing: "alice@example.org"), passwordHash: "", quota: nil, created: 0),
    mailbox: 1, uidValidity: 7,
    messages: [POP3Session.Message(uid: UID(1), size: 120, blob: 1), POP3Session.Message(uid: UID(2), size: 0, blob: 2),
               POP3Session.Message(uid: UID(5), size: 4000, blob: 3)])

/// A POP3 conversation from the client's bytes, cut into reads as the seed byte says:
/// every reply, whatever the input, must be clean lines (no NUL, no bare CR, no 8-bit).
/// A login succeeds with the password "secret", so the transaction state is reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    var lines = LineBuffer(maxLineLength: 255)
    var session = POP3Session(hostname: "pop.example.org", settings: .init(tlsAvailable: true, plaintextAllowedWithoutTLS: true))
    var events: [POP3Session.Event] = [.connected]
    var closed = false
    func perform() {
        while !events.isEmpty && !closed {
            for action in session.handle(events.removeFirst()) {
                switch action {
                case .reply(let text): ReplyLines.require(text.utf8, limit: 512, "POP3")
                case .startTLS: events.append(.tlsStarted)
                case .login(_, let password, _): events.append(password == "secret" ? .loggedIn(maildrop) : .loginFailed(.credentials))
                case .send(let message, _):
                    precondition(maildrop.messages.contains(message), "sending a message not in the maildrop")
                    events.append(.sent)
                case .commit: events.append(.committed(true))
                case .close: closed = true
                }
            }
        }
    }
    perform()
    for read in input.reads(maxRead: 32) where !closed {
        var buffer = ByteBuffer(bytes: read)
        lines.append(&buffer)
        while !closed, let next = lines.next() {
            switch next {
            case .line(let line): events.append(.line(line))
            case .tooLong: events.append(.lineTooLong)
            }
            perform()
        }
    }
    return 0
}
