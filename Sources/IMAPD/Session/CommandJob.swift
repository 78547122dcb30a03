import Foundation
import Store

/// A command's work with the store. It runs on a store thread, never on an event loop,
/// writes its untagged responses to `out` and says how it ended.
protocol CommandJob: Sendable {
    /// Whether pending EXPUNGE responses may be sent as this command ends: not after
    /// FETCH, STORE or SEARCH by sequence number (RFC 9051 §7.5.1).
    var allowsExpunge: Bool { get }

    /// Whether the selected mailbox's changes are told as the command ends (a NOTIFY
    /// announcement for other mailboxes leaves them alone).
    var announcesSelection: Bool { get }

    /// Whether the command may run on the store thread straight after the one before it,
    /// when the client pipelined both, in one trip from the event loop (the answers are
    /// the same; a thousand pipelined STATUS took a thread hand-off each). Not for a
    /// command that changes what is selected, or whose end the session acts on.
    var chains: Bool { get }

    /// Runs the command or its next part. `.more` asks to be run again once what is in
    /// `out` has been sent (a FETCH of many messages goes out in parts).
    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult
}

extension CommandJob {
    var allowsExpunge: Bool { true }
    var announcesSelection: Bool { true }
    var chains: Bool { false }
}

enum StepResult {
    case more
    case done(StatusResponse)
}

/// Runs store commands a step at a time and ends each with the changes the session may
/// now announce and the tagged response.
enum CommandRunner {
    /// Output written per step (by a FETCH, a QRESYNC SELECT, a chain of pipelined
    /// commands) before the rest waits for the client to read it.
    static let stepBytes = 1 << 20

    /// One step of `command`; true when the command is finished (the tagged response, if
    /// there is a tag, is in `out`).
    static func step(_ command: inout any CommandJob, tag: String?, session: inout SessionContext,
                     services: IMAPServices, out: inout ResponseEncoder) -> Bool {
        let status: StatusResponse
        do {
            switch try command.run(&session, services, &out) {
            case .more: return false
            case .done(let s): status = s
            }
        } catch {
            status = CommandRunner.status(for: error, services: services)
        }
        do {
            if command.announcesSelection { try Announcer.announce(&session, allowExpunge: command.allowsExpunge, &out) }
        } catch {
            services.logger.warning("IMAP: cannot announce mailbox changes: \(error)")
        }
        if let tag { out.write(.tagged(tag, status)) }
        return true
    }

    /// The tagged NO a failure gives (RFC 5530 codes).
    static func status(for error: Error, services: IMAPServices) -> StatusResponse {
        switch error {
        case let failure as CommandFailure:
            return failure.status
        case let e as SequenceError:
            return .bad(e.message)
        case let e as StoreError:
            switch e {
            case .nonexistent: return .no("No such mailbox", .nonexistent)
            case .alreadyExists: return .no("Mailbox already exists", .alreadyExists)
            case .invalidName(let s): return .no(s.capitalizedFirst, .cannot)
            case .invalidArgument(let s): return .no(s.capitalizedFirst, .cannot)
            case .overQuota: return .no("Quota exceeded", .overQuota)
            case .notPermitted(let s): return .no(s.capitalizedFirst, .cannot)
            case .corrupted:
                services.logger.error("IMAP: store damaged: \(e)")
                return .no("Internal error, the administrator has been told", .serverBug)
            case .noSpace:
                // RFC 5530 has no code for a full disk. OVERQUOTA would tell the user to delete
                // mail although their quota is not the limit, and LIMIT names a fixed limit that
                // retrying never gets past; UNAVAILABLE, a subsystem down for now, is what a full
                // disk is, and it tells the client to try again later, as LMTP's 452 does.
                services.logger.error("IMAP: store full: \(e)")
                return .no("Server storage is full, try again later", .unavailable)
            case .io, .database:
                services.logger.error("IMAP: store failure: \(e)")
                return .no("Temporary failure, try again later", .unavailable)
            }
        default:
            services.logger.error("IMAP: unexpected failure: \(error)")
            return .no("Internal error", .serverBug)
        }
    }
}

/// Runs a write that only goes with a read (claiming \Recent at SELECT, setting \Seen at
/// FETCH); on a full disk it is left undone and gives nil, so that users can still read
/// their mail. Any other failure fails the command as usual.
func unlessDiskIsFull<T>(_ write: () throws -> T) throws -> T? {
    do {
        return try write()
    } catch StoreError.noSpace {
        return nil
    }
}

