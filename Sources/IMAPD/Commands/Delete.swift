import Store

/// DELETE (RFC 9051 §6.3.5): the mailbox and its messages go; its children stay.
struct DeleteCommand: CommandJob {
    let mailbox: MailboxName

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session)
        if MailboxPath.isInbox(target.name) { return .done(.no("INBOX cannot be deleted", .cannot)) }
        let id = try target.account.mailbox(named: target.name).id
        // Deleting the selected mailbox leaves it first, instead of ending the connection.
        if session.selected?.id == id, target.account === session.account {
            Deselect.close(&session, &out)
        }
        try target.account.deleteMailbox(target.name)
        return .done(.ok("DELETE completed"))
    }
}
