import Store

/// COPY and MOVE (RFC 9051 §6.4.7, §6.4.8; RFC 6851), with COPYUID (RFC 4315). Inside one
/// account the copies share the stored bytes and a move is one transaction; into another
/// account's mailbox the messages are stored there anew. The target needs the `i` right,
/// a move's source `t` and `e`; the copies keep only the flags the target's rights allow
/// (RFC 4314 §4), \Seen as the session sees it.
struct CopyCommand: CommandJob {
    var chains: Bool { true }
    let set: SequenceSet
    let mailbox: MailboxName
    let byUID: Bool
    let move: Bool

    /// Messages read per append when copying into another account.
    static let batchBytes = 32 << 20

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        var view = try session.readableSelection(services)
        let name = move ? "MOVE" : "COPY"
        let completed = (byUID ? "UID " : "") + name + " completed"
        if move && view.readOnly { return .done(.no("Mailbox is read-only", .readOnly)) }
        if move && !view.rights.isSuperset(of: [.deleteMessages, .expunge]) { return .done(.no("Permission denied", .noPerm)) }
        let uids = view.uidSet(try view.indices(for: set, byUID: byUID, saved: session.savedSearch))
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        if target.status == nil && target.isOwn {
            return .done(.no("Mailbox does not exist", .tryCreate))  // RFC 9051 §6.4.7: the client may CREATE it
        }
        let destination = try target.require(.insert)
        let sameMailbox = destination.id == view.id && target.account === view.account
        if move && sameMailbox { return .done(.no("Cannot move messages to the same mailbox", .cannot)) }
        guard !uids.isEmpty else { return .done(.ok(completed)) }

        // The flags each copy should end up with: the session's view, less what the target forbids.
        var wanted: [UID: Flags] = [:]
        try view.account.messages(in: view.id, uids: uids, reader: view.reader) { record, _ in
            wanted[record.uid] = StoredFlags.allowed(record.flags, by: target.rights)
        }
        let result: CopyResult
        if target.account === view.account {
            result = move ? try view.account.move(uids, from: view.id, to: destination.id)
                : try view.account.copy(uids, from: view.id, to: destination.id)
            if view.reader != nil || target.reader != nil || target.rights != .all {
                try CopyCommand.setFlags(result, wanted, in: target, destination.id)
            }
        } else {
            result = try CopyCommand.copyAcross(uids, from: view, to: target, destination.id, wanted)
            if move && !result.source.isEmpty {
                try view.account.expunge(UIDSet(result.source), in: view.id, onlyDeleted: false)
            }
        }
        guard !result.source.isEmpty else {
            // Everything named was expunged by someone else meanwhile.
            return .done(.no("Some of the requested messages no longer exist", .expungeIssued))
        }
        let copyUID = ResponseCode.copyUID(uidValidity: result.uidValidity, source: UIDSet(result.source),
                                           destination: UIDSet(result.destination))
        if sameMailbox { view.receive(.appended(result.destination)) }
        if move {
            // RFC 6851 §4.3: COPYUID comes in an untagged OK, before the EXPUNGE responses.
            out.write(.untagged(.ok("Moved UIDs", copyUID)))
            Announcer.writeExpunged(view.removeOwnExpunged(result.source), session.options, &out)
            session.selected = view
            return .done(.ok(completed))
        }
        session.selected = view
        return .done(.ok(completed, copyUID))
    }

    /// Gives the copies the flags wanted (the copy took the stored ones).
    static func setFlags(_ result: CopyResult, _ wanted: [UID: Flags], in target: MailboxTarget, _ mailbox: MailboxID) throws {
        var groups: [Flags: [UID]] = [:]
        for (source, copy) in zip(result.source, result.destination) {
            groups[wanted[source] ?? Flags(), default: []].append(copy)
        }
        for (flags, copies) in groups {
            _ = try target.account.store(UIDSet(copies), in: mailbox, .replace, flags, reader: target.reader)
        }
    }

    /// Copies into another account: each message's bytes are read and stored there.
    static func copyAcross(_ uids: UIDSet, from view: SelectedMailbox, to target: MailboxTarget, _ mailbox: MailboxID,
                           _ wanted: [UID: Flags]) throws -> CopyResult {
        var records: [MessageRecord] = []
        try view.account.messages(in: view.id, uids: uids) { record, _ in records.append(record) }
        var source: [UID] = [], destination: [UID] = []
        var uidValidity: UInt32 = 0
        var start = 0
        while start < records.count {
            var batch: [NewMessage] = [], bytes = 0, end = start
            while end < records.count, batch.isEmpty || bytes + records[end].size <= batchBytes {
                var flags = wanted[records[end].uid] ?? Flags()
                // In someone else's mailbox the session's \Seen is its own, set below.
                if target.reader != nil { flags.system.remove(.seen) }
                batch.append(NewMessage(bytes: try view.account.bytes(blob: records[end].blob), flags: flags,
                                        internalDate: records[end].internalDate))
                bytes += records[end].size
                end += 1
            }
            let appended = try target.account.append(batch, to: mailbox)
            uidValidity = appended.uidValidity
            source += records[start..<end].map(\.uid)
            destination += appended.uids
            start = end
        }
        if target.reader != nil {
            let seen = zip(source, destination).filter { wanted[$0.0]?.system.contains(.seen) == true }.map(\.1)
            if !seen.isEmpty { _ = try target.account.store(UIDSet(seen), in: mailbox, .add, Flags(system: [.seen]), reader: target.reader) }
        }
        return CopyResult(uidValidity: uidValidity, source: source, destination: destination)
    }
}
