import Store

/// SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). Names are kept as the session
/// shows them (INBOX canonical, others' mailboxes as `~owner/name`, aliases as named),
/// whether or not the mailbox exists now (RFC 4314 §4 asks no right for either).
struct SubscribeCommand: CommandJob {
    var chains: Bool { true }
    let mailbox: MailboxName
    let subscribe: Bool

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let name = try MailboxResolver.decode(mailbox, utf8: session.options.utf8)
        if subscribe {
            try session.account.subscribe(try MailboxResolver.resolve(text: name, in: session, services).displayName)
        } else {
            // Unsubscribing needs no mailbox: a name whose owner is gone can still be dropped.
            let key = (try? MailboxResolver.resolve(text: name, in: session, services).displayName) ?? name
            try session.account.unsubscribe(key)
        }
        return .done(.ok(subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed"))
    }
}
