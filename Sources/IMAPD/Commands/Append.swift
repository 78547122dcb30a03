import Store

/// APPEND (RFC 9051 §6.3.12), several messages at once (RFC 3502 MULTIAPPEND), answered
/// with APPENDUID (RFC 4315). All the messages are stored or none.
struct AppendCommand: CommandJob {
    let mailbox: MailboxName
    let messages: [AppendMessage]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session)
        let box: MailboxStatus
        do {
            box = try target.account.mailbox(named: target.name)
        } catch StoreError.nonexistent {
            // RFC 9051 §6.3.12: TRYCREATE tells the client it may CREATE and try again.
            return .done(.no("Mailbox does not exist", .tryCreate))
        }
        var batch: [NewMessage] = []
        for m in messages {
            guard !m.bytes.isEmpty else { return .done(.no("Empty messages are not stored", .cannot)) }
            guard m.bytes.count <= services.settings.appendLimit else { return .done(.no("Message too large", .tooBig)) }
            batch.append(NewMessage(bytes: m.bytes, flags: try StoredFlags.from(m.flags), internalDate: m.internalDate))
        }
        let result = try target.account.append(batch, to: box.id)
        // Appending to the selected mailbox: the client hears EXISTS now (§6.3.12).
        if var view = session.selected, view.id == box.id, target.account === session.account {
            view.receive(.appended(result.uids))
            session.selected = view
        }
        return .done(.ok("APPEND completed", .appendUID(uidValidity: result.uidValidity, uids: UIDSet(result.uids))))
    }
}
