import ArgumentParser
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export mail for a backup or for leaving: an account as a Maildir++ tree, a mailbox as an mbox file.",
        discussion: "Exports never overwrite: the target must not exist (a Maildir target may be an empty directory).",
        subcommands: [Maildir.self, Mbox.self])

    struct Maildir: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every mailbox of an account as a Maildir++ tree.",
            discussion: """
                Files hold the stored bytes exactly; flags are in the file names, keywords in \
                dovecot-keywords, internal dates in the files' modification times, UIDVALIDITY and UIDs \
                in dovecot-uidlist: Dovecot and roost import maildir read it all back.
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "The Maildir root to create.") var directory: String
        @Option(help: "The account to export (name@domain).") var account: String

        func run(store: Store) throws {
            let record = try store.directory.requireAccount(try accountName(account))
            let bar = ProgressBar("exporting") { "\($0)/\($1) messages" }
            let report = try runMigration(bar) {
                try MaildirExport(account: try store.account(record), to: directory).run(progress: bar.update)
            }
            for warning in report.warnings { bar.note("roost: \(warning)") }
            print("exported \(report.messages) message(s), \(formatBytes(report.bytes)), in \(report.mailboxes) mailbox(es) of \(record.name) to \(directory)")
        }
    }

    struct Mbox: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export one mailbox as an mboxrd file.",
            discussion: """
                Flags go into Status, X-Status and X-Keywords fields at the top of each message's header, \
                the internal date into its From line; roost import mbox reads them back and removes them.
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "The mbox file to create.") var file: String
        @Option(help: "The account (name@domain).") var account: String
        @Option(help: "The mailbox to export.") var mailbox: String

        func run(store: Store) throws {
            let record = try store.directory.requireAccount(try accountName(account))
            let bar = ProgressBar("exporting") { "\($0)/\($1) messages" }
            let report = try runMigration(bar) {
                try MboxExport(account: try store.account(record), mailbox: mailbox, to: file).run(progress: bar.update)
            }
            print("exported \(report.messages) message(s), \(formatBytes(report.bytes)), of \(record.name) \(mailbox) to \(file)")
        }
    }
}
