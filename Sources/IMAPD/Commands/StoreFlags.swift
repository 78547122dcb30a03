import Store

/// STORE (RFC 9051 §6.4.6), with UNCHANGEDSINCE and MODIFIED (RFC 7162 §3.1.3).
struct StoreFlagsCommand: CommandJob {
    let set: SequenceSet
    let action: StoreAction
    let unchangedSince: UInt64?
    let byUID: Bool

    var allowsExpunge: Bool { byUID }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        guard var view = session.selected else { return .done(.bad("No mailbox selected")) }
        let completed = byUID ? "UID STORE completed" : "STORE completed"
        guard !view.readOnly else { return .done(.no("Mailbox is read-only", .readOnly)) }
        let change = try StoredFlags.from(action.flags)
        if unchangedSince != nil { session.options.condstore = true }
        let indices = try view.indices(for: set, byUID: byUID, saved: session.savedSearch)
        guard !indices.isEmpty else { return .done(.ok(completed)) }
        let uids = view.uidSet(indices)
        let account = session.account
        let result = try account.store(uids, in: view.id, action.operation, change,
                                       unchangedSince: unchangedSince.map { ModSequence($0) })
        if let modSeq = result.updated.first?.modSeq { view.noteOwnFlagChange(modSeq) }
        // A keyword the mailbox did not have yet: FLAGS and PERMANENTFLAGS say so first.
        let new = change.keywords.filter { k in !view.keywords.contains { $0.lowercased() == k.lowercased() } }
        if action.operation != .remove && !new.isEmpty && !result.updated.isEmpty {
            view.keywords += new
            Announcer.writeFlags(view.keywords, readOnly: view.readOnly, &out)
        }
        session.selected = view
        // Answer with every message's flags now (RFC 9051 §6.4.6), unless .SILENT; with
        // CONDSTORE the changed ones are told their new MODSEQ even then (RFC 7162 §3.1.3).
        let condstore = session.options.condstore
        if !action.silent || condstore {
            let changed = Set(result.updated.map(\.uid))
            try account.messages(in: view.id, uids: uids) { record, _ in
                guard !result.modified.contains(record.uid), let seq = view.sequenceNumber(of: record.uid) else { return }
                if action.silent && !changed.contains(record.uid) { return }
                out.beginFetch(seq)
                if byUID || condstore { out.fetchUID(record.uid) }
                if !action.silent {
                    out.fetchFlags(record.flags, recent: !session.options.rev2 && view.recent.contains(record.uid))
                }
                if condstore { out.fetchModSeq(record.modSeq) }
                out.endFetch()
            }
        }
        if !result.modified.isEmpty {
            // MODIFIED names UIDs for UID STORE, sequence numbers otherwise.
            let numbers = byUID ? result.modified
                : UIDSet(ranges: result.modified.compactMap { view.sequenceNumber(of: $0) }.map { UInt32($0)...UInt32($0) })
            return .done(.ok("Conditional STORE failed", .modified(numbers)))
        }
        return .done(.ok(completed))
    }
}
