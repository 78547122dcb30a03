import Store

/// STATUS (RFC 9051 §6.3.11; SIZE of RFC 8438, HIGHESTMODSEQ of RFC 7162, APPENDLIMIT of
/// RFC 7889, MAILBOXID of RFC 8474): counters kept current by the store, so any mailbox answers at once. Another
/// user's mailbox needs the `r` right; its UNSEEN counts the session's own \Seen.
struct StatusCommand: CommandJob {
    var chains: Bool { true }
    let mailbox: MailboxName
    let attributes: [StatusAttribute]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        let status = try target.require(.read)
        if attributes.contains(.highestModSeq) { session.options.condstore = true }
        var items = try StatusCommand.items(status, attributes, target, appendLimit: services.settings.appendLimit)
        // The selected mailbox's \Recent belong to this session; others' to nobody yet.
        if let view = session.selected, view.id == status.id, view.account === target.account,
           let i = items.firstIndex(where: { $0.0 == .recent }) {
            items[i].1 = .number(UInt64(view.recent.count))
        }
        out.write(.status(name: try MailboxResolver.decode(mailbox, utf8: session.options.utf8), items: items))
        return .done(.ok("STATUS completed"))
    }

    static func items(_ status: MailboxStatus, _ attributes: [StatusAttribute], _ target: MailboxTarget,
                      appendLimit: Int) throws -> [(StatusAttribute, StatusValue)] {
        try attributes.map { attribute in
            let value: StatusValue
            switch attribute {
            case .messages: value = .number(UInt64(status.messages))
            case .uidNext: value = .number(UInt64(status.uidNext.rawValue))
            case .uidValidity: value = .number(UInt64(status.uidValidity))
            case .unseen:
                let unseen = try target.reader.map { try target.account.unseenCount(in: status.id, reader: $0) } ?? status.unseen
                value = .number(UInt64(unseen))
            case .deleted: value = .number(UInt64(try target.account.deletedCount(in: status.id)))
            case .size: value = .number(UInt64(max(0, status.size)))
            case .recent: value = .number(UInt64(status.recent))
            case .highestModSeq: value = .number(status.highestModSeq.rawValue)
            case .appendLimit: value = .number(UInt64(appendLimit))
            case .mailboxID: value = .objectID(ObjectID.mailbox(status))
            }
            return (attribute, value)
        }
    }
}

extension StatusCommand {
    /// Looks up, in one read, the own mailboxes named by the run of STATUS commands that
    /// `jobs` begins with, when there are several: each of them then reads no index of its
    /// own (of a thousand pipelined STATUS, a fifth of the server's time went to the two
    /// lock calls SQLite makes on the shared memory for every read). The run is answered
    /// as of one instant, as if its commands had all come at once; nothing in it changes
    /// a mailbox. Names of other accounts' mailboxes are left to their commands.
    static func lookUpAhead(_ jobs: some Sequence<any CommandJob>, _ session: inout SessionContext) {
        session.lookedUp = [:]
        var names: [String] = []
        for job in jobs {
            guard let status = job as? StatusCommand else { break }
            guard let text = try? MailboxResolver.decode(status.mailbox, utf8: session.options.utf8), !text.hasPrefix("~"),
                  let name = try? MailboxPath.canonical(text) else { continue }
            names.append(name)
        }
        guard names.count > 1, let found = try? session.account.lookUp(names) else { return }
        session.lookedUp = Dictionary(zip(names, found), uniquingKeysWith: { first, _ in first })
    }
}
