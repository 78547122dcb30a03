import ArgumentParser
import Store

struct DomainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "Domains, their aliases, and the local addresses bound to them.",
        subcommands: [Add.self, List.self, Remove.self, Alias.self, Bind.self, Unbind.self, UnknownMail.self])

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Add a domain (the first one added is the main domain).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The domain name.") var name: String
        @Flag(help: "Make it the main domain: bare login names take it.") var main = false

        func run(store: Store) throws {
            let d = try store.directory.addDomain(name, main: main)
            print("domain \(d.name) added\(d.isMain ? " (main)" : "")")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "List domains with their aliases and bound addresses.")
        @OptionGroup var options: DataOptions

        func run(store: Store) throws {
            let bindings = try store.directory.bindings()
            for d in try store.directory.domains() {
                var line = d.name
                if d.isMain { line += " (main)" }
                if !d.aliases.isEmpty { line += " aliases: " + d.aliases.joined(separator: ", ") }
                if let unknown = d.settings.unknownMail { line += " unknown-mail: " + unknown }
                let bound = bindings.filter { $0.domain == d.name }.map(\.address)
                if !bound.isEmpty { line += " bound: " + bound.joined(separator: ", ") }
                print(line)
            }
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a domain that has no accounts.")
        @OptionGroup var options: DataOptions
        @Argument var name: String

        func run(store: Store) throws {
            try store.directory.removeDomain(name)
            print("domain \(name.lowercased()) removed")
        }
    }

    struct Alias: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Other names of a domain: mail and logins for the alias reach the domain.",
            subcommands: [AddAlias.self, RemoveAlias.self])
    }

    struct AddAlias: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add ALIAS as another name of DOMAIN.")
        @OptionGroup var options: DataOptions
        @Argument var alias: String
        @Argument var domain: String

        func run(store: Store) throws {
            try store.directory.addDomainAlias(alias, for: domain)
            print("\(alias.lowercased()) is now an alias of \(domain.lowercased())")
        }
    }

    struct RemoveAlias: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a domain alias.")
        @OptionGroup var options: DataOptions
        @Argument var alias: String

        func run(store: Store) throws {
            try store.directory.removeDomainAlias(alias)
            print("domain alias \(alias.lowercased()) removed")
        }
    }

    struct UnknownMail: StoreCommand {
        static let configuration = CommandConfiguration(
            commandName: "unknown-mail",
            abstract: "Where a domain's mail for unknown names goes: an address, or 'reject' (550 5.1.1, the default).")
        @OptionGroup var options: DataOptions
        @Argument var domain: String
        @Argument(help: "An address such as catchall@example.com, or reject.") var target: String

        func run(store: Store) throws {
            let reject = target.lowercased() == "reject"
            try store.directory.setSettings(DomainSettings(unknownMail: reject ? nil : target.lowercased()), for: domain)
            print(reject ? "mail to unknown names of \(domain.lowercased()) is rejected" : "mail to unknown names of \(domain.lowercased()) goes to \(target.lowercased())")
        }
    }

    struct Bind: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bind a local IP address to a domain: bare login names on connections to it take that domain.")
        @OptionGroup var options: DataOptions
        @Argument(help: "A local address the server listens on, like 192.0.2.10 or ::1.") var address: String
        @Argument var domain: String

        func run(store: Store) throws {
            try store.directory.bind(address: address, to: domain)
            print("\(address) bound to \(domain.lowercased())")
        }
    }

    struct Unbind: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the binding of a local IP address.")
        @OptionGroup var options: DataOptions
        @Argument var address: String

        func run(store: Store) throws {
            try store.directory.unbind(address: address)
            print("\(address) unbound")
        }
    }
}
