import Store

/// RENAME (RFC 9051 §6.3.6): the mailbox with all its children; INBOX's messages move
/// to the new mailbox and INBOX stays, empty. Needs `x` on the mailbox and `k` where it
/// goes (RFC 4314 §4); ACLs go with the mailboxes.
struct RenameCommand: CommandJob {
    let from: MailboxName
    let to: MailboxName

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let source = try MailboxResolver.resolve(from, in: session, services)
        _ = try source.require(.deleteMailbox)
        let destination = try MailboxResolver.resolve(to, in: session, services)
        guard source.account === destination.account, !destination.name.isEmpty else {
            return .done(.no("Mailboxes cannot be renamed into another account", .cannot))
        }
        if destination.status != nil && !destination.rights.isDisjoint(with: .any) {
            return .done(.no("Mailbox already exists", .alreadyExists))
        }
        guard try MailboxResolver.creationRights(destination, in: session, services).contains(.createMailbox) else {
            return .done(.no("Permission denied", .noPerm))
        }
        try source.account.renameMailbox(source.name, to: destination.name)
        return .done(.ok("RENAME completed"))
    }
}
