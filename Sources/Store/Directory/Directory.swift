import Foundation

public struct DomainRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var isMain: Bool
    public var aliases: [String]
    public var settings: DomainSettings
}

/// Per-domain settings, kept as JSON in the domain's row.
public struct DomainSettings: Codable, Sendable, Equatable {
    /// CommuniGate's "Mail to Unknown": where mail for names no account, alias or router
    /// record holds goes (an address), or nil to reject it (550 5.1.1).
    public var unknownMail: String?

    public init(unknownMail: String? = nil) { self.unknownMail = unknownMail }

    init(json: String?) {
        self = json.flatMap { try? JSONDecoder().decode(DomainSettings.self, from: Data($0.utf8)) } ?? DomainSettings()
    }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

public struct AccountRecord: Sendable, Equatable {
    public var id: String
    public var name: AccountName
    public var passwordHash: String
    /// Bytes; nil for no quota.
    public var quota: Int64?
    public var created: Int64

    public init(id: String, name: AccountName, passwordHash: String, quota: Int64?, created: Int64) {
        self.id = id
        self.name = name
        self.passwordHash = passwordHash
        self.quota = quota
        self.created = created
    }
}

/// Administrator rights in the manner of CommuniGate Pro.
public enum AdminRight: String, Sendable, CaseIterable {
    /// Server-wide: every mailbox of every account, with all rights.
    case allAccounts = "all-accounts"
    /// Within one domain: every mailbox of that domain's accounts.
    case canAccessMailboxes = "can-access-mailboxes"
}

public struct AdminGrant: Sendable, Equatable {
    public var right: AdminRight
    /// The domain a domain-level right applies to; nil for server-wide rights.
    public var domain: String?
}

/// A router record, as in CommuniGate's Router: `pattern = target`.
public struct RouteRecord: Sendable, Equatable {
    /// `name@domain`, or a local part with one `*` wildcard: `*@domain`, `sales-*@domain`,
    /// `*-archive@domain`. The `*` matches one or more characters.
    public var pattern: String
    /// An address; a `*` in it stands for what the pattern's `*` matched.
    public var target: String

