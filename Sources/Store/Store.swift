import Foundation

/// The data directory: `directory.sqlite` and one folder per account. One `Store` per
/// process; it hands out one shared `Account` object per account, so every session of
/// an account sees the others' changes at once.
public final class Store: @unchecked Sendable {
    public let root: String
    public let directory: Directory
    private let lock = NSLock()
    private var open: [String: Account] = [:]

    /// Opens the data directory, creating it when it does not exist.
    public init(root: String) throws {
        self.root = root
        try FileSystem.makeDirectory(root)
        try FileSystem.makeDirectory(root + "/accounts")
        directory = try Directory(path: root + "/directory.sqlite")
    }

    public func accountRoot(_ id: String) -> String { "\(root)/accounts/\(id)" }

    /// The store of an account, opened once per process.
    public func account(_ record: AccountRecord) throws -> Account {
        let account: Account = try lock.withLock {
            if let a = open[record.id] { return a }
            let a = try Account(id: record.id, root: accountRoot(record.id))
            open[record.id] = a
            return a
        }
        account.quota = record.quota
        return account
    }

    /// Lets every open account with listeners check whether another process (a `roost
    /// deliver`, a second server) changed it, and every account not read lately let go of
    /// the pages of its memory maps. Servers call this several times a second.
    public func pollExternalChanges() {
        for account in lock.withLock({ Array(open.values) }) {
            account.pollExternalChanges()
            account.releaseMappedPagesIfIdle()
        }
    }

    /// The same for one account, when another process says it changed it.
    public func pollExternalChanges(accountID: String) {
        lock.withLock { open[accountID] }?.pollExternalChanges()
    }

    /// Creates an account from its domain's template: its folder, its mailboxes and
    /// subscriptions. `passwordHash` is a crypt(3) string (see `Password`).
    @discardableResult
    public func createAccount(_ name: AccountName, passwordHash: String, quota: Int64? = nil) throws -> AccountRecord {
        let template = try directory.template(for: name.domain.value)
        let record = try directory.insertAccount(name, passwordHash: passwordHash, quota: quota ?? template.quota)
        do {
            let account = try self.account(record)
            for entry in template.mailboxes {
                do {
                    try account.createMailbox(entry.name, specialUse: entry.specialUse)
                } catch StoreError.alreadyExists {
                    continue  // an ancestor of an earlier entry, or INBOX listed twice
                }
            }
            if (try? account.mailbox(named: MailboxPath.inbox)) == nil {
                try account.createMailbox(MailboxPath.inbox)
            }
            for name in template.subscriptions { try account.subscribe(name) }
            for alias in template.aliases ?? [] { try account.setMailboxAlias(alias.name, target: alias.target) }
        } catch {
            try? removeAccount(name)
            throw error
        }
        return record
    }

    /// Removes an account and everything it stored: the directory entry first (so nothing can
    /// log in or deliver), then its folder.
    public func removeAccount(_ name: AccountName) throws {
        let record = try directory.requireAccount(name)
        try directory.deleteAccount(id: record.id)
        _ = lock.withLock { open.removeValue(forKey: record.id) }
        let path = accountRoot(record.id)
        if FileSystem.exists(path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw StoreError.io("account \(name) is removed but its folder \(path) could not be: \(error.localizedDescription)")
            }
        }
    }

    /// Account folders that no directory entry names (left by a crash during removal).
    public func orphanFolders() throws -> [String] {
        let ids = Set(try directory.accounts().map(\.id))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: root + "/accounts")) ?? []
        return present.filter { !ids.contains($0) }.sorted()
    }
}
