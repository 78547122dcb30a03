import Store

/// LIST (RFC 9051 §6.3.9 with RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154
/// SPECIAL-USE, RFC 3348 CHILDREN), Outlook's XLIST, and LSUB (RFC 3501 §6.3.9).
/// Besides the account's own mailboxes it shows its mailbox aliases and the other users'
/// mailboxes it subscribed to, so clients that ignore NAMESPACE (Outlook, Apple Mail) see
/// them, and under `~` every other user's mailbox the session may look up (RFC 4314 §4).
struct ListCommand: CommandJob {
    var chains: Bool { true }
    let arguments: ListArguments
    /// LSUB instead of LIST.
    var lsub = false

    /// One name LIST may answer with.
    struct Entry {
        var name: String
        var exists: Bool
        var specialUse: String?
        var subscribed: Bool
        var hasChildren: Bool
        /// RECURSIVEMATCH: a subscribed mailbox lies below it (RFC 5258 §3.5).
        var subscribedChild: Bool
        /// Where it is, for LIST-STATUS.
        var target: MailboxTarget?
    }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let utf8 = session.options.utf8
        let reference = try MailboxResolver.decode(arguments.reference, utf8: utf8)
        let patterns = try arguments.patterns.map { try MailboxResolver.decode($0, utf8: utf8) }
        let kind = lsub ? "LSUB" : arguments.isXList ? "XLIST" : "LIST"
        let completed = "\(kind) completed"
        // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
        if patterns == [""] && !lsub {
            out.write(.list(kind: kind, attributes: ["\\Noselect"], name: "", childInfo: false))
            return .done(.ok(completed))
        }
        let full = patterns.filter { !$0.isEmpty }.map { reference + $0 }
        let matchers = full.map { ListPattern($0) }
        let entries = try self.entries(session, services, foreign: full.filter { $0.hasPrefix("~") })
        let extended = arguments.isExtended || session.options.rev2
        let subscribedOnly = lsub || arguments.selection.contains(.subscribed)
        for entry in entries {
            guard matchers.contains(where: { $0.matches(entry.name) }) else { continue }
            if arguments.selection.contains(.specialUse) && entry.specialUse == nil { continue }
            // RFC 3501 §6.3.9: a level that is no mailbox shows only where a final "%" stopped at it.
            let viaPercent = matchers.contains { $0.matchesAsParent(entry.name) }
            if !entry.exists && !entry.subscribed && !viaPercent && !arguments.selection.contains(.recursiveMatch) { continue }
            var childInfo = false
            if subscribedOnly && !entry.subscribed {
                // Shown only as the parent of something subscribed: with RECURSIVEMATCH,
                // or (basic LSUB and LIST) when a "%" stopped short of the subscribed child.
                if arguments.selection.contains(.recursiveMatch) {
                    guard entry.subscribedChild else { continue }
                    childInfo = true
                } else if !(viaPercent && entry.subscribedChild) {
                    continue
                }
            } else if subscribedOnly && arguments.selection.contains(.recursiveMatch) && entry.subscribedChild {
                childInfo = true
            } else if !subscribedOnly && !entry.exists && !viaPercent {
                continue
            }
            var attributes: [String] = []
            if lsub {
                if !entry.subscribed { attributes.append("\\Noselect") }
            } else {
                if !entry.exists {
                    attributes.append(extended ? "\\NonExistent" : "\\Noselect")
                }
                if entry.exists || entry.hasChildren {
                    attributes.append(entry.hasChildren ? "\\HasChildren" : "\\HasNoChildren")
                }
                if entry.subscribed && (subscribedOnly || arguments.returning.contains(.subscribed)) {
                    attributes.append("\\Subscribed")
                }
                if let use = entry.specialUse {
                    attributes.append(arguments.isXList ? ListCommand.xlistName(use) : use)
                }
                if arguments.isXList && entry.name == MailboxPath.inbox { attributes.append("\\Inbox") }
            }
            out.write(.list(kind: kind, attributes: attributes, name: entry.name, childInfo: childInfo))
            if !arguments.status.isEmpty, let target = entry.target, let status = target.status, target.rights.contains(.read) {
                out.write(.status(name: entry.name, items: try StatusCommand.items(status, arguments.status, target,
                                                                                appendLimit: services.settings.appendLimit)))
            }
        }
        return .done(.ok(completed))
    }

    /// Every name LIST could show, INBOX first, the rest sorted: the account's mailboxes and
    /// aliases, other users' mailboxes it subscribed to or that `foreign` patterns reach,
    /// subscribed names that do not exist, and the levels above all these.
    func entries(_ session: SessionContext, _ services: IMAPServices, foreign: [String]) throws -> [Entry] {
        let account = session.account
        let subscriptions = Set(try account.subscriptions())
        var byName: [String: Entry] = [:]
        func add(_ name: String, _ target: MailboxTarget) {
            guard let status = target.status, target.rights.contains(.lookup) else { return }
            byName[name] = Entry(name: name, exists: true, specialUse: status.specialUse, subscribed: subscriptions.contains(name),
                                 hasChildren: false, subscribedChild: false, target: target)
        }
        for m in try account.mailboxes() {
            add(m.name, MailboxTarget(owner: session.user, account: account, name: m.name, displayName: m.name, status: m, rights: .all, reader: nil))
        }
        for (alias, _) in try account.mailboxAliases() {
            if let target = try? MailboxResolver.resolve(text: alias, in: session, services) { add(alias, target) }
        }
        for name in subscriptions where name.hasPrefix("~") && byName[name] == nil {
            if let target = try? MailboxResolver.resolve(text: name, in: session, services) { add(name, target) }
        }
        for pattern in foreign {
            for target in try foreignMailboxes(pattern, session, services) { add(target.displayName, target) }
        }
        for name in subscriptions where byName[name] == nil {
            byName[name] = Entry(name: name, exists: false, specialUse: nil, subscribed: true, hasChildren: false,
                                 subscribedChild: false, target: nil)
        }
        for name in Array(byName.keys) {
            let entry = byName[name]!
            for ancestor in MailboxPath.ancestors(of: name) {
                var a = byName[ancestor] ?? Entry(name: ancestor, exists: false, specialUse: nil, subscribed: false,
                                                  hasChildren: false, subscribedChild: false, target: nil)
                if entry.exists { a.hasChildren = true }
                if entry.subscribed { a.subscribedChild = true }
                byName[ancestor] = a
            }
        }
        return byName.values.sorted { a, b in
            if a.name == MailboxPath.inbox { return b.name != MailboxPath.inbox }
            if b.name == MailboxPath.inbox { return false }
            return a.name < b.name
        }
    }

    /// Other users' mailboxes a `~` pattern can reach: of the named user when the pattern
    /// names one (an administrator sees all of that account's), else of every user who
    /// gave this session the lookup right, through the grant index.
    func foreignMailboxes(_ pattern: String, _ session: SessionContext, _ services: IMAPServices) throws -> [MailboxTarget] {
        let ownerPart = pattern.dropFirst().prefix { $0 != "/" }
        if !ownerPart.contains(where: { $0 == "*" || $0 == "%" }) {
            guard let owner = try MailboxResolver.account(named: String(ownerPart), near: session.user, services.store),
                  owner.id != session.user.id else { return [] }
            let account = try services.store.account(owner)
            let prefix = "~" + MailboxResolver.ownerName(owner, for: session.user) + "/"
            return try account.mailboxes().map { m in
                MailboxTarget(owner: owner, account: account, name: m.name, displayName: prefix + m.name, status: m,
                              rights: try services.store.rights(of: session.user, on: m.id, of: owner), reader: session.user.id)
            }
        }
        var result: [MailboxTarget] = []
        for (owner, mailboxes) in try services.store.sharedMailboxes(for: session.user) {
            let account = try services.store.account(owner)
            let prefix = "~" + MailboxResolver.ownerName(owner, for: session.user) + "/"
            for (m, rights) in mailboxes {
                result.append(MailboxTarget(owner: owner, account: account, name: m.name, displayName: prefix + m.name, status: m,
                                            rights: rights, reader: session.user.id))
            }
        }
        return result
    }

    /// XLIST's names for the special-use attributes (as Gmail introduced them).
    static func xlistName(_ use: String) -> String {
        switch use {
        case "\\Junk": return "\\Spam"
        case "\\All": return "\\AllMail"
        case "\\Flagged": return "\\Starred"
        default: return use
        }
    }
}

