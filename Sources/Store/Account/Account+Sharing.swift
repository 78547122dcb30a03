/// What a mailbox name means in an account (`Account.lookUp`).
public enum MailboxLookup: Sendable {
    /// A mailbox alias covers the name: the name it stands for, in this account or
    /// another's (`~owner/name`).
    case alias(String)
    case mailbox(MailboxStatus?)
}

/// What an account keeps for sharing: the access control lists of its mailboxes, the
/// \Seen state of readers other than the owner, and its mailbox aliases.
extension Account {
    // MARK: Access control lists (RFC 4314)

    /// The ACL of a mailbox, entries sorted by identifier. The owner's own rights are not
    /// stored: an owner holds them all.
    public func acl(of mailbox: MailboxID) throws -> [ACLEntry] {
        try withDatabase {
            _ = try mailboxLocked(id: mailbox)
            return try aclLocked(mailbox)
        }
    }

    func aclLocked(_ mailbox: MailboxID) throws -> [ACLEntry] {
        let s = try db.statement("SELECT identifier, rights FROM acl WHERE mailbox = ? ORDER BY identifier").bind(.int(mailbox))
        var entries: [ACLEntry] = []
        while try s.step() {
            entries.append(ACLEntry(identifier: s.text(0) ?? "", rights: Rights(letters: s.text(1) ?? "") ?? []))
        }
        return entries
    }

    /// Sets an identifier's rights on a mailbox; empty rights remove its entry.
    /// Use `Store.setACL`, which keeps the directory's grant index in step.
    func setACL(_ mailbox: MailboxID, identifier: String, rights: Rights) throws {
        try withDatabase {
            try db.transaction {
                _ = try mailboxLocked(id: mailbox)
                if rights.isEmpty {
                    try db.statement("DELETE FROM acl WHERE mailbox = ? AND identifier = ?").bind(.int(mailbox), .text(identifier)).run()
                } else {
                    try db.statement("INSERT INTO acl(mailbox, identifier, rights) VALUES(?, ?, ?) ON CONFLICT(mailbox, identifier) DO UPDATE SET rights = excluded.rights")
                        .bind(.int(mailbox), .text(identifier), .text(rights.letters)).run()
                }
            }
        }
    }

    // MARK: Mailbox aliases

    /// The account's mailbox aliases: a local name and the mailbox it stands for.
    public func mailboxAliases() throws -> [(name: String, target: String)] {
        try withDatabase { try mailboxAliasesLocked() }
    }

    func mailboxAliasesLocked() throws -> [(name: String, target: String)] {
        let s = try db.statement("SELECT name, target FROM mailbox_alias ORDER BY name")
        var result: [(String, String)] = []
        while try s.step() { result.append((s.text(0) ?? "", s.text(1) ?? "")) }
        return result
    }

    /// What the name `name` (canonical) stands for among `aliases`: the target of the alias
    /// it is, or of the alias it lies below with the rest of the name after it.
    public static func aliasTarget(of name: String, in aliases: [(name: String, target: String)]) -> String? {
        for (alias, target) in aliases {
            if name == alias { return target }
            if name.hasPrefix(alias + "/") { return target + name.dropFirst(alias.count) }
        }
        return nil
    }

    /// What a canonical name means in this account, in one read of the index: the name
    /// an alias makes of it (see `aliasTarget`), else the mailbox of that name, nil when
    /// there is none. `followingAliases` false looks up the mailbox alone.
    public func lookUp(_ name: String, followingAliases: Bool = true) throws -> MailboxLookup {
        try withDatabase {
            try db.snapshot { try lookUpLocked(name, aliases: followingAliases ? try mailboxAliasesLocked() : []) }
        }
    }

    /// `lookUp` of several names, all in the same read (the same instant).
    public func lookUp(_ names: [String]) throws -> [MailboxLookup] {
        try withDatabase {
            try db.snapshot {
                let aliases = try mailboxAliasesLocked()
                return try names.map { try lookUpLocked($0, aliases: aliases) }
            }
        }
    }

    private func lookUpLocked(_ name: String, aliases: [(name: String, target: String)]) throws -> MailboxLookup {
        if let target = Account.aliasTarget(of: name, in: aliases) { return .alias(target) }
        do {
            return .mailbox(try mailboxLocked(named: name))
        } catch StoreError.nonexistent {
            return .mailbox(nil)
        }
    }

    /// Makes `name` stand for `target` (a name of this account, or `~owner/mailbox`).
    public func setMailboxAlias(_ name: String, target: String) throws {
        let canonical = try MailboxPath.canonical(name)
        guard !MailboxPath.isInbox(canonical) else { throw StoreError.invalidName("INBOX cannot be an alias") }
        guard !target.isEmpty, !target.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw StoreError.invalidName("'\(target)' is not a mailbox name")
        }
        try withDatabase {
            try db.transaction {
                guard try !mailboxExistsLocked(canonical) else {
                    throw StoreError.alreadyExists("a mailbox \(canonical) exists; an alias cannot take its name")
                }
                try db.statement("INSERT INTO mailbox_alias(name, target) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET target = excluded.target")
                    .bind(.text(canonical), .text(target)).run()
            }
        }
    }

    public func removeMailboxAlias(_ name: String) throws {
        let canonical = try MailboxPath.canonical(name)
        try withDatabase {
            try db.statement("DELETE FROM mailbox_alias WHERE name = ?").bind(.text(canonical)).run()
            guard db.changes > 0 else { throw StoreError.nonexistent("no mailbox alias \(canonical)") }
        }
    }

    // MARK: \Seen per reader

    /// Messages with no \Seen for `reader` (the readers' own \Seen in a shared mailbox).
    public func unseenCount(in mailbox: MailboxID, reader: String) throws -> Int {
        try withDatabase {
            let s = try db.statement("""
                SELECT count(*) FROM message m LEFT JOIN private_seen p ON p.mailbox = m.mailbox AND p.reader = ? AND p.uid = m.uid
                WHERE m.mailbox = ? AND coalesce(p.seen, 0) = 0
                """).bind(.text(reader), .int(mailbox))
            _ = try s.step()
            return s.int(0)
        }
    }
}
