import Store

/// EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, §6.4.9): remove the messages marked \Deleted,
/// all of them or those of a UID set, and say which went. Needs the `e` right (RFC 4314 §4).
struct ExpungeCommand: CommandJob {
    var chains: Bool { true }
    let uids: SequenceSet?

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        var view = try session.readableSelection(services)
        guard !view.readOnly else { return .done(.no("Mailbox is read-only", .readOnly)) }
        guard view.rights.contains(.expunge) else { return .done(.no("Permission denied", .noPerm)) }
        // Only messages the client knows of: a new one it has not heard of yet stays.
        let known: UIDSet
        if let uids {
            known = view.uidSet(try view.indices(for: uids, byUID: true, saved: session.savedSearch))
        } else if let last = view.uids.last {
            known = UIDSet(ranges: [1...last.rawValue])
        } else {
            known = UIDSet()
        }
        if !known.isEmpty {
            let removed = try view.account.expunge(known, in: view.id)
            Announcer.writeExpunged(view.removeOwnExpunged(removed), session.options, &out)
            session.selected = view
        }
        return .done(.ok(uids == nil ? "EXPUNGE completed" : "UID EXPUNGE completed"))
    }
}
