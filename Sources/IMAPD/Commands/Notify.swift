import Store

/// NOTIFY (RFC 5465): the client names groups of mailboxes and what it wants to hear of
/// each, and is then told at once, without NOOP or IDLE: of the selected mailbox as IDLE
/// would tell it, of the account's other mailboxes by STATUS (MESSAGES, UIDNEXT,
/// UIDVALIDITY, UNSEEN and, with CONDSTORE, HIGHESTMODSEQ), of created, deleted and renamed
/// mailboxes and changed subscriptions by LIST. Only the session's own mailboxes are
/// watched: other users' names in SUBTREE or MAILBOXES are left out.
struct NotifyCommand: CommandJob {
    let settings: NotifySettings?

    /// The events Roost can tell of; the metadata ones it cannot (yet) watch.
    static let supported = ["MessageNew", "MessageExpunge", "FlagChange", "MailboxName", "SubscriptionChange"]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        guard let settings else {
            session.notify = nil
            session.observer.watchAll(nil)
            return .done(.ok("NOTIFY completed"))
        }
        for group in settings.groups {
            for event in group.events {
                switch event {
                case .annotationChange, .mailboxMetadataChange, .serverMetadataChange:
                    return .done(.no("Event not supported", .badEvent(NotifyCommand.supported)))
                case .messageNew(let attributes) where !attributes.isEmpty && !group.mailboxes.isSelected:
                    // RFC 5465 §5.1: FETCH attributes only for the selected mailbox.
                    return .done(.bad("MessageNew takes FETCH attributes only for the selected mailbox"))
                default:
                    continue
                }
            }
        }
        var state = NotifyState(settings: settings)
        state.names = try settings.groups.map { group in
            switch group.mailboxes {
            case .subtree(let names), .mailboxes(let names):
                return try names.compactMap { try? MailboxPath.canonical(try MailboxResolver.decode($0, utf8: session.options.utf8)) }
            default:
                return []
            }
        }
        session.observer.watchAll(session.account)
        if settings.status {
            // RFC 5465 §3.1: STATUS of every mailbox the message events cover, now.
            let subscriptions = Set(try session.account.subscriptions())
            for status in try session.account.mailboxes() where !NotifyAnnouncer.isSelected(status.id, session) {
                if state.wantsMessages(status.name, subscriptions) { state.tell(status, session.options, &out) }
            }
        }
        session.notify = state
        return .done(.ok("NOTIFY completed"))
    }
}

/// What NOTIFY SET asked for, and the STATUS values each mailbox was last told with.
public struct NotifyState: Sendable {
    let settings: NotifySettings
    /// Each group's SUBTREE or MAILBOXES names, canonical; empty for the other filters.
    var names: [[String]] = []
    var told: [MailboxID: [UInt64]] = [:]

    init(settings: NotifySettings) {
        self.settings = settings
    }

    var watchesSelected: Bool { settings.groups.contains { $0.mailboxes.isSelected && !$0.events.isEmpty } }
    /// What to FETCH of each new message in the selected mailbox (RFC 5465 §5.1).
    var newMessageAttributes: [FetchAttribute] {
        for group in settings.groups where group.mailboxes.isSelected {
            for case .messageNew(let attributes) in group.events { return attributes }
        }
        return []
    }
    var delaysExpunge: Bool { settings.groups.contains { $0.mailboxes == .selectedDelayed } }

    /// The events of the groups other than SELECTED that take in `name`.
    private func events(_ name: String, _ subscriptions: Set<String>) -> [NotifySettings.Event] {
        var events: [NotifySettings.Event] = []
        for (i, group) in settings.groups.enumerated() {
            let matches: Bool
            switch group.mailboxes {
            case .selected, .selectedDelayed: matches = false
            case .inboxes: matches = MailboxPath.isInbox(name)
            case .personal: matches = true
            case .subscribed: matches = subscriptions.contains(name)
            case .subtree: matches = names[i].contains { name == $0 || name.hasPrefix($0 + "/") }
            case .mailboxes: matches = names[i].contains(name)
            }
            if matches { events += group.events }
        }
        return events
    }

    func wantsMessages(_ name: String, _ subscriptions: Set<String>) -> Bool {
        events(name, subscriptions).contains { if case .messageNew = $0 { return true } else { return false } }
    }

    func wants(_ event: NotifySettings.Event, _ name: String, _ subscriptions: Set<String>) -> Bool {
        events(name, subscriptions).contains(event)
    }

