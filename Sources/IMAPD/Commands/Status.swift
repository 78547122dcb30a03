import Store

/// STATUS (RFC 9051 §6.3.11; SIZE of RFC 8438, HIGHESTMODSEQ of RFC 7162, APPENDLIMIT of
/// RFC 7889): counters kept current by the store, so any mailbox answers at once. Another
/// user's mailbox needs the `r` right; its UNSEEN counts the session's own \Seen.
struct StatusCommand: CommandJob {
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
            items[i].1 = UInt64(view.recent.count)
        }
        out.write(.status(name: try MailboxResolver.decode(mailbox, utf8: session.options.utf8), items: items))
        return .done(.ok("STATUS completed"))
    }

    static func items(_ status: MailboxStatus, _ attributes: [StatusAttribute], _ target: MailboxTarget,
                      appendLimit: Int) throws -> [(StatusAttribute, UInt64)] {
        try attributes.map { attribute in
            switch attribute {
            case .messages: return (attribute, UInt64(status.messages))
            case .uidNext: return (attribute, UInt64(status.uidNext.rawValue))
            case .uidValidity: return (attribute, UInt64(status.uidValidity))
            case .unseen:
                let unseen = try target.reader.map { try target.account.unseenCount(in: status.id, reader: $0) } ?? status.unseen
                return (attribute, UInt64(unseen))
            case .deleted: return (attribute, UInt64(try target.account.deletedCount(in: status.id)))
            case .size: return (attribute, UInt64(max(0, status.size)))
            case .recent: return (attribute, UInt64(status.recent))
            case .highestModSeq: return (attribute, status.highestModSeq.rawValue)
            case .appendLimit: return (attribute, UInt64(appendLimit))
            }
        }
    }
}
