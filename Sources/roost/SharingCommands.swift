import ArgumentParser
import Foundation
import Store

struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "A domain's account template: the mailboxes, subscriptions, mailbox aliases and quota new accounts get.",
        subcommands: [Show.self, Set.self])

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Print a domain's template as JSON.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The domain.") var domain: String

        func run(store: Store) throws {
            print(try store.directory.template(for: try DomainName(domain).value).json())
        }
    }

    struct Set: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a domain's template from JSON (as `template show` prints it) on standard input or in a file.",
            discussion: """
                Keys: mailboxes [{name, specialUse}], subscriptions [name], aliases [{name, target}], quota (bytes). \
                Accounts created later get it; existing accounts are not changed.
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "The domain.") var domain: String
        @Option(help: "Read the JSON from this file instead of standard input.") var file: String?

        func run(store: Store) throws {
            let data: Data
            if let file {
                guard let d = FileManager.default.contents(atPath: file) else { throw Failure(message: "cannot read \(file)", code: 66) }
                data = d
            } else {
                data = FileHandle.standardInput.readDataToEndOfFile()
            }
            let template = try AccountTemplate(json: String(decoding: data, as: UTF8.self))
            for entry in template.mailboxes { _ = try MailboxPath.canonical(entry.name) }
            for entry in template.mailboxes {
                if let use = entry.specialUse, SpecialUse.canonical(use) == nil {
                    throw Failure(message: "\(use) is not a special-use attribute", code: 65)
                }
            }
            let name = try DomainName(domain).value
            try store.directory.setTemplate(template, for: name)
            print("template of \(name) set")
        }
    }
}

struct ACLAdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl",
        abstract: "Access control lists of mailboxes (RFC 4314 rights: l r s w i p k x t e a).",
        subcommands: [List.self, Set.self, Delete.self])

    static func mailbox(_ store: Store, _ account: String, _ name: String) throws -> (AccountRecord, Account, MailboxStatus) {
        let record = try store.directory.requireAccount(try accountName(account))
        let a = try store.account(record)
        return (record, a, try a.mailbox(named: name))
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Show a mailbox's ACL.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The owner, name@domain.") var account: String
        @Argument var mailbox: String

        func run(store: Store) throws {
            let (owner, a, m) = try ACLAdminCommand.mailbox(store, account, mailbox)
            print("\(owner.name.local)\t\(Rights.all.letters)\t(owner)")
            for entry in try a.acl(of: m.id) {
                print("\(try store.aclIdentifierName(entry.identifier, owner: owner) ?? entry.identifier)\t\(entry.rights.letters)")
            }
        }
    }

    struct Set: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Give an identifier rights on a mailbox (+rights adds, -rights removes).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The owner, name@domain.") var account: String
        @Argument var mailbox: String
        @Argument(help: "An account (bare names are in the owner's domain), anyone, or -name.") var identifier: String
        @Argument(help: "Rights such as lrs, +i or -w.") var rights: String

        func run(store: Store) throws {
            let (owner, a, m) = try ACLAdminCommand.mailbox(store, account, mailbox)
            guard let id = try store.aclIdentifier(identifier, owner: owner), id != owner.id, id != "-" + owner.id else {
                throw Failure(message: "\(identifier) names no other account", code: 67)
            }
            var text = rights
            let mode = text.first
            if mode == "+" || mode == "-" { text.removeFirst() }
            guard let given = Rights(letters: text) else { throw Failure(message: "'\(rights)' holds an unknown right", code: 64) }
            let current = try a.acl(of: m.id).first { $0.identifier == id }?.rights ?? []
            let updated = mode == "+" ? current.union(given) : mode == "-" ? current.subtracting(given) : given
            try store.setACL(updated, for: id, on: m.id, of: owner)
            print("\(identifier) has \(updated.letters.isEmpty ? "no rights" : updated.letters) on \(m.name) of \(owner.name)")
        }
    }

    struct Delete: StoreCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an identifier's entry from a mailbox's ACL.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The owner, name@domain.") var account: String
        @Argument var mailbox: String
        @Argument var identifier: String

        func run(store: Store) throws {
            let (owner, _, m) = try ACLAdminCommand.mailbox(store, account, mailbox)
            guard let id = try store.aclIdentifier(identifier, owner: owner) else { throw Failure(message: "\(identifier) names no account", code: 67) }
            try store.setACL([], for: id, on: m.id, of: owner)
            print("\(identifier) removed from the ACL of \(m.name)")
        }
    }
}
