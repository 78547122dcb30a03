import Store

/// DELETE (RFC 9051 §6.3.5): the mailbox, its messages and its ACL go; its children stay.
/// Another user's mailbox needs the `x` right (RFC 4314 §4).
struct DeleteCommand: CommandJob {
    let mailbox: MailboxName

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        let status = try target.require(.deleteMailbox)
        if MailboxPath.isInbox(target.name) { return .done(.no("INBOX cannot be deleted", .cannot)) }
        // Deleting the selected mailbox leaves it first, instead of ending the connection.
        if let view = session.selected, view.id == status.id, view.account === target.account {
            Deselect.close(&session, &out)
        }
        try target.account.deleteMailbox(target.name)
        try services.store.forgetGrants(on: status.id, of: target.owner)
        return .done(.ok("DELETE completed"))
    }
}
