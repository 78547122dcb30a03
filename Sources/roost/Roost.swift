import ArgumentParser
import Foundation
import Store

@main
struct Roost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Roost mail store: domains, accounts, mailboxes and their messages in one data directory.",
        version: "0.1.0",
        subcommands: [
            DomainCommand.self, AccountCommand.self, AdminCommand.self, AliasCommand.self, RouteCommand.self,
            MailboxCommand.self, TemplateCommand.self, ACLAdminCommand.self, DeliverCommand.self, ImportCommand.self, ExportCommand.self, CheckCommand.self, CompactCommand.self, StatsCommand.self,
            ServeCommand.self,
        ])
}

/// `--data DIR`, falling back to `ROOST_DATA`, then `./roost-data`.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (default: $ROOST_DATA, else ./roost-data).", valueName: "dir"))
    var data: String?

    var path: String {
        if let data { return data }
        if let env = ProcessInfo.processInfo.environment["ROOST_DATA"], !env.isEmpty { return env }
        return "./roost-data"
    }

    func openStore() throws -> Store {
        do {
            return try Store(root: path)
        } catch {
            throw Failure(message: "cannot open the data directory \(path): \(error)", code: 75)
        }
    }
}

/// An error the user gets as one line on stderr and an exit code.
struct Failure: Error {
    var message: String
    var code: Int32 = 1
}

/// A subcommand that works on the store. Errors become one line on stderr and an exit
/// code, never a trap or a stack of usage text.
protocol StoreCommand: ParsableCommand {
    var options: DataOptions { get }
    func run(store: Store) throws
}

extension StoreCommand {
    func run() throws {
        do {
            try run(store: try options.openStore())
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("roost: \(failure.message)\n".utf8))
            throw ExitCode(failure.code)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("roost: \(error)\n".utf8))
            throw ExitCode(Self.exitCode(for: error))
        }
    }

    /// sysexits(3) codes, so mail software calling us can tell a retry from a bounce.
    static func exitCode(for error: StoreError) -> Int32 {
        switch error {
        case .nonexistent: return 67          // EX_NOUSER
        case .invalidName, .invalidArgument: return 64  // EX_USAGE
        case .overQuota: return 73            // EX_CANTCREAT
        case .notPermitted, .alreadyExists: return 1
        case .corrupted: return 70            // EX_SOFTWARE
        case .io, .noSpace, .database: return 75  // EX_TEMPFAIL
        }
    }
}

/// Reads a password from the first line of standard input.
func readPasswordFromStdin() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw Failure(message: "no password on standard input", code: 64)
    }
    return line.hasSuffix("\r") ? String(line.dropLast()) : line
}

/// "100M", "2G", "512K", "12345", or "none".
func parseSize(_ text: String) throws -> Int64? {
    let t = text.trimmingCharacters(in: .whitespaces).uppercased()
    if t == "NONE" || t == "0" || t == "UNLIMITED" { return nil }
    let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
    var digits = Substring(t)
    var multiplier: Int64 = 1
    if let last = t.last, let u = units[last] {
        multiplier = u
        digits = t.dropLast()
    } else if t.hasSuffix("B") {
        digits = t.dropLast()
    }
    guard let n = Int64(digits), n > 0 else { throw Failure(message: "'\(text)' is not a size (like 500M, 2G, or none)", code: 64) }
    return n * multiplier
}

func formatBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}

func accountName(_ text: String) throws -> AccountName {
    try AccountName(parsing: text)
}
