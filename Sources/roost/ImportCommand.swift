import ArgumentParser
import Foundation
import Store

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import mail from another server: a Maildir++ tree or an mbox file.",
        discussion: """
            Re-running an import stores only the messages the mailbox does not hold yet. Files or \
            messages that cannot be imported are reported on stderr and skipped; the exit code is \
            then 65. Other exit codes: 64 usage, 66 source unreadable, 67 unknown account, \
            73 over quota, 75 temporary failure.
            """,
        subcommands: [Maildir.self, Mbox.self])

    struct Maildir: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a Maildir++ tree (Dovecot, Courier) into an account.",
            discussion: """
                INBOX is the tree's root, folder .Sub.Folder becomes mailbox Sub/Folder. Flags come from \
                the file names (:2,DFPRST and Dovecot keyword letters), internal dates from the files' \
                modification times. A folder with a dovecot-uidlist keeps its UIDVALIDITY and UIDs, so \
                IMAP and POP3 clients do not download everything again.
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "The Maildir root: the folder holding cur/, new/ and the .Sub folders.") var directory: String
        @Option(help: "The account to import into (name@domain).") var account: String

        func run(store: Store) throws {
            let record = try store.directory.requireAccount(try accountName(account))
            guard FileManager.default.fileExists(atPath: directory) else { throw Failure(message: "\(directory) does not exist", code: 66) }
            let bar = ProgressBar("importing") { "\($0)/\($1) messages" }
            let report = try runMigration(bar) {
                try MaildirImport(root: directory, into: try store.account(record)).run(progress: bar.update) { bar.note("roost: skipped \($0)") }
            }
            try printSummary(report, account: record.name)
        }
    }

    struct Mbox: StoreCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an mbox file into one mailbox of an account.",
            discussion: """
                Flags come from the Status, X-Status and X-Keywords fields, which are removed from the \
                stored messages; internal dates from the From lines. --format mboxo reads files whose \
                writer quoted only "From " lines (">>From " is then left alone).
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "The mbox file.") var file: String
        @Option(help: "The account to import into (name@domain).") var account: String
        @Option(help: "The mailbox to import into; created when missing.") var mailbox: String
        @Option(help: "mboxrd (default) or mboxo.") var format: String = MboxFormat.mboxrd.rawValue

        func run(store: Store) throws {
            guard let mboxFormat = MboxFormat(rawValue: format) else {
                throw Failure(message: "'\(format)' is not an mbox format: use mboxrd or mboxo", code: 64)
            }
            let record = try store.directory.requireAccount(try accountName(account))
            guard FileManager.default.fileExists(atPath: file) else { throw Failure(message: "\(file) does not exist", code: 66) }
            let bar = ProgressBar("importing") { "\(formatBytes($0)) of \(formatBytes($1))" }
            let report = try runMigration(bar) {
                try MboxImport(file: file, into: try store.account(record), mailbox: mailbox, format: mboxFormat)
                    .run(progress: bar.update) { bar.note("roost: skipped \($0)") }
            }
            try printSummary(report, account: record.name)
        }
    }
}

/// Runs an import or export with its progress bar, turning its failures into one line.
func runMigration<T>(_ bar: ProgressBar, _ body: () throws -> T) throws -> T {
    defer { bar.clear() }
    do {
        return try body()
    } catch let error as MigrationError {
        switch error {
        case .unreadable: throw Failure(message: error.description, code: 66)     // EX_NOINPUT
        case .badFormat: throw Failure(message: error.description, code: 65)      // EX_DATAERR
        case .targetExists: throw Failure(message: error.description, code: 73)   // EX_CANTCREAT
        case .io: throw Failure(message: error.description, code: 74)             // EX_IOERR
        }
    }
}

/// One line per mailbox and a total; exit code 65 when something was skipped.
func printSummary(_ report: ImportReport, account: AccountName) throws {
    for m in report.mailboxes {
        var line = "\(m.name): \(m.imported) imported, \(m.alreadyPresent) already present; UIDVALIDITY \(m.uidValidity)"
        if m.uidsKept {
            line += m.renumbered > 0 ? ", UIDs kept but \(m.renumbered) taken (new UIDs)" : ", UIDs kept"
        } else {
            line += ", new UIDs"
            if let note = m.note { line += " (\(note))" }
        }
        print(line)
    }
    print("imported \(report.imported) message(s) into \(report.mailboxes.count) mailbox(es) of \(account): "
          + "\(report.alreadyPresent) already present, \(report.problems.count) skipped")
    if !report.problems.isEmpty {
        throw Failure(message: "\(report.problems.count) file(s) or message(s) could not be imported (listed above)", code: 65)
    }
}
