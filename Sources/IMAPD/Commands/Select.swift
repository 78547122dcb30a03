import Store

/// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3): open a mailbox, read-write or read-only.
/// Another user's mailbox needs the read right (RFC 4314 §4); without any right to change
/// something it opens read-only, and its PERMANENTFLAGS list what the rights allow.
/// With QRESYNC (RFC 7162 §3.2.5) it also tells what changed since the client last looked:
/// VANISHED (EARLIER) from the tombstones, then a FETCH for every message changed since,
/// sent in parts of about a megabyte.
struct SelectCommand: CommandJob {
    let mailbox: MailboxName
    let readOnly: Bool
    let parameters: SelectParameters
    /// Changes still to send as FETCH responses, after the mailbox is open.
    private var resync: [FlagUpdate]?
    private var resyncNext = 0

    init(mailbox: MailboxName, readOnly: Bool, parameters: SelectParameters) {
        self.mailbox = mailbox
        self.readOnly = readOnly
        self.parameters = parameters
    }

    private func completed(_ view: SelectedMailbox) -> StatusResponse {
        .ok(readOnly ? "EXAMINE completed" : "SELECT completed", view.readOnly ? .readOnly : .readWrite)
    }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        if resync != nil { return try sendResync(&session, &out) }
        if parameters.qresync != nil && !session.options.qresync {
            return .done(.bad("QRESYNC must be enabled first", .clientBug))  // RFC 7162 §3.2.5
        }
        // A SELECT first closes what is selected, even when it then fails (§6.3.2).
        if session.selected != nil {
            Deselect.close(&session, &out)
        }
        if parameters.condstore { session.options.condstore = true }
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        let id = try target.require(.read).id
        let account = target.account
        // RFC 4314 §5.2: read-only unless some change is allowed.
        let readOnly = self.readOnly || target.rights.isDisjoint(with: [.insert, .expunge, .seen, .write, .deleteMessages])
        // Watch before reading, so no change can fall between the snapshot and the watch.
        session.observer.watch(account, id)
        // Claimed first, so that every message claimed is among the UIDs read after.
        let claimed = !readOnly && !session.options.rev2 ? try unlessDiskIsFull({ try account.claimRecent(in: id) }) ?? nil : nil
        let selection = try account.selection(of: id, reader: target.reader)
        let (status, uids) = (selection.status, selection.uids)
        var recent = UIDSet()
        if let claimed {
            for uid in uids where claimed.contains(uid.rawValue) { recent.insert(uid) }
        }
        let view = SelectedMailbox(id: id, account: account, owner: target.owner, reader: target.reader, rights: target.rights,
                                   name: target.displayName, readOnly: readOnly, uidValidity: status.uidValidity, uids: uids,
                                   highestModSeq: status.highestModSeq, recent: recent, keywords: selection.keywords)
        Announcer.writeFlags(view, &out)
        out.write(.exists(uids.count))
        if !session.options.rev2 {
            out.write(.recent(recent.count))
            if let first = selection.firstUnseen, let seq = view.sequenceNumber(of: first) {
                out.write(.untagged(.ok("First unseen", .unseen(seq))))
            }
        }
        out.write(.untagged(.ok("UIDs valid", .uidValidity(status.uidValidity))))
        out.write(.untagged(.ok("Predicted next UID", .uidNext(status.uidNext.rawValue))))
        if session.options.condstore {
            out.write(.untagged(.ok("Highest", .highestModSeq(status.highestModSeq.rawValue))))
        }
        out.write(.untagged(.ok("Mailbox identifier", .mailboxID(ObjectID.mailbox(status)))))  // RFC 8474 §4.3
        if session.options.rev2 {
            // RFC 9051 §6.3.2: a LIST response with the mailbox name and its attributes.
            let hasChildren = try account.mailboxes().contains { $0.name.hasPrefix(target.name + "/") }
            let attributes = [hasChildren ? "\\HasChildren" : "\\HasNoChildren"] + (status.specialUse.map { [$0] } ?? [])
            out.write(.list(kind: "LIST", attributes: attributes, name: view.name, childInfo: false))
        }
        session.selected = view
        if let q = parameters.qresync, q.uidValidity == status.uidValidity {
            // RFC 7162 §3.2.5.1: without known UIDs the client is taken to know them all.
            let known = q.knownUIDs.map { UIDSet(ranges: $0.resolved(star: 0)) }
                ?? (status.uidNext.rawValue > 1 ? UIDSet(ranges: [1...(status.uidNext.rawValue - 1)]) : UIDSet())
            let since = ModSequence(q.modSeq)
            let vanished = try account.expunged(in: id, since: since, within: known)
            if !vanished.isEmpty { out.write(.vanished(vanished, earlier: true)) }
            resync = try account.flagChanges(in: id, since: since, reader: target.reader).filter { known.contains($0.uid) }
            return try sendResync(&session, &out)
        }
        return .done(completed(view))
    }

    /// The FETCH responses of a QRESYNC, about a megabyte per step.
    private mutating func sendResync(_ session: inout SessionContext, _ out: inout ResponseEncoder) throws -> StepResult {
        guard let view = session.selected, let changes = resync else { return .done(.bad("No mailbox selected")) }
        let start = out.buffer.readableBytes
        while resyncNext < changes.count {
            let update = changes[resyncNext]
            resyncNext += 1
            // A message appended after the view was taken is announced as new later.
            guard let seq = view.sequenceNumber(of: update.uid) else { continue }
            Announcer.writeFlagFetch(seq, update, view, session.options, &out)
            if out.buffer.readableBytes - start >= CommandRunner.stepBytes && resyncNext < changes.count { return .more }
        }
        return .done(completed(view))
    }
}

