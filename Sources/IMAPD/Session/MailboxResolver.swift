import Store

/// A mailbox a command names, found: the account that holds it, its name there, whether
/// it exists, and what the session may do with it.
struct MailboxTarget {
    let owner: AccountRecord
    let account: Account
    /// The canonical name in the owner's store; empty for the top of another user's
    /// mailboxes (`~alice` alone).
    let name: String
    /// The name as the session shows it: own names as they are, others' as `~owner/name`.
    let displayName: String
    /// Nil when no such mailbox exists.
    let status: MailboxStatus?
    /// The session's rights on it (for a missing mailbox, none unless the session owns
    /// the account).
    let rights: Rights
    /// The session's account id when the mailbox is someone else's (\Seen is then its own).
    let reader: String?

    var isOwn: Bool { reader == nil }

    /// The mailbox, or the refusal RFC 4314 §6 asks for: a mailbox the session may not
    /// even look up answers exactly as a missing one would.
    func require(_ needed: Rights) throws -> MailboxStatus {
        guard let status, !rights.isDisjoint(with: .any) else {
            throw CommandFailure(.no("No such mailbox", .nonexistent))
        }
        guard rights.isSuperset(of: needed) else {
            throw CommandFailure(.no("Permission denied", .noPerm))
        }
        return status
    }
}

/// Turns the names clients send into mailboxes: modified UTF-7 or UTF-8 decoding, INBOX
/// in any case, mailbox aliases, other users' mailboxes (`~owner/name`,
/// `~owner@domain/name`), and the checks every name must pass.
enum MailboxResolver {
    /// The name a client sent, as text. Clients that have not enabled UTF-8 send modified
    /// UTF-7 (RFC 3501 §5.1.3); some send raw UTF-8 anyway, which is taken as such.
    static func decode(_ name: MailboxName, utf8: Bool) throws -> String {
        let bytes = name.bytes
        if bytes.contains(where: { $0 >= 0x80 }) || utf8 {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CommandFailure(.no("Mailbox name is not valid UTF-8", .cannot))
            }
            return text
        }
        guard let text = ModifiedUTF7.decode(String(decoding: bytes, as: UTF8.self)) else {
            throw CommandFailure(.no("Mailbox name is not valid modified UTF-7", .cannot))
        }
        return text
    }

    static func resolve(_ name: MailboxName, in session: SessionContext, _ services: IMAPServices) throws -> MailboxTarget {
        try resolve(text: try decode(name, utf8: session.options.utf8), in: session, services)
    }

    /// The mailbox a name means for this session.
    static func resolve(text: String, in session: SessionContext, _ services: IMAPServices, followAliases: Bool = true) throws -> MailboxTarget {
        func aliased(_ name: String) throws -> MailboxTarget {
            let target = try resolve(text: name, in: session, services, followAliases: false)
            return MailboxTarget(owner: target.owner, account: target.account, name: target.name, displayName: text,
                                 status: target.status, rights: target.rights, reader: target.reader)
        }
        guard text.hasPrefix("~") else {
            // The aliases and the mailbox in one read: STATUS and SELECT of an own mailbox
            // are most of what clients send.
            let name = try canonical(text)
            let found = followAliases ? session.lookedUp[name] : nil
            switch try found ?? session.account.lookUp(name, followingAliases: followAliases) {
            case .alias(let target):
                return try aliased(target)
            case .mailbox(let status):
                return MailboxTarget(owner: session.user, account: session.account, name: name, displayName: name,
                                     status: status, rights: .all, reader: nil)
            }
        }
        if followAliases, let target = try alias(text, of: session.account) { return try aliased(target) }
        let body = text.dropFirst()
        let ownerText = body.prefix { $0 != "/" }
        let rest = body.dropFirst(ownerText.count + 1)
        guard let owner = try account(named: String(ownerText), near: session.user, services.store) else {
            throw CommandFailure(.no("No such mailbox", .nonexistent))
        }
        if owner.id == session.user.id {
            return try resolve(text: String(rest), in: session, services, followAliases: false)
        }
        let account = try services.store.account(owner)
        let name = rest.isEmpty ? "" : try canonical(String(rest))
        let status = name.isEmpty ? nil : try? account.mailbox(named: name)
        let rights = try status.map { try services.store.rights(of: session.user, on: $0.id, of: owner) } ?? []
        let display = "~" + ownerName(owner, for: session.user) + (name.isEmpty ? "" : "/" + name)
        return MailboxTarget(owner: owner, account: account, name: name, displayName: display, status: status,
                             rights: rights, reader: session.user.id)
    }

    /// The rights a session has to create `name` in `target`'s account: `k` on the nearest
    /// mailbox above it that exists (RFC 4314 §4); the owner may always.
    static func creationRights(_ target: MailboxTarget, in session: SessionContext, _ services: IMAPServices) throws -> Rights {
        if target.isOwn { return .all }
        for ancestor in MailboxPath.ancestors(of: target.name).reversed() {
            if let parent = try? target.account.mailbox(named: ancestor) {
                return try services.store.rights(of: session.user, on: parent.id, of: target.owner)
            }
        }
        // At the top of someone else's mailboxes only their administrators may create.
        return try services.store.directory.mayAdminister(session.user, target.owner) ? .all : []
    }

    /// A mailbox alias's target for `text` (the alias itself, or a name below it).
    static func alias(_ text: String, of account: Account) throws -> String? {
        let aliases = try account.mailboxAliases()
        guard !aliases.isEmpty else { return nil }
        return Account.aliasTarget(of: (try? MailboxPath.canonical(text)) ?? text, in: aliases)
    }

    /// The account `~owner` names: a bare name in the session's own domain.
    static func account(named text: String, near user: AccountRecord, _ store: Store) throws -> AccountRecord? {
        guard !text.isEmpty else { return nil }
        let name: AccountName
        do {
            name = text.contains("@") ? try AccountName(parsing: text) : try AccountName(local: text, domain: user.name.domain)
        } catch {
            return nil
        }
        return try store.directory.account(named: name)
    }

    /// How `~owner` is written for a session: a bare name within the session's domain.
    static func ownerName(_ owner: AccountRecord, for user: AccountRecord) -> String {
        owner.name.domain == user.name.domain ? owner.name.local : owner.name.description
    }

    static func canonical(_ text: String) throws -> String {
        do {
            return try MailboxPath.canonical(text)
        } catch let error as StoreError {
            throw CommandFailure(.no(error.description.capitalizedFirst, .cannot))
        }
    }
}

/// A command refused with a status the client gets as the tagged response.
struct CommandFailure: Error {
    var status: StatusResponse
    init(_ status: StatusResponse) { self.status = status }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
