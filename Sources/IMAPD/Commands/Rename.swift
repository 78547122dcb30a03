import Store

/// RENAME (RFC 9051 §6.3.6): the mailbox with all its children; INBOX's messages move
/// to the new mailbox and INBOX stays, empty.
struct RenameCommand: CommandJob {
    let from: MailboxName
    let to: MailboxName

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let source = try MailboxResolver.resolve(from, in: session)
        let destination = try MailboxResolver.resolve(to, in: session)
        guard source.account === destination.account else {
            return .done(.no("Mailboxes cannot be renamed into another account", .cannot))
        }
        try source.account.renameMailbox(source.name, to: destination.name)
        return .done(.ok("RENAME completed"))
    }
}
