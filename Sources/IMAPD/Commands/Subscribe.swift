import Store

/// SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). Names are kept as the client
/// means them (INBOX canonical), whether or not the mailbox exists now.
struct SubscribeCommand: CommandJob {
    let mailbox: MailboxName
    let subscribe: Bool

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let name = try MailboxResolver.decode(mailbox, utf8: session.options.utf8)
        let key = name.hasPrefix("~") ? name : try MailboxResolver.resolve(mailbox, in: session).name
        if subscribe {
            try session.account.subscribe(key)
        } else {
            try session.account.unsubscribe(key)
        }
        return .done(.ok(subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed"))
    }
}
