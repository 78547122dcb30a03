import Store

/// NOTIFY (RFC 5465 §8).
extension CommandParser {
    /// `NOTIFY SP ("NONE" / "SET" [SP "STATUS"] 1*(SP event-group))`
    mutating func notify() throws -> Command {
        try space()
        if take("NONE") { return .notify(nil) }
        guard take("SET") else { throw ParseError("NOTIFY takes SET or NONE") }
        try space()
        var settings = NotifySettings(status: false, groups: [])
        if take("STATUS ") { settings.status = true }
        while true {
            settings.groups.append(try notifyGroup())
            guard peek() == .space else { break }
            index += 1
        }
        return .notify(settings)
    }

    /// `"(" filter-mailboxes SP events ")"`, events being `"(" event *(SP event) ")"` or NONE.
    mutating func notifyGroup() throws -> NotifySettings.Group {
        try expect(.openParen)
        let filter = try atom().lowercased()
        let mailboxes: NotifySettings.Mailboxes
        switch filter {
        case "selected": mailboxes = .selected
        case "selected-delayed": mailboxes = .selectedDelayed
        case "inboxes": mailboxes = .inboxes
        case "personal": mailboxes = .personal
        case "subscribed": mailboxes = .subscribed
        case "subtree", "mailboxes":
            try space()
            let names = try oneOrList { try $0.mailbox() }
            mailboxes = filter == "subtree" ? .subtree(names) : .mailboxes(names)
        default:
            throw ParseError("Unknown NOTIFY mailbox filter \(filter.prefix(40))")
        }
        try space()
        var events: [NotifySettings.Event] = []
        if !take("NONE") {
            try expect(.openParen)
            while true {
                events.append(try notifyEvent())
                if peek() == .closeParen { index += 1; break }
                try space()
            }
        }
        try expect(.closeParen)
        // RFC 5465 §5: MessageNew and MessageExpunge come together, FlagChange only with them.
        let new = events.contains { if case .messageNew = $0 { return true } else { return false } }
        let expunge = events.contains(.messageExpunge)
        guard new == expunge, !events.contains(.flagChange) || new else {
            throw ParseError("MessageNew and MessageExpunge go together, and FlagChange needs them")
        }
        return NotifySettings.Group(mailboxes: mailboxes, events: events)
    }

    mutating func notifyEvent() throws -> NotifySettings.Event {
        let name = try atom().lowercased()
        switch name {
        case "messagenew":
            var attributes: [FetchAttribute] = []
            if bytes[index...].starts(with: Array(" (".utf8)) {
                index += 2
                while true {
                    attributes.append(try fetchAttribute())
                    if peek() == .closeParen { index += 1; break }
                    try space()
                }
            }
            return .messageNew(attributes)
        case "messageexpunge": return .messageExpunge
        case "flagchange": return .flagChange
        case "annotationchange": return .annotationChange
        case "mailboxname": return .mailboxName
        case "subscriptionchange": return .subscriptionChange
        case "mailboxmetadatachange": return .mailboxMetadataChange
        case "servermetadatachange": return .serverMetadataChange
        default: throw ParseError("Unknown NOTIFY event \(name.prefix(40))")
        }
    }
}
