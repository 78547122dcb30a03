/// Sharing across accounts: ACL identifiers, rights, and the grant index that finds the
/// foreign mailboxes a user may see without opening every account.
extension Store {
    /// An identifier as a client writes it (`bob`, `bob@example.org`, `anyone`, `-bob`) in
    /// its stored form (account ids, `anyone`), with bare names taken in the owner's
    /// domain. Nil when it names no account.
    public func aclIdentifier(_ text: String, owner: AccountRecord) throws -> String? {
        let negative = text.hasPrefix("-")
        let name = negative ? String(text.dropFirst()) : text
        guard !name.isEmpty else { return nil }
        if name.lowercased() == ACLEntry.anyone { return negative ? "-" + ACLEntry.anyone : ACLEntry.anyone }
        let account: AccountName
        do {
            account = name.contains("@") ? try AccountName(parsing: name) : try AccountName(local: name, domain: owner.name.domain)
        } catch {
            return nil
        }
        guard let record = try directory.account(named: account) else { return nil }
        return negative ? "-" + record.id : record.id
    }

    /// How an identifier is shown: `anyone`, a bare name for an account of the owner's
    /// domain, `name@domain` for others.
    public func aclIdentifierName(_ identifier: String, owner: AccountRecord) throws -> String? {
        let negative = identifier.hasPrefix("-")
        let subject = negative ? String(identifier.dropFirst()) : identifier
        let name: String
        if subject == ACLEntry.anyone {
            name = ACLEntry.anyone
        } else {
            guard let record = try directory.account(id: subject) else { return nil }  // a removed account
            name = record.name.domain == owner.name.domain ? record.name.local : record.name.description
        }
        return negative ? "-" + name : name
    }

    /// Gives `identifier` (stored form) `rights` on a mailbox of `owner`, or removes its
    /// entry when `rights` is empty. The grant index is written so that it always holds
    /// at least what the ACLs grant: added to before the ACL, trimmed after.
    public func setACL(_ rights: Rights, for identifier: String, on mailbox: MailboxID, of owner: AccountRecord) throws {
        let account = try self.account(owner)
        let indexed = !identifier.hasPrefix("-") && rights.contains(.lookup)
        if indexed { try directory.addGrant(grantee: identifier, owner: owner.id, mailbox: mailbox) }
        try account.setACL(mailbox, identifier: identifier, rights: rights)
        if !indexed && !identifier.hasPrefix("-") {
            try directory.removeGrant(grantee: identifier, owner: owner.id, mailbox: mailbox)
        }
    }

    /// Drops the grant index's entries for a mailbox that was deleted.
    public func forgetGrants(on mailbox: MailboxID, of owner: AccountRecord) throws {
        try directory.removeGrants(owner: owner.id, mailbox: mailbox)
    }

    /// What `user` may do on a mailbox of `owner`: everything as its owner or as an
    /// administrator of the owner's account, otherwise what the mailbox's ACL gives.
    public func rights(of user: AccountRecord, on mailbox: MailboxID, of owner: AccountRecord) throws -> Rights {
        if try user.id == owner.id || directory.mayAdminister(user, owner) { return .all }
        return try account(owner).acl(of: mailbox).rights(for: user.id)
    }

    /// The foreign mailboxes `user` has the lookup right on, through ACL grants (an
    /// administrator's rights over whole accounts are not listed here), by owner.
    public func sharedMailboxes(for user: AccountRecord) throws -> [(owner: AccountRecord, mailboxes: [(MailboxStatus, Rights)])] {
        var byOwner: [String: [MailboxID]] = [:]
        for grant in try directory.grants(to: [user.id, ACLEntry.anyone]) where grant.owner != user.id {
            byOwner[grant.owner, default: []].append(grant.mailbox)
        }
        var result: [(AccountRecord, [(MailboxStatus, Rights)])] = []
        for (ownerID, ids) in byOwner {
            guard let owner = try directory.account(id: ownerID) else { continue }
            let account = try self.account(owner)
            var visible: [(MailboxStatus, Rights)] = []
            for id in Set(ids) {
                guard let status = try? account.mailbox(id: id) else { continue }  // deleted since
                let rights = try account.acl(of: id).rights(for: user.id)
                if rights.contains(.lookup) { visible.append((status, rights)) }
            }
            if !visible.isEmpty { result.append((owner, visible.sorted { $0.0.name < $1.0.name })) }
        }
        return result.sorted { $0.0.name.description < $1.0.name.description }
    }
}
