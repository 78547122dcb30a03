import Store

/// QUOTA (RFC 9208): the quota root of every mailbox is its owner's account — `""` for
/// the session's own, `~owner` for another user's — with one resource, STORAGE, in units
/// of 1024 octets. Quotas are set by the administrator (`roost account quota`), so
/// SETQUOTA is refused.
struct QuotaCommand: CommandJob {
    var chains: Bool { true }
    enum Kind {
        case root(MailboxName)
        case quota(root: [UInt8])
        case set
    }

    let kind: Kind

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        switch kind {
        case .set:
            return .done(.no("Quotas are set by the administrator", .noPerm))
        case .root(let mailbox):
            let target = try MailboxResolver.resolve(mailbox, in: session, services)
            _ = try target.require([])
            let root = target.isOwn ? "" : "~" + MailboxResolver.ownerName(target.owner, for: session.user)
            let quota = try QuotaCommand.storage(target.owner, services)
            out.write(.quotaRoot(name: try MailboxResolver.decode(mailbox, utf8: session.options.utf8), roots: quota == nil ? [] : [root]))
            if let quota { out.write(.quota(root: root, resources: [quota])) }
            return .done(.ok("GETQUOTAROOT completed"))
        case .quota(let rootBytes):
            let root = String(decoding: rootBytes, as: UTF8.self)
            var owner = session.user
            if !root.isEmpty {
                // Another account's quota is shown to who may administer it.
                guard root.hasPrefix("~"), let other = try MailboxResolver.account(named: String(root.dropFirst()), near: session.user, services.store),
                      try services.store.directory.mayAdminister(session.user, other) else {
                    return .done(.no("No such quota root", .nonexistent))
                }
                owner = other
            }
            guard let quota = try QuotaCommand.storage(owner, services) else { return .done(.no("No such quota root", .nonexistent)) }
            out.write(.quota(root: root, resources: [quota]))
            return .done(.ok("GETQUOTA completed"))
        }
    }

    /// STORAGE usage and limit in KiB, nil when the account has no quota.
    static func storage(_ owner: AccountRecord, _ services: IMAPServices) throws -> (String, UInt64, UInt64)? {
        guard let record = try services.store.directory.account(id: owner.id), let limit = record.quota else { return nil }
        let used = try services.store.account(record).usage()
        return ("STORAGE", UInt64((used + 1023) / 1024), UInt64(limit / 1024))
    }
}
