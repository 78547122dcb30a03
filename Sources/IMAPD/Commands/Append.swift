import Store

/// APPEND (RFC 9051 §6.3.12), several messages at once (RFC 3502 MULTIAPPEND), answered
/// with APPENDUID (RFC 4315). All the messages are stored or none. Another user's
/// mailbox needs the `i` right; flags the rights do not cover are dropped (RFC 4314 §4).
struct AppendCommand: CommandJob {
    let mailbox: MailboxName
    let messages: [AppendMessage]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        if target.status == nil && target.isOwn {
            // RFC 9051 §6.3.12: TRYCREATE tells the client it may CREATE and try again.
            return .done(.no("Mailbox does not exist", .tryCreate))
        }
        let box = try target.require(.insert)
        var batch: [NewMessage] = []
        var seen: [Int] = []
        for (i, m) in messages.enumerated() {
            guard !m.bytes.isEmpty else { return .done(.no("Empty messages are not stored", .cannot)) }
            guard m.bytes.count <= services.settings.appendLimit else { return .done(.no("Message too large", .tooBig)) }
            var flags = StoredFlags.allowed(try StoredFlags.from(m.flags), by: target.rights)
            if target.reader != nil && flags.system.contains(.seen) {
                // The session's \Seen in someone else's mailbox is its own, set below.
                flags.system.remove(.seen)
                seen.append(i)
            }
            batch.append(NewMessage(bytes: m.bytes, flags: flags, internalDate: m.internalDate))
        }
        let result = try target.account.append(batch, to: box.id)
        if !seen.isEmpty {
            _ = try target.account.store(UIDSet(seen.map { result.uids[$0] }), in: box.id, .add, Flags(system: [.seen]), reader: target.reader)
        }
        // Appending to the selected mailbox: the client hears EXISTS now (§6.3.12).
        if var view = session.selected, view.id == box.id, target.account === view.account {
            view.receive(.appended(result.uids))
            session.selected = view
        }
        return .done(.ok("APPEND completed", .appendUID(uidValidity: result.uidValidity, uids: UIDSet(result.uids))))
    }
}
