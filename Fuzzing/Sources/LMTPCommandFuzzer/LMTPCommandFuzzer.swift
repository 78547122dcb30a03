import FuzzSupport
import LMTPD
import NIOCore
import ServerCore
import Store

let account = AccountRecord(id: "a1", name: try! AccountName(parsing: "alice@example.org"), passwordHash: "", quota: nil, created: 0)

/// How the directory answers a recipient: by the address's first byte, so the fuzzer
/// reaches accepted recipients, DATA and delivery as well as refusals.
func check(_ address: String) -> LMTPSession.RecipientCheck {
    switch address.utf8.first.map({ $0 % 4 }) {
    case 0: .unknown
    case 1: .overQuota
    case 2: .temporaryFailure
    default: .accepted(LMTPSession.Recipient(address: address, account: account, mailbox: nil))
    }
}

/// Traps unless `line` is read as a command whose paths RFC 5321 allows, or refused.
func checkParse(_ line: String) {
    guard let command = try? LMTPCommand.parse(line) else { return }
    let path: String
    switch command {
    case .mail(let from, _): path = from
    case .rcpt(let to, _): path = to
    default: return
    }
    // RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets; 4.1.2: US-ASCII.
    precondition(path.utf8.count <= 254 && path.utf8.allSatisfy { (0x20...0x7E).contains($0) },
                 "accepted path \(Array(path.utf8))")
}

/// An LMTP conversation from the client's bytes, cut into reads as the seed byte says:
/// every reply must be clean lines of at most 512 octets (RFC 5321 §4.5.3.1.5), and
/// every refusal must carry an enhanced status code (RFC 2034), as LHLO advertises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    var lines = LineBuffer(maxLineLength: 600)
    var session = LMTPSession(hostname: "mx.example.org", limits: .init(maxMessageSize: 1000, maxRecipients: 3))
    var events: [LMTPSession.Event] = [.connected]
    var closed = false
    func perform() {
        while !events.isEmpty && !closed {
            for action in session.handle(events.removeFirst()) {
                switch action {
                case .reply(let reply):
                    ReplyLines.require(reply.encoded.utf8, limit: 512, "LMTP")
                    precondition(reply.code < 400 || reply.enhanced?.first == String(reply.code / 100).first,
                                 "refusal without a matching enhanced code: \(reply)")
                case .checkRecipient(let address): events.append(.recipientChecked(address, check(address)))
                case .receiveMessage: events.append(.message(Array("Subject: fuzz\r\n\r\nhello\r\n".utf8)))
                case .deliver(let envelope, _):
                    events.append(.delivered(envelope.recipients.map { LMTPReply(250, "2.0.0", "<\($0.address)> delivered") }))
                case .close: closed = true
                }
            }
        }
    }
    perform()
    for read in input.reads(maxRead: 48) where !closed {
        var buffer = ByteBuffer(bytes: read)
        lines.append(&buffer)
        while !closed, let next = lines.next() {
            switch next {
            case .line(let line):
                checkParse(line)
                events.append(.line(line))
            case .tooLong: events.append(.lineTooLong)
            }
            perform()
        }
    }
    return 0
}