    /// `* STATUS` of a mailbox, unless the client was already told just that.
    mutating func tell(_ status: MailboxStatus, _ options: ClientOptions, _ out: inout ResponseEncoder) {
        var items: [(StatusAttribute, StatusValue)] = [
            (.messages, .number(UInt64(status.messages))), (.uidNext, .number(UInt64(status.uidNext.rawValue))),
            (.uidValidity, .number(UInt64(status.uidValidity))), (.unseen, .number(UInt64(status.unseen))),
        ]
        if options.condstore { items.append((.highestModSeq, .number(status.highestModSeq.rawValue))) }
        let values = items.map { if case .number(let n) = $0.1 { return n } else { return 0 } }
        guard told[status.id] != values else { return }
        told[status.id] = values
        out.write(.status(name: status.name, items: items))
    }
}

/// Tells a NOTIFY client what happened in its account since it was last told.
struct NotifyAnnouncer: CommandJob {
    let events: [AccountEvent]
    /// Whether the selected mailbox's changes go out too (SELECTED, or during IDLE).
    let tellsSelected: Bool
    /// SELECTED-DELAYED: expunges wait for a command that allows them (RFC 5465 §5.2).
    let delaysExpunge: Bool
    /// The FETCH of new messages in the selected mailbox, when it takes more than a step.
    private var fetch: FetchCommand?

    init(events: [AccountEvent], tellsSelected: Bool, delaysExpunge: Bool) {
        self.events = events
        self.tellsSelected = tellsSelected
        self.delaysExpunge = delaysExpunge
    }

    /// The selected mailbox is told here, followed by the FETCH of its new messages.
    var announcesSelection: Bool { false }

    static func isSelected(_ id: MailboxID, _ session: SessionContext) -> Bool {
        session.selected.map { $0.id == id && $0.account === session.account } ?? false
    }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        if var running = fetch {
            let step = try running.run(&session, services, &out)
            fetch = running
            if case .more = step { return .more }
            return .done(.ok("NOTIFY completed"))
        }
        guard var notify = session.notify else { return .done(.ok("NOTIFY completed")) }
        let account = session.account
        let subscriptions = Set(try account.subscriptions())
        var changed = Set<MailboxID>()
        /// Mailboxes whose only change was to flags: told only to those who asked for FlagChange.
        var flagsOnly = Set<MailboxID>()
        var everything = false
        for event in events {
            switch event {
            case .mailbox(let id, let change):
                switch change {
                case .appended, .expunged:
                    changed.insert(id)
                    flagsOnly.remove(id)
                case .flags, .flagRange:
                    if changed.insert(id).inserted { flagsOnly.insert(id) }
                case .external: everything = true
                case .renamed, .deleted: continue  // told by name below
                }
            case .external:
                everything = true
            case .created(let name):
                if notify.wants(.mailboxName, name, subscriptions) {
                    out.write(.list(kind: "LIST", attributes: [], name: name, childInfo: false))
                }
            case .deleted(let name):
                if notify.wants(.mailboxName, name, subscriptions) {
                    out.write(.list(kind: "LIST", attributes: ["\\NonExistent"], name: name, childInfo: false))
                }
            case .renamed(let old, let new):
                if notify.wants(.mailboxName, old, subscriptions) || notify.wants(.mailboxName, new, subscriptions) {
                    out.write(.listRenamed(name: new, oldName: old))
                }
            case .subscription(let name, let subscribed):
                if notify.wants(.subscriptionChange, name, subscriptions) || !subscribed && notify.wants(.subscriptionChange, name, [name]) {
                    out.write(.list(kind: "LIST", attributes: subscribed ? ["\\Subscribed"] : [], name: name, childInfo: false))
                }
            }
        }
        let statuses = everything ? try account.mailboxes() : changed.sorted().compactMap { try? account.mailbox(id: $0) }
        for status in statuses where !NotifyAnnouncer.isSelected(status.id, session) && notify.wantsMessages(status.name, subscriptions) {
            if flagsOnly.contains(status.id) && !notify.wants(.flagChange, status.name, subscriptions) { continue }
            notify.tell(status, session.options, &out)
        }
        session.notify = notify
        guard tellsSelected, let before = session.selected else { return .done(.ok("NOTIFY completed")) }
        try Announcer.announce(&session, allowExpunge: !delaysExpunge, &out)
        let attributes = notify.newMessageAttributes
        guard !attributes.isEmpty, let view = session.selected, let last = view.uids.last, last > (before.uids.last ?? UID(0)) else {
            return .done(.ok("NOTIFY completed"))
        }
        let first = (before.uids.last?.rawValue ?? 0) + 1
        var newMessages = FetchCommand(set: SequenceSet(ranges: [.init(.number(first), .number(last.rawValue))]), attributes: attributes,
                                       changedSince: nil, byUID: true)
        let step = try newMessages.run(&session, services, &out)
        fetch = newMessages
        if case .more = step { return .more }
        return .done(.ok("NOTIFY completed"))
    }
}
