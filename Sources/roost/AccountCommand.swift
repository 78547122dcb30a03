import ArgumentParser
import Store

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Accounts: name@domain, a password, a quota, and their mail.",
        subcommands: [Add.self, List.self, Passwd.self, Quota.self, Rename.self, Remove.self])

    /// A password from stdin or a ready-made hash (for migrations).
    struct PasswordOptions: ParsableArguments {
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: ArgumentHelp("A crypt(3) hash, or Dovecot's {SCHEME}hash form, to store as it is.", valueName: "hash"))
        var passwordHash: String?

        func storedHash() throws -> String {
            switch (passwordStdin, passwordHash) {
            case (true, nil): return try Password.hash(try readPasswordFromStdin())
            case (false, let given?): return try Password.importing(given)
            case (true, _?): throw Failure(message: "give either --password-stdin or --password-hash, not both", code: 64)
            case (false, nil): throw Failure(message: "give the password with --password-stdin or --password-hash", code: 64)
            }
        }
    }

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account with its domain's template mailboxes (INBOX, Sent, Drafts, Trash, Junk).")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String
        @OptionGroup var password: PasswordOptions
        @Option(help: "Storage quota like 500M or 2G (default: the template's, else none).") var quota: String?

        func run(store: Store) throws {
            let account = try accountName(name)
            let record = try store.createAccount(account, passwordHash: try password.storedHash(), quota: try quota.flatMap(parseSize))
            print("account \(record.name) added")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts with their usage and quota.")
        @OptionGroup var options: DataOptions
        @Option(help: "Only this domain's accounts.") var domain: String?

        func run(store: Store) throws {
            for record in try store.directory.accounts(domain: domain) {
                let usage = (try? store.account(record).usage()) ?? 0
                let quota = record.quota.map(formatBytes) ?? "no quota"
                let rights = try store.directory.grants(of: record.id).map { g in g.domain.map { "\(g.right.rawValue)(\($0))" } ?? g.right.rawValue }
                print("\(record.name)\t\(formatBytes(usage)) of \(quota)\(rights.isEmpty ? "" : "\t" + rights.joined(separator: " "))")
            }
        }
    }

    struct Passwd: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String
        @OptionGroup var password: PasswordOptions

        func run(store: Store) throws {
            let account = try accountName(name)
            try store.directory.setPasswordHash(account, try password.storedHash())
            print("password of \(account) changed")
        }
    }

    struct Quota: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's storage quota (or none).")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String
        @Argument(help: "A size like 500M or 2G, or none.") var size: String

        func run(store: Store) throws {
            let account = try accountName(name)
            let quota = try parseSize(size)
            try store.directory.setQuota(account, quota)
            print("quota of \(account): \(quota.map(formatBytes) ?? "none")")
        }
    }

    struct Rename: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Rename an account (its mail stays where it is).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The current name@domain.") var old: String
        @Argument(help: "The new name@domain.") var new: String

        func run(store: Store) throws {
            let from = try accountName(old), to = try accountName(new)
            try store.directory.renameAccount(from, to: to)
            print("account \(from) renamed to \(to)")
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account and all its mail.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String

        func run(store: Store) throws {
            let account = try accountName(name)
            try store.removeAccount(account)
            print("account \(account) removed")
        }
    }
}

struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administrator rights: all-accounts (server-wide) and can-access-mailboxes (one domain).",
        subcommands: [Grant.self, Revoke.self, List.self])

    struct Grant: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Grant an administrator right.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String
        @Argument(help: "all-accounts or can-access-mailboxes") var right: String
        @Option(help: "For can-access-mailboxes: the domain (default: the account's own).") var domain: String?

        func run(store: Store) throws {
            let account = try accountName(name)
            let r = try AdminCommand.adminRight(right)
            try store.directory.grant(account, r, domain: domain)
            print("\(account) holds \(r.rawValue)\(r == .canAccessMailboxes ? " in \(domain?.lowercased() ?? account.domain.value)" : "")")
        }
    }

    struct Revoke: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an administrator right.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var name: String
        @Argument(help: "all-accounts or can-access-mailboxes") var right: String
        @Option(help: "For can-access-mailboxes: the domain (default: the account's own).") var domain: String?

        func run(store: Store) throws {
            let account = try accountName(name)
            let r = try AdminCommand.adminRight(right)
            try store.directory.revoke(account, r, domain: domain)
            print("\(account) no longer holds \(r.rawValue)\(r == .canAccessMailboxes ? " in \(domain?.lowercased() ?? account.domain.value)" : "")")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts holding administrator rights.")
        @OptionGroup var options: DataOptions

        func run(store: Store) throws {
            for record in try store.directory.accounts() {
                for g in try store.directory.grants(of: record.id) {
                    print("\(record.name)\t\(g.right.rawValue)\(g.domain.map { "\t\($0)" } ?? "")")
                }
            }
        }
    }

    static func adminRight(_ text: String) throws -> AdminRight {
        guard let r = AdminRight(rawValue: text.lowercased()) else {
            throw Failure(message: "'\(text)' is not a right: use all-accounts or can-access-mailboxes", code: 64)
        }
        return r
    }
}
