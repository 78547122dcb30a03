import Store

/// CREATE (RFC 9051 §6.3.4), with a special-use attribute (RFC 6154 §3). In another user's
/// account it needs the `k` right on the nearest mailbox above, and the new mailbox takes
/// that mailbox's ACL (RFC 4314 §4).
struct CreateCommand: CommandJob {
    var chains: Bool { true }
    let mailbox: MailboxName
    let specialUse: [String]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        // A trailing separator declares the intent to create children; the name is without it.
        var bytes = mailbox.bytes
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        let target = try MailboxResolver.resolve(MailboxName(bytes), in: session, services)
        guard specialUse.count <= 1 else {
            return .done(.no("Only one special-use attribute per mailbox", .useAttr))
        }
        if let use = specialUse.first, SpecialUse.canonical(use) == nil {
            return .done(.no("\(use) is not a special-use attribute", .useAttr))
        }
        guard !target.name.isEmpty else { return .done(.no("That names a user, not a mailbox", .cannot)) }
        if target.status != nil {
            if MailboxPath.isInbox(target.name) && target.isOwn { return .done(.no("INBOX always exists", .alreadyExists)) }
            return .done(target.rights.isDisjoint(with: .any) ? .no("Permission denied", .noPerm) : .no("Mailbox already exists", .alreadyExists))
        }
        guard try MailboxResolver.creationRights(target, in: session, services).contains(.createMailbox) else {
            return .done(.no("Permission denied", .noPerm))
        }
        let parent = MailboxPath.ancestors(of: target.name).reversed().lazy.compactMap { try? target.account.mailbox(named: $0) }.first
        let created = try target.account.createMailbox(target.name, specialUse: specialUse.first)
        if let parent {
            for entry in try target.account.acl(of: parent.id) {
                try services.store.setACL(entry.rights, for: entry.identifier, on: created.id, of: target.owner)
            }
        }
        return .done(.ok("CREATE completed", .mailboxID(ObjectID.mailbox(created))))  // RFC 8474 §4.1
    }
}
