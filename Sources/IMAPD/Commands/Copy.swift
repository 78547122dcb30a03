import Store

/// COPY and MOVE (RFC 9051 §6.4.7, §6.4.8; RFC 6851), with COPYUID (RFC 4315). Copies
/// share the stored bytes; a move is one transaction.
struct CopyCommand: CommandJob {
    let set: SequenceSet
    let mailbox: MailboxName
    let byUID: Bool
    let move: Bool

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        guard var view = session.selected else { return .done(.bad("No mailbox selected")) }
        let name = move ? "MOVE" : "COPY"
        let completed = (byUID ? "UID " : "") + name + " completed"
        if move && view.readOnly { return .done(.no("Mailbox is read-only", .readOnly)) }
        let uids = view.uidSet(try view.indices(for: set, byUID: byUID, saved: session.savedSearch))
        let target = try MailboxResolver.resolve(mailbox, in: session)
        let destination: MailboxStatus
        do {
            destination = try target.account.mailbox(named: target.name)
        } catch StoreError.nonexistent {
            return .done(.no("Mailbox does not exist", .tryCreate))
        }
        guard target.account === session.account else {
            return .done(.no("Messages cannot be copied to another account yet", .cannot))
        }
        if move && destination.id == view.id { return .done(.no("Cannot move messages to the same mailbox", .cannot)) }
        guard !uids.isEmpty else { return .done(.ok(completed)) }
        let account = session.account
        let result = move ? try account.move(uids, from: view.id, to: destination.id) : try account.copy(uids, from: view.id, to: destination.id)
        guard !result.source.isEmpty else {
            // Everything named was expunged by someone else meanwhile.
            return .done(.no("Some of the requested messages no longer exist", .expungeIssued))
        }
        let copyUID = ResponseCode.copyUID(uidValidity: result.uidValidity, source: UIDSet(result.source),
                                           destination: UIDSet(result.destination))
        if destination.id == view.id { view.receive(.appended(result.destination)) }
        if move {
            // RFC 6851 §4.3: COPYUID comes in an untagged OK, before the EXPUNGE responses.
            out.write(.untagged(.ok("Moved UIDs", copyUID)))
            for n in view.removeOwnExpunged(result.source) { out.write(.expunge(n)) }
            session.selected = view
            return .done(.ok(completed))
        }
        session.selected = view
        return .done(.ok(completed, copyUID))
    }
}
