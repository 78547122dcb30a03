import Store

/// A mailbox a command names, found: the store that holds it and its name there.
struct MailboxTarget {
    let account: Account
    /// The canonical name in `account` ("INBOX", "Projects/2026").
    let name: String
}

/// Turns the names clients send into mailboxes: modified UTF-7 or UTF-8 decoding, INBOX
/// in any case, and the checks every name must pass.
enum MailboxResolver {
    /// The name a client sent, as text. Clients that have not enabled UTF-8 send modified
    /// UTF-7 (RFC 3501 §5.1.3); some send raw UTF-8 anyway, which is taken as such.
    static func decode(_ name: MailboxName, utf8: Bool) throws -> String {
        let bytes = name.bytes
        if bytes.contains(where: { $0 >= 0x80 }) || utf8 {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CommandFailure(.no("Mailbox name is not valid UTF-8", .cannot))
            }
            return text
        }
        guard let text = ModifiedUTF7.decode(String(decoding: bytes, as: UTF8.self)) else {
            throw CommandFailure(.no("Mailbox name is not valid modified UTF-7", .cannot))
        }
        return text
    }

    /// The mailbox a name means for this session.
    static func resolve(_ name: MailboxName, in session: SessionContext) throws -> MailboxTarget {
        let text = try decode(name, utf8: session.options.utf8)
        if text.hasPrefix("~") {
            // Other users' mailboxes come with sharing (ACLs); until then there are none.
            throw CommandFailure(.no("No such mailbox", .nonexistent))
        }
        do {
            return MailboxTarget(account: session.account, name: try MailboxPath.canonical(text))
        } catch let error as StoreError {
            throw CommandFailure(.no(error.description.capitalizedFirst, .cannot))
        }
    }
}

/// A command refused with a status the client gets as the tagged response.
struct CommandFailure: Error {
    var status: StatusResponse
    init(_ status: StatusResponse) { self.status = status }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