/// CLOSE and UNSELECT (RFC 9051 §6.4.1, §6.4.2): leave the selected mailbox; CLOSE first
/// removes the messages marked \Deleted, without EXPUNGE responses, when the session may
/// expunge (RFC 4314 §4: otherwise it just closes).
struct CloseCommand: CommandJob {
    let expunge: Bool
    var allowsExpunge: Bool { false }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        guard let view = session.selected else { return .done(.bad("No mailbox selected")) }
        if expunge && !view.readOnly, let last = view.uids.last, try session.refreshRights(services).contains(.expunge) {
            try view.account.expunge(UIDSet(ranges: [1...last.rawValue]), in: view.id)
        }
        session.observer.stopWatching()
        session.selected = nil
        return .done(.ok(expunge ? "CLOSE completed" : "UNSELECT completed"))
    }
}

enum Deselect {
    /// Leaves the selected mailbox because another is being selected; clients that can
    /// tell the two apart learn where one ends (RFC 7162 §3.2.11, RFC 9051 §7.1: CLOSED).
    static func close(_ session: inout SessionContext, _ out: inout ResponseEncoder) {
        session.observer.stopWatching()
        session.selected = nil
        if session.options.rev2 || session.options.condstore {
            out.write(.untagged(.ok("Previous mailbox closed", .closed)))
        }
    }
}

extension SessionContext {
    /// The rights on the selected mailbox as they are now: an owner's never change, a
    /// shared mailbox's are read again, so a SETACL takes effect at the next command.
    mutating func refreshRights(_ services: IMAPServices) throws -> Rights {
        guard var view = selected else { return [] }
        guard view.reader != nil else { return .all }
        view.rights = try services.store.rights(of: user, on: view.id, of: view.owner)
        selected = view
        return view.rights
    }

    /// The selected mailbox, refusing when the session may no longer read it.
    mutating func readableSelection(_ services: IMAPServices) throws -> SelectedMailbox {
        guard selected != nil else { throw CommandFailure(.bad("No mailbox selected")) }
        guard try refreshRights(services).contains(.read) else {
            throw CommandFailure(.no("You no longer have access to this mailbox", .noPerm))
        }
        return selected!
    }
}