/// A LIST pattern: `*` matches anything, `%` anything but the hierarchy separator
/// (RFC 9051 §6.3.9). A leading INBOX matches in any case.
struct ListPattern {
    let pattern: [UInt8]

    init(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.count >= 5, bytes[..<5].map({ $0.asciiUppercased }) == Array("INBOX".utf8),
           bytes.count == 5 || bytes[5] == UInt8(ascii: "/") {
            bytes.replaceSubrange(0..<5, with: Array("INBOX".utf8))
        }
        pattern = bytes
    }

    func matches(_ name: String) -> Bool {
        ListPattern.match(pattern, Array(name.utf8))
    }

    /// Whether the pattern matches a child of `name` only because a `%` stops at the
    /// separator: `name` matches the pattern up to a final `%` (RFC 3501 §6.3.9: such a
    /// parent is returned \Noselect).
    func matchesAsParent(_ name: String) -> Bool {
        pattern.last == UInt8(ascii: "%") && matches(name)
    }

    /// Runs the pattern as an automaton over the name: O(pattern × name), whatever
    /// wildcards a client sends.
    static func match(_ p: [UInt8], _ name: [UInt8]) -> Bool {
        let star = UInt8(ascii: "*"), percent = UInt8(ascii: "%"), slash = UInt8(ascii: "/")
        var current = [Bool](repeating: false, count: p.count + 1)
        var next = current
        func close(_ states: inout [Bool]) {
            // A wildcard may match nothing: the position after it is reachable too.
            for i in 0..<p.count where states[i] && (p[i] == star || p[i] == percent) { states[i + 1] = true }
        }
        current[0] = true
        close(&current)
        for c in name {
            for i in next.indices { next[i] = false }
            var any = false
            for i in 0..<p.count where current[i] {
                switch p[i] {
                case star: next[i] = true
                case percent: if c != slash { next[i] = true }
                default: if p[i] == c { next[i + 1] = true }
                }
                any = true
            }
            guard any else { return false }
            close(&next)
            swap(&current, &next)
        }
        return current[p.count]
    }
}
