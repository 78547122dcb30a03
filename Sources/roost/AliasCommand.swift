import ArgumentParser
import Store

struct AliasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Aliases: other addresses of an account, other names of mailboxes.",
        subcommands: [Address.self, Mailbox.self])

    struct Address: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Address aliases: mail and logins for name@domain reach an account.",
            subcommands: [Add.self, Remove.self, List.self])
    }

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Make ALIAS another address of ACCOUNT.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The alias, name@domain.") var alias: String
        @Argument(help: "The account, name@domain.") var account: String

        func run(store: Store) throws {
            let a = try accountName(alias), target = try accountName(account)
            try store.directory.addAddressAlias(a, for: target)
            print("\(a) is now an alias of \(target)")
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an address alias.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The alias, name@domain.") var alias: String

        func run(store: Store) throws {
            let a = try accountName(alias)
            try store.directory.removeAddressAlias(a)
            print("alias \(a) removed")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List address aliases.")
        @OptionGroup var options: DataOptions

        func run(store: Store) throws {
            for (alias, account) in try store.directory.addressAliases() { print("\(alias)\t\(account)") }
        }
    }
}

extension AliasCommand {
    struct Mailbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mailbox aliases: a name in an account that stands for a mailbox, another user's too (~owner/name).",
            subcommands: [Add.self, Remove.self, List.self])

        struct Add: StoreCommand {
            static let configuration = CommandConfiguration(abstract: "Make ALIAS in ACCOUNT stand for TARGET.")
            @OptionGroup var options: DataOptions
            @Argument(help: "The account, name@domain.") var account: String
            @Argument(help: "The alias, a mailbox name (mkt-announce).") var alias: String
            @Argument(help: "The mailbox it stands for: a name of the account, or ~owner/name.") var target: String

            func run(store: Store) throws {
                let a = try store.account(try store.directory.requireAccount(try accountName(account)))
                try a.setMailboxAlias(alias, target: target)
                print("\(alias) in \(try accountName(account)) now stands for \(target)")
            }
        }

        struct Remove: StoreCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a mailbox alias.")
            @OptionGroup var options: DataOptions
            @Argument(help: "The account, name@domain.") var account: String
            @Argument var alias: String

            func run(store: Store) throws {
                let a = try store.account(try store.directory.requireAccount(try accountName(account)))
                try a.removeMailboxAlias(alias)
                print("mailbox alias \(alias) removed")
            }
        }

        struct List: StoreCommand {
            static let configuration = CommandConfiguration(abstract: "List an account's mailbox aliases.")
            @OptionGroup var options: DataOptions
            @Argument(help: "The account, name@domain.") var account: String

            func run(store: Store) throws {
                let a = try store.account(try store.directory.requireAccount(try accountName(account)))
                for (name, target) in try a.mailboxAliases() { print("\(name)\t\(target)") }
            }
        }
    }
}

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Router records: name@domain -> address applies before accounts; a name with one '*' (*@domain, sales-*@domain) catches names no account holds ('*' in the target is what it matched).",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Add or replace a router record.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain, or a name with one * such as *@domain or sales-*@domain") var pattern: String
        @Argument(help: "The address it goes to.") var target: String

        func run(store: Store) throws {
            try store.directory.addRoute(pattern, to: target)
            print("\(pattern.lowercased()) -> \(target.lowercased())")
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a router record.")
        @OptionGroup var options: DataOptions
        @Argument var pattern: String

        func run(store: Store) throws {
            try store.directory.removeRoute(pattern)
            print("route \(pattern.lowercased()) removed")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List router records.")
        @OptionGroup var options: DataOptions

        func run(store: Store) throws {
            for r in try store.directory.routes() { print("\(r.pattern)\t\(r.target)") }
        }
    }
}

struct MailboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox", abstract: "An account's mailboxes.",
        subcommands: [List.self, Create.self, Delete.self, Rename.self])

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's mailboxes with their counters.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var account: String

        func run(store: Store) throws {
            let a = try store.account(try store.directory.requireAccount(try accountName(account)))
            print("NAME\tMESSAGES\tUNSEEN\tSIZE\tUIDVALIDITY\tUIDNEXT\tSPECIAL-USE")
            for m in try a.mailboxes() {
                print("\(m.name)\t\(m.messages)\t\(m.unseen)\t\(m.size)\t\(m.uidValidity)\t\(m.uidNext)\t\(m.specialUse ?? "")")
            }
        }
    }

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Create a mailbox.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var account: String
        @Argument(help: "The mailbox name, levels separated by '/'.") var name: String
        @Option(help: "An RFC 6154 attribute such as \\Archive.") var specialUse: String?

        func run(store: Store) throws {
            let a = try store.account(try store.directory.requireAccount(try accountName(account)))
            let m = try a.createMailbox(name, specialUse: specialUse)
            print("mailbox \(m.name) created")
        }
    }

    struct Delete: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a mailbox and its messages.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var account: String
        @Argument var name: String

        func run(store: Store) throws {
            let a = try store.account(try store.directory.requireAccount(try accountName(account)))
            try a.deleteMailbox(name)
            print("mailbox \(name) deleted")
        }
    }

    struct Rename: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a mailbox with its children.")
        @OptionGroup var options: DataOptions
        @Argument(help: "name@domain") var account: String
        @Argument var old: String
        @Argument var new: String

        func run(store: Store) throws {
            let a = try store.account(try store.directory.requireAccount(try accountName(account)))
            try a.renameMailbox(old, to: new)
            print("mailbox \(old) renamed to \(new)")
        }
    }
}