    /// What the `*` of this record's pattern matches in `local`, or nil when the pattern
    /// has no `*` or does not match.
    func wildcardMatch(local: String) -> String? {
        guard let at = pattern.lastIndex(of: "@"), let star = pattern[..<at].firstIndex(of: "*") else { return nil }
        let prefix = pattern[..<star], suffix = pattern[pattern.index(after: star)..<at]
        guard local.count > prefix.count + suffix.count, local.hasPrefix(prefix), local.hasSuffix(suffix) else { return nil }
        return String(local.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// How much of the pattern is not the wildcard: among records matching a name, the
    /// one that says most about it applies.
    var literalLength: Int { pattern.count - 1 }
}

/// What an address resolved to.
public struct Resolution: Sendable, Equatable {
    public var account: AccountRecord
    public var detail: String?
}

/// `directory.sqlite`: domains, accounts, credentials, administrator rights, aliases and
/// router records, account templates, IP-to-domain bindings. Read afresh on every call, so
/// changes made by the `roost` command reach a running server at once.
public final class Directory: @unchecked Sendable {
    let db: Database
    private let lock = NSLock()

    static let schema: [String] = [
        // Version 1.
        """
        CREATE TABLE domain(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            is_main INTEGER NOT NULL DEFAULT 0,
            settings TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE domain_alias(
            name TEXT PRIMARY KEY,
            domain INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE TABLE account(
            id TEXT PRIMARY KEY,
            domain INTEGER NOT NULL REFERENCES domain(id),
            local TEXT NOT NULL,
            password TEXT NOT NULL,
            quota INTEGER,
            settings TEXT NOT NULL DEFAULT '{}',
            created INTEGER NOT NULL,
            UNIQUE(domain, local)
        );
        CREATE TABLE admin_right(
            account TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            right TEXT NOT NULL,
            domain INTEGER REFERENCES domain(id) ON DELETE CASCADE,
            UNIQUE(account, right, domain)
        );
        CREATE TABLE address_alias(
            domain INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
            local TEXT NOT NULL,
            account TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            PRIMARY KEY(domain, local)
        ) WITHOUT ROWID;
        CREATE TABLE route(
            pattern TEXT PRIMARY KEY,
            target TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE template(
            domain INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,
            body TEXT NOT NULL
        );
        CREATE TABLE ip_binding(
            address TEXT PRIMARY KEY,
            domain INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        """,
        // Version 2: which accounts may see which foreign mailboxes (the ACL entries with
        // the lookup right), so LIST "~*" need not open every account. A hint: the owner's
        // ACL decides.
        """
        CREATE TABLE acl_grant(
            grantee TEXT NOT NULL,      -- an account id or 'anyone'
            owner TEXT NOT NULL,
            mailbox INTEGER NOT NULL,
            PRIMARY KEY(grantee, owner, mailbox)
        ) WITHOUT ROWID;
        CREATE INDEX acl_grant_owner ON acl_grant(owner);
        """,
        // Version 3: the server's shared METADATA entries (RFC 5464 §3.2.1.1), laid out as
        // the accounts' table (mailbox 0, reader '').
        """
        CREATE TABLE metadata(
            mailbox INTEGER NOT NULL,
            reader TEXT NOT NULL,
            name TEXT NOT NULL,
            value BLOB NOT NULL,
            PRIMARY KEY(mailbox, reader, name)
        ) WITHOUT ROWID;
        """,
    ]

    public init(path: String) throws {
        db = try Database(path: path)
        try db.configureForStore()
        try Migrations.apply(Directory.schema, to: db)
        db.finishUse()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer {
            db.finishUse()
            lock.unlock()
        }
        return try body()
    }

    // MARK: Domains

    public func addDomain(_ name: String, main: Bool = false) throws -> DomainRecord {
        let domain = try DomainName(name)
        return try locked {
            try db.transaction {
                guard try findDomainLocked(domain.value) == nil else {
                    throw StoreError.alreadyExists("domain \(domain) already exists")
                }
                let hasMain = try db.statement("SELECT 1 FROM domain WHERE is_main = 1").step()
                let makeMain = main || !hasMain
                if makeMain { try db.execute("UPDATE domain SET is_main = 0") }
                try db.statement("INSERT INTO domain(name, is_main) VALUES(?, ?)").bind(.text(domain.value), .int(makeMain ? 1 : 0)).run()
                return try findDomainLocked(domain.value)!
            }
        }
    }

    public func setMainDomain(_ name: String) throws {
        try locked {
            try db.transaction {
                let d = try requireDomainLocked(name)
                try db.execute("UPDATE domain SET is_main = 0")
                try db.statement("UPDATE domain SET is_main = 1 WHERE id = ?").bind(.int(d.id)).run()
            }
        }
    }

    public func domains() throws -> [DomainRecord] {
        try locked {
            let s = try db.statement("SELECT name FROM domain ORDER BY name")
            var names: [String] = []
            while try s.step() { names.append(s.text(0) ?? "") }
            return try names.compactMap { try findDomainLocked($0) }
        }
    }

    /// A domain by its name or one of its aliases.
    public func domain(_ name: String) throws -> DomainRecord? {
        try locked { try findDomainLocked(name.lowercased()) }
    }

    public func mainDomain() throws -> DomainRecord? {
        try locked {
            let s = try db.statement("SELECT name FROM domain WHERE is_main = 1")
            guard try s.step(), let name = s.text(0) else { return nil }
            s.reset()
            return try findDomainLocked(name)
        }
    }

    /// Removes a domain that has no accounts left.
    public func removeDomain(_ name: String) throws {
        try locked {
            try db.transaction {
                let d = try requireDomainLocked(name)
                guard d.name == name.lowercased() else { throw StoreError.invalidArgument("\(name) is an alias of \(d.name); remove it with 'roost domain alias remove'") }
                let s = try db.statement("SELECT count(*) FROM account WHERE domain = ?").bind(.int(d.id))
                _ = try s.step()
                let n = s.int(0)
                s.reset()
                guard n == 0 else { throw StoreError.notPermitted("domain \(d.name) still has \(n) account(s); remove them first") }
                try db.statement("DELETE FROM domain WHERE id = ?").bind(.int(d.id)).run()
                if d.isMain {
                    try db.execute("UPDATE domain SET is_main = 1 WHERE id = (SELECT min(id) FROM domain)")
                }
            }
        }
    }

    public func setSettings(_ settings: DomainSettings, for name: String) throws {
        if let target = settings.unknownMail, Address(target).domain == nil {
            throw StoreError.invalidArgument("'\(target)' is not an address with a domain")
        }
        try locked {
            let d = try requireDomainLocked(name)
            try db.statement("UPDATE domain SET settings = ? WHERE id = ?").bind(.text(settings.json), .int(d.id)).run()
        }
    }

    public func addDomainAlias(_ alias: String, for name: String) throws {
        let a = try DomainName(alias)
        try locked {
            try db.transaction {
                let d = try requireDomainLocked(name)
                guard try findDomainLocked(a.value) == nil else { throw StoreError.alreadyExists("\(a) is already a domain or a domain alias") }
                try db.statement("INSERT INTO domain_alias(name, domain) VALUES(?, ?)").bind(.text(a.value), .int(d.id)).run()
            }
        }
    }

    public func removeDomainAlias(_ alias: String) throws {
        try locked {
            try db.statement("DELETE FROM domain_alias WHERE name = ?").bind(.text(alias.lowercased())).run()
            guard db.changes > 0 else { throw StoreError.nonexistent("no domain alias \(alias)") }
        }
    }

    func findDomainLocked(_ name: String) throws -> DomainRecord? {
        let s = try db.statement("""
            SELECT id, name, is_main, settings FROM domain WHERE name = ?1
            UNION ALL SELECT d.id, d.name, d.is_main, d.settings FROM domain_alias a JOIN domain d ON d.id = a.domain WHERE a.name = ?1
            """).bind(.text(name))
        guard try s.step() else { return nil }
        var record = DomainRecord(id: s.int64(0), name: s.text(1) ?? "", isMain: s.int(2) != 0, aliases: [], settings: DomainSettings(json: s.text(3)))
        s.reset()
        let a = try db.statement("SELECT name FROM domain_alias WHERE domain = ? ORDER BY name").bind(.int(record.id))
        while try a.step() { record.aliases.append(a.text(0) ?? "") }
        return record
    }

    func requireDomainLocked(_ name: String) throws -> DomainRecord {
        guard let d = try findDomainLocked(name.lowercased()) else { throw StoreError.nonexistent("domain \(name) does not exist") }
        return d
    }

    // MARK: Accounts

    static let accountColumns = "a.id, a.local, d.name, a.password, a.quota, a.created"

    static func accountRecord(_ s: Statement) throws -> AccountRecord {
        AccountRecord(
            id: s.text(0) ?? "", name: try AccountName(local: s.text(1) ?? "", domain: try DomainName(s.text(2) ?? "")),
            passwordHash: s.text(3) ?? "", quota: s.isNull(4) ? nil : s.int64(4), created: s.int64(5))
    }

    func insertAccount(_ name: AccountName, passwordHash: String, quota: Int64?) throws -> AccountRecord {
        try locked {
            try db.transaction {
                let d = try requireDomainLocked(name.domain.value)
                guard d.name == name.domain.value else {
                    throw StoreError.invalidArgument("\(name.domain) is an alias of \(d.name); create the account as \(name.local)@\(d.name)")
                }
                guard try findAccountLocked(local: name.local, domain: d.id) == nil else {
                    throw StoreError.alreadyExists("account \(name) already exists")
                }
                guard try aliasOwnerLocked(local: name.local, domain: d.id) == nil else {
                    throw StoreError.alreadyExists("\(name) is already an alias of another account")
                }
                let id = Directory.newAccountID()
                try db.statement("INSERT INTO account(id, domain, local, password, quota, created) VALUES(?, ?, ?, ?, ?, ?)")
                    .bind(.text(id), .int(d.id), .text(name.local), .text(passwordHash), .optionalInt(quota), .int(Int64(Date().timeIntervalSince1970)))
                    .run()
                return try accountLocked(id: id)!
            }
        }
    }

    /// 16 random hex digits: the name of the account's folder, never reused, never derived
    /// from anything a user typed.
    static func newAccountID() -> String {
        var g = SystemRandomNumberGenerator()
        return String(format: "%016llx", g.next() as UInt64)
    }

    public func account(named name: AccountName) throws -> AccountRecord? {
        try locked {
            guard let d = try findDomainLocked(name.domain.value) else { return nil }
            return try findAccountLocked(local: name.local, domain: d.id)
        }
    }

    public func account(id: String) throws -> AccountRecord? {
        try locked { try accountLocked(id: id) }
    }

    public func requireAccount(_ name: AccountName) throws -> AccountRecord {
        guard let a = try account(named: name) else { throw StoreError.nonexistent("account \(name) does not exist") }
        return a
    }

    func accountLocked(id: String) throws -> AccountRecord? {
        let s = try db.statement("SELECT \(Directory.accountColumns) FROM account a JOIN domain d ON d.id = a.domain WHERE a.id = ?").bind(.text(id))
        return try s.step() ? try Directory.accountRecord(s) : nil
    }

    func findAccountLocked(local: String, domain: Int64) throws -> AccountRecord? {
        let s = try db.statement("SELECT \(Directory.accountColumns) FROM account a JOIN domain d ON d.id = a.domain WHERE a.domain = ? AND a.local = ?")
            .bind(.int(domain), .text(local))
        return try s.step() ? try Directory.accountRecord(s) : nil
    }

    /// All accounts, or those of one domain, sorted by domain and name.
    public func accounts(domain: String? = nil) throws -> [AccountRecord] {
        try locked {
            var result: [AccountRecord] = []
            if let domain {
                let d = try requireDomainLocked(domain)
                let s = try db.statement("SELECT \(Directory.accountColumns) FROM account a JOIN domain d ON d.id = a.domain WHERE a.domain = ? ORDER BY a.local").bind(.int(d.id))
                while try s.step() { result.append(try Directory.accountRecord(s)) }
            } else {
                let s = try db.statement("SELECT \(Directory.accountColumns) FROM account a JOIN domain d ON d.id = a.domain ORDER BY d.name, a.local")
                while try s.step() { result.append(try Directory.accountRecord(s)) }
            }
            return result
        }
    }

    public func setPasswordHash(_ name: AccountName, _ hash: String) throws {
        let a = try requireAccount(name)
        try locked { try db.statement("UPDATE account SET password = ? WHERE id = ?").bind(.text(hash), .text(a.id)).run() }
    }

    public func setQuota(_ name: AccountName, _ quota: Int64?) throws {
        let a = try requireAccount(name)
        try locked { try db.statement("UPDATE account SET quota = ? WHERE id = ?").bind(.optionalInt(quota), .text(a.id)).run() }
    }

    /// Renames an account, possibly into another domain. Its id, and so its files, stay.
    public func renameAccount(_ old: AccountName, to new: AccountName) throws {
        try locked {
            try db.transaction {
                let from = try requireDomainLocked(old.domain.value)
                guard let account = try findAccountLocked(local: old.local, domain: from.id) else {
                    throw StoreError.nonexistent("account \(old) does not exist")
                }
                let to = try requireDomainLocked(new.domain.value)
                guard try findAccountLocked(local: new.local, domain: to.id) == nil,
                      try aliasOwnerLocked(local: new.local, domain: to.id) == nil else {
                    throw StoreError.alreadyExists("\(new) is already taken")
                }
                try db.statement("UPDATE account SET local = ?, domain = ? WHERE id = ?").bind(.text(new.local), .int(to.id), .text(account.id)).run()
            }
        }
    }

    func deleteAccount(id: String) throws {
        try locked {
            try db.transaction {
                try db.statement("DELETE FROM acl_grant WHERE owner = ? OR grantee = ?").bind(.text(id), .text(id)).run()
                try db.statement("DELETE FROM account WHERE id = ?").bind(.text(id)).run()
            }
        }
    }

    // MARK: The grant index

    /// Notes that `grantee` (an account id or `anyone`) may see `mailbox` of `owner`.
    func addGrant(grantee: String, owner: String, mailbox: MailboxID) throws {
        try locked {
            try db.statement("INSERT OR IGNORE INTO acl_grant(grantee, owner, mailbox) VALUES(?, ?, ?)")
                .bind(.text(grantee), .text(owner), .int(mailbox)).run()
        }
    }

    func removeGrant(grantee: String, owner: String, mailbox: MailboxID) throws {
        try locked {
            try db.statement("DELETE FROM acl_grant WHERE grantee = ? AND owner = ? AND mailbox = ?")
                .bind(.text(grantee), .text(owner), .int(mailbox)).run()
        }
    }

    func removeGrants(owner: String, mailbox: MailboxID) throws {
        try locked {
            try db.statement("DELETE FROM acl_grant WHERE owner = ? AND mailbox = ?").bind(.text(owner), .int(mailbox)).run()
        }
    }

    /// The foreign mailboxes that any of `grantees` may have been given the lookup right on,
    /// as (owner account id, mailbox id), owners in no particular order.
    public func grants(to grantees: [String]) throws -> [(owner: String, mailbox: MailboxID)] {
        try locked {
            var result: [(String, MailboxID)] = []
            let s = try db.statement("SELECT owner, mailbox FROM acl_grant WHERE grantee = ?")
            for grantee in grantees {
                s.reset()
                s.bind(.text(grantee))
                while try s.step() { result.append((s.text(0) ?? "", s.int64(1))) }
            }
            return result
        }
    }

    // MARK: Administrator rights

    public func grant(_ name: AccountName, _ right: AdminRight, domain: String? = nil) throws {
        let a = try requireAccount(name)
        try locked {
            let domainID: Int64? = try right == .canAccessMailboxes ? requireDomainLocked(domain ?? a.name.domain.value).id : nil
            try db.statement("INSERT OR IGNORE INTO admin_right(account, right, domain) VALUES(?, ?, ?)")
                .bind(.text(a.id), .text(right.rawValue), .optionalInt(domainID)).run()
        }
    }

    public func revoke(_ name: AccountName, _ right: AdminRight, domain: String? = nil) throws {
        let a = try requireAccount(name)
        try locked {
            if right == .canAccessMailboxes {
                let d = try requireDomainLocked(domain ?? a.name.domain.value)
                try db.statement("DELETE FROM admin_right WHERE account = ? AND right = ? AND domain = ?")
                    .bind(.text(a.id), .text(right.rawValue), .int(d.id)).run()
            } else {
                try db.statement("DELETE FROM admin_right WHERE account = ? AND right = ?").bind(.text(a.id), .text(right.rawValue)).run()
            }
            guard db.changes > 0 else { throw StoreError.nonexistent("\(name) does not hold \(right.rawValue)") }
        }
    }

    public func grants(of accountID: String) throws -> [AdminGrant] {
        try locked {
            let s = try db.statement("SELECT r.right, d.name FROM admin_right r LEFT JOIN domain d ON d.id = r.domain WHERE r.account = ? ORDER BY r.right, d.name")
                .bind(.text(accountID))
            var result: [AdminGrant] = []
            while try s.step() {
                if let right = AdminRight(rawValue: s.text(0) ?? "") { result.append(AdminGrant(right: right, domain: s.text(1))) }
            }
            return result
        }
    }

    /// Whether `admin` may open `target`'s mailboxes with all rights: a server administrator
    /// (all-accounts) any account, a domain administrator (can-access-mailboxes) those of
    /// their domains.
    public func mayAdminister(_ admin: AccountRecord, _ target: AccountRecord) throws -> Bool {
        if admin.id == target.id { return true }
        for grant in try grants(of: admin.id) {
            switch grant.right {
            case .allAccounts: return true
            case .canAccessMailboxes where grant.domain == target.name.domain.value: return true
            case .canAccessMailboxes: continue
            }
        }
        return false
    }

    // MARK: Server metadata

    /// The server's shared METADATA entries of `names` and, to `depth`, below them (RFC 5464 §3.2.1.1).
    public func serverMetadata(_ names: [MetadataEntryName], depth: MetadataDepth) throws -> [MetadataEntry] {
        try locked { try MetadataRows.read(db, mailbox: 0, account: "", names: names.filter { $0.scope == .shared }, depth: depth) }
    }

    /// Sets or (nil) removes server entries; only shared ones live here.
    public func setServerMetadata(_ changes: [(MetadataEntryName, [UInt8]?)]) throws {
        guard changes.allSatisfy({ $0.0.scope == .shared }) else { throw StoreError.invalidArgument("private server entries belong to an account") }
        try locked { try MetadataRows.write(db, mailbox: 0, account: "", changes) }
    }

    // MARK: Address aliases and router records

    /// Makes `alias` (a `name@domain`) deliver to and log in as `account`.
    public func addAddressAlias(_ alias: AccountName, for account: AccountName) throws {
        let target = try requireAccount(account)
        try locked {
            try db.transaction {
                let d = try requireDomainLocked(alias.domain.value)
                guard try findAccountLocked(local: alias.local, domain: d.id) == nil,
                      try aliasOwnerLocked(local: alias.local, domain: d.id) == nil else {
                    throw StoreError.alreadyExists("\(alias) is already taken")
                }
                try db.statement("INSERT INTO address_alias(domain, local, account) VALUES(?, ?, ?)")
                    .bind(.int(d.id), .text(alias.local), .text(target.id)).run()
            }
        }
    }

    public func removeAddressAlias(_ alias: AccountName) throws {
        try locked {
            let d = try requireDomainLocked(alias.domain.value)
            try db.statement("DELETE FROM address_alias WHERE domain = ? AND local = ?").bind(.int(d.id), .text(alias.local)).run()
            guard db.changes > 0 else { throw StoreError.nonexistent("no alias \(alias)") }
        }
    }

    /// Every address alias as (alias, account name).
    public func addressAliases() throws -> [(alias: String, account: String)] {
        try locked {
            let s = try db.statement("""
                SELECT x.local || '@' || d.name, a.local || '@' || ad.name FROM address_alias x
                JOIN domain d ON d.id = x.domain JOIN account a ON a.id = x.account JOIN domain ad ON ad.id = a.domain
                ORDER BY d.name, x.local
                """)
            var result: [(String, String)] = []
            while try s.step() { result.append((s.text(0) ?? "", s.text(1) ?? "")) }
            return result
        }
    }

    func aliasOwnerLocked(local: String, domain: Int64) throws -> AccountRecord? {
        let s = try db.statement("SELECT account FROM address_alias WHERE domain = ? AND local = ?").bind(.int(domain), .text(local))
        guard try s.step(), let id = s.text(0) else { return nil }
        s.reset()
        return try accountLocked(id: id)
    }

    public func addRoute(_ pattern: String, to target: String) throws {
        let p = pattern.lowercased(), t = target.lowercased()
        let patternAddress = Address(p)
        guard let domain = patternAddress.domain, !patternAddress.local.isEmpty, patternAddress.detail == nil,
              patternAddress.local.count(where: { $0 == "*" }) <= 1 else {
            throw StoreError.invalidArgument("a route pattern is name@domain, or a name with one * wildcard such as *@domain or sales-*@domain")
        }
        _ = try DomainName(domain)
        guard Address(t).domain != nil else { throw StoreError.invalidArgument("a route target is an address with a domain") }
        let stars = t.count(where: { $0 == "*" })
        guard stars <= 1, stars == 0 || patternAddress.local.contains("*") else {
            throw StoreError.invalidArgument("a route target has at most one *, and only when the pattern has one")
        }
        try locked {
            try db.statement("INSERT INTO route(pattern, target) VALUES(?, ?) ON CONFLICT(pattern) DO UPDATE SET target = excluded.target")
                .bind(.text(p), .text(t)).run()
        }
    }

    public func removeRoute(_ pattern: String) throws {
        try locked {
            try db.statement("DELETE FROM route WHERE pattern = ?").bind(.text(pattern.lowercased())).run()
            guard db.changes > 0 else { throw StoreError.nonexistent("no route \(pattern)") }
        }
    }

    public func routes() throws -> [RouteRecord] {
        try locked {
            let s = try db.statement("SELECT pattern, target FROM route ORDER BY pattern")
            var result: [RouteRecord] = []
            while try s.step() { result.append(RouteRecord(pattern: s.text(0) ?? "", target: s.text(1) ?? "")) }
            return result
        }
    }

    /// An exact router record (`name@domain`) applies before accounts and aliases.
    func exactRouteLocked(local: String, domain: String) throws -> String? {
        let s = try db.statement("SELECT target FROM route WHERE pattern = ?").bind(.text("\(local)@\(domain)"))
        return try s.step() ? s.text(0) : nil
    }

    /// A domain's wildcard records catch the names no account or alias holds: of those that
    /// match, the one with the longest literal part (`sales-*@d` before `*@d`); `*` in its
    /// target stands for what the pattern's `*` matched.
    func wildcardRouteLocked(local: String, domain: String) throws -> String? {
        // GLOB's own `*` and the `[*]` that matches a literal one; domain names hold no GLOB characters.
        let s = try db.statement("SELECT pattern, target FROM route WHERE pattern GLOB ? ORDER BY pattern")
            .bind(.text("*[*]*@\(domain)"))
        var best: (record: RouteRecord, match: String)?
        while try s.step() {
            let record = RouteRecord(pattern: s.text(0) ?? "", target: s.text(1) ?? "")
            guard let match = record.wildcardMatch(local: local) else { continue }
            if best == nil || record.literalLength > best!.record.literalLength { best = (record, match) }
        }
        s.reset()
        guard let best else { return nil }
        return best.record.target.replacingOccurrences(of: "*", with: best.match)
    }

    // MARK: IP-to-domain bindings

    public func bind(address: String, to domain: String) throws {
        try locked {
            let d = try requireDomainLocked(domain)
            try db.statement("INSERT INTO ip_binding(address, domain) VALUES(?, ?) ON CONFLICT(address) DO UPDATE SET domain = excluded.domain")
                .bind(.text(address), .int(d.id)).run()
        }
    }

    public func unbind(address: String) throws {
        try locked {
            try db.statement("DELETE FROM ip_binding WHERE address = ?").bind(.text(address)).run()
            guard db.changes > 0 else { throw StoreError.nonexistent("no binding for \(address)") }
        }
    }

    public func bindings() throws -> [(address: String, domain: String)] {
        try locked {
            let s = try db.statement("SELECT b.address, d.name FROM ip_binding b JOIN domain d ON d.id = b.domain ORDER BY b.address")
            var result: [(String, String)] = []
            while try s.step() { result.append((s.text(0) ?? "", s.text(1) ?? "")) }
            return result
        }
    }

    // MARK: Resolution

    /// Finds the account an address names, for a login or a delivery: the domain from the
    /// address, else the one bound to `localAddress` (the address the client connected to),
    /// else the main domain; then router records, accounts and address aliases.
    /// For a delivery (`delivery` true), names nothing else holds go where the domain's
    /// "Mail to Unknown" setting sends them; logins never take that path.
    public func resolve(_ address: Address, localAddress: String? = nil, delivery: Bool = false) throws -> Resolution? {
        try locked {
            var local = address.local
            var domainName: String
            if let d = address.domain {
                domainName = d
            } else if let bound = try boundDomainLocked(localAddress) {
                domainName = bound
            } else {
                let s = try db.statement("SELECT name FROM domain WHERE is_main = 1")
                guard try s.step(), let main = s.text(0) else { return nil }
                s.reset()
                domainName = main
            }
            var detail = address.detail
            // Router records may chain; a loop of them ends here.
            for _ in 0..<8 {
                guard let domain = try findDomainLocked(domainName) else { return nil }
                let target: String
                if let exact = try exactRouteLocked(local: local, domain: domain.name) {
                    target = exact
                } else if let account = try findAccountLocked(local: local, domain: domain.id) ?? aliasOwnerLocked(local: local, domain: domain.id) {
                    return Resolution(account: account, detail: detail)
                } else if let wildcard = try wildcardRouteLocked(local: local, domain: domain.name) {
                    target = wildcard
                } else if delivery, let unknown = domain.settings.unknownMail {
                    target = unknown
                } else {
                    return nil
                }
                let next = Address(target)
                local = next.local
                domainName = next.domain ?? domain.name
                detail = detail ?? next.detail
            }
            return nil
        }
    }

    func boundDomainLocked(_ localAddress: String?) throws -> String? {
        guard let localAddress else { return nil }
        let s = try db.statement("SELECT d.name FROM ip_binding b JOIN domain d ON d.id = b.domain WHERE b.address = ?").bind(.text(localAddress))
        return try s.step() ? s.text(0) : nil
    }

    // MARK: Templates

    /// The domain's account template, or the built-in one.
    public func template(for domain: String) throws -> AccountTemplate {
        try locked {
            let d = try requireDomainLocked(domain)
            let s = try db.statement("SELECT body FROM template WHERE domain = ?").bind(.int(d.id))
            guard try s.step(), let body = s.text(0) else { return .standard }
            return try AccountTemplate(json: body)
        }
    }

    public func setTemplate(_ template: AccountTemplate, for domain: String) throws {
        try locked {
            let d = try requireDomainLocked(domain)
            try db.statement("INSERT INTO template(domain, body) VALUES(?, ?) ON CONFLICT(domain) DO UPDATE SET body = excluded.body")
                .bind(.int(d.id), .text(try template.json())).run()
        }
    }
}