/// What a session tells its client about changes to the selected mailbox made by others
/// (RFC 9051 §7.4, §7.5): EXPUNGE, EXISTS, RECENT and FETCH FLAGS, with new keywords
/// in FLAGS and PERMANENTFLAGS first.
enum Announcer {
    /// An IDLE or NOOP with nothing else to do: only the announcements.
    struct Pending: CommandJob {
        mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
            .done(.ok("NOOP completed"))
        }
    }

    static func announce(_ session: inout SessionContext, allowExpunge: Bool, _ out: inout ResponseEncoder) throws {
        guard var view = session.selected else { return }
        for change in session.observer.takeChanges() { view.receive(change) }
        if view.rights != view.announcedRights {
            // RFC 4314 §5.1.1: changed rights change what PERMANENTFLAGS promises.
            writeFlags(view, &out)
            view.announcedRights = view.rights
        }
        guard view.hasPending else {
            session.selected = view
            return
        }
        let account = view.account
        if view.isDeleted {
            out.write(.untagged(.init(.bye, nil, "Selected mailbox was deleted, have to disconnect")))
            session.mustDisconnect = true
            return
        }
        if view.needsResync {
            let status = try account.mailbox(id: view.id)
            guard status.uidValidity == view.uidValidity else {
                out.write(.untagged(.init(.bye, nil, "Selected mailbox was replaced, have to disconnect")))
                session.mustDisconnect = true
                return
            }
            view.resync(currentUIDs: try account.uids(in: view.id),
                        flagChanges: try account.flagChanges(in: view.id, since: view.resyncSince, reader: view.reader),
                        highestModSeq: status.highestModSeq)
        }
        if let since = view.flagsChangedSince {
            view.rereadFlags(try account.flagChanges(in: view.id, since: since, reader: view.reader))
        }
        var newRecent = UIDSet()
        if view.hasPendingNew, !view.readOnly, !session.options.rev2, let claimed = try account.claimRecent(in: view.id) {
            newRecent = UIDSet(ranges: [claimed])
        }
        var a = view.announce(allowExpunge: allowExpunge, newRecent: newRecent)
        if view.reader != nil && a.flags.contains(where: { $0.1.reader == nil }) {
            // A change to the shared flags carries the owner's \Seen: a reader gets its own.
            var own: [UID: Flags] = [:]
            try account.messageFlags(in: view.id, uids: UIDSet(a.flags.map(\.1.uid)), reader: view.reader) { own[$0.uid] = $0.flags }
            for i in a.flags.indices { if let flags = own[a.flags[i].1.uid] { a.flags[i].1.flags = flags } }
        }
        var keywords = view.keywords
        for (_, update) in a.flags {
            for k in update.flags.keywords where !keywords.contains(where: { $0.caseInsensitiveCompare(k) == .orderedSame }) {
                keywords.append(k)
            }
        }
        if keywords.count != view.keywords.count {
            view.keywords = keywords
            writeFlags(view, &out)
        }
        writeExpunged(a.expunged, session.options, &out)
        if let exists = a.exists { out.write(.exists(exists)) }
        if let recent = a.recent, !session.options.rev2 { out.write(.recent(recent)) }
        for (seq, update) in a.flags { writeFlagFetch(seq, update, view, session.options, &out) }
        session.selected = view
    }

    /// `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])` for a message whose flags changed.
    static func writeFlagFetch(_ seq: Int, _ update: FlagUpdate, _ view: SelectedMailbox, _ options: ClientOptions,
                               _ out: inout ResponseEncoder) {
        out.beginFetch(seq)
        out.fetchUID(update.uid)
        out.fetchFlags(update.flags, recent: !options.rev2 && view.recent.contains(update.uid))
        if options.condstore { out.fetchModSeq(update.modSeq) }
        out.endFetch()
    }

    /// `* n EXPUNGE` for each message, or one `* VANISHED uids` once QRESYNC is on (RFC 7162 §3.2.10).
    static func writeExpunged(_ expunged: SelectedMailbox.Expunged, _ options: ClientOptions, _ out: inout ResponseEncoder) {
        guard !expunged.isEmpty else { return }
        if options.qresync {
            out.write(.vanished(expunged.uids, earlier: false))
        } else {
            for n in expunged.sequenceNumbers { out.write(.expunge(n)) }
        }
    }

    /// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]`: the mailbox's keywords, and of the
    /// flags those the session's rights let it keep (RFC 4314 §5.1.1); none when read-only
    /// (RFC 9051 §7.1). Written straight into the buffer: built as lists and responses, the
    /// two lines were a fifth of a SELECT's own work.
    static func writeFlags(_ view: SelectedMailbox, _ out: inout ResponseEncoder) {
        func list(_ names: some Sequence<String>, _ out: inout ResponseEncoder, first: inout Bool) {
            for name in names {
                if !first { out.writeSpace() }
                first = false
                out.buffer.writeString(name)
            }
        }
        var first = true
        out.buffer.writeStaticString("* FLAGS (")
        list(SystemFlags.all.lazy.map(\.1), &out, first: &first)
        list(view.keywords, &out, first: &first)
        out.buffer.writeStaticString(")\r\n* OK [PERMANENTFLAGS (")
        first = true
        if !view.readOnly {
            list(SystemFlags.all.lazy.filter { view.rights.contains(StoredFlags.right(for: $0.0)) }.map(\.1), &out, first: &first)
            if view.rights.contains(.write) { list(view.keywords + ["\\*"], &out, first: &first) }
        }
        out.buffer.writeStaticString(")] Flags permitted\r\n")
    }
}
