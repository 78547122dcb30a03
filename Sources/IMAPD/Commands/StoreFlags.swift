import Store

/// STORE (RFC 9051 §6.4.6), with UNCHANGEDSINCE and MODIFIED (RFC 7162 §3.1.3). Flags the
/// session has no right to change are left alone and the rest done (RFC 4314 §4); in a
/// shared mailbox \Seen is the session's own.
struct StoreFlagsCommand: CommandJob {
    var chains: Bool { true }
    let set: SequenceSet
    let action: StoreAction
    let unchangedSince: UInt64?
    let byUID: Bool

    var allowsExpunge: Bool { byUID }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        var view = try session.readableSelection(services)
        let completed = byUID ? "UID STORE completed" : "STORE completed"
        guard !view.readOnly else { return .done(.no("Mailbox is read-only", .readOnly)) }
        let requested = try StoredFlags.from(action.flags)
        let rights = view.rights
        let change = StoredFlags.allowed(requested, by: rights)
        if unchangedSince != nil { session.options.condstore = true }
        let indices = try view.indices(for: set, byUID: byUID, saved: session.savedSearch)
        guard !indices.isEmpty else { return .done(.ok(completed)) }
        let uids = view.uidSet(indices)
        let account = view.account
        let since = unchangedSince.map { ModSequence($0) }
        // A .SILENT STORE without CONDSTORE lists nothing back: the store may record a large
        // one as ranges instead of changing every message now.
        let listing = !action.silent || session.options.condstore
        var result: StoreResult
        if action.operation == .replace && StoredFlags.changeable(by: rights) != StoredFlags.changeable(by: .all) {
            // Replacing only what may be changed: add what is asked, remove the rest of it.
            let removable = Flags(system: StoredFlags.changeable(by: rights).subtracting(change.system),
                                  keywords: rights.contains(.write) ? view.keywords.filter { k in !change.keywords.contains { $0.lowercased() == k.lowercased() } } : [])
            result = try account.store(uids, in: view.id, .add, change, unchangedSince: since, reader: view.reader)
            let removed = try account.store(uids, in: view.id, .remove, removable, unchangedSince: since, reader: view.reader)
            result.updated += removed.updated
            result.modified = result.modified.union(removed.modified)
        } else {
            result = try account.store(uids, in: view.id, action.operation, change, unchangedSince: since, reader: view.reader,
                                       listing: listing)
        }
        view.noteOwnFlagChanges(result.updated, reported: !action.silent)
        if let recorded = result.recorded { view.noteOwnRangeChange(recorded) }
        // A keyword the mailbox did not have yet: FLAGS and PERMANENTFLAGS say so first.
        let new = change.keywords.filter { k in !view.keywords.contains { $0.lowercased() == k.lowercased() } }
        if action.operation != .remove && !new.isEmpty && !result.updated.isEmpty {
            view.keywords += new
            Announcer.writeFlags(view, &out)
        }
        session.selected = view
        // Answer with every message's flags now (RFC 9051 §6.4.6), unless .SILENT; with
        // CONDSTORE the changed ones are told their new MODSEQ even then (RFC 7162 §3.1.3).
        let condstore = session.options.condstore
        if !action.silent || condstore {
            let changed = Set(result.updated.map(\.uid))
            try account.messageFlags(in: view.id, uids: uids, reader: view.reader) { record in
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
