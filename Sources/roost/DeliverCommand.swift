import ArgumentParser
import Foundation
import ServerCore
import Store

struct DeliverCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver one message from standard input (a local delivery agent).",
        discussion: """
            Exit codes follow sysexits(3), as mail transfer agents expect: 0 delivered, 64 usage, \
            65 empty or unusable message, 67 unknown recipient, 73 over quota, 75 temporary failure (retry later).
            """)
    @OptionGroup var options: DataOptions
    @Option(help: "The recipient: name@domain, an alias, or name+detail@domain.") var to: String
    @Option(help: "The mailbox to deliver into (default: the address detail's mailbox if it exists, else INBOX).")
    var mailbox: String?

    func run(store: Store) throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var bytes = [UInt8](input)
        // A leading mbox "From " envelope line (from a pipe transport) is not part of the message.
        if bytes.starts(with: Array("From ".utf8)), let eol = bytes.firstIndex(of: 10) {
            bytes.removeSubrange(0...eol)
        }
        bytes = LineEnds.crlf(bytes)
        guard !bytes.isEmpty else { throw Failure(message: "the message is empty", code: 65) }
        guard let resolution = try store.directory.resolve(Address(to), delivery: true) else {
            throw Failure(message: "unknown recipient \(to)", code: 67)
        }
        let account = try store.account(resolution.account)
        let target = [mailbox, resolution.detail].compactMap { $0 }.first { name in
            (try? account.mailbox(named: name)) != nil
        } ?? MailboxPath.inbox
        let box = try account.mailbox(named: target)
        let result = try account.append([NewMessage(bytes: bytes)], to: box.id)
        ChangeSignal.send(accountID: resolution.account.id, data: options.path)
        print("delivered to \(resolution.account.name) \(box.name) uid \(result.uids[0])")
    }
}

struct CheckCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the store: message bytes against their hashes, counters against a recount, no reused UIDs, no leftovers of interrupted writes; --repair puts right what it finds.",
        discussion: """
            Exits 0 when everything is sound, 1 with a report of each problem otherwise. Checking changes \
            nothing, except that a damaged full-text index is removed to be rebuilt (it is derived from the \
            mail, so that is not a problem of the mail). Leftovers of interrupted writes (bytes after a \
            segment's committed length, a compaction's unfinished output) are reported as they are: any \
            server or delivery that opens the account cuts them away too.

            --repair fixes what it finds, then checks again and exits 0 if the store is sound. It cuts \
            leftovers of interrupted writes and sets counters and reference counts to a recount. A message \
            holding a UID that had been expunged before gets a new UID above all others. A message \
            whose bytes no longer match their hash (damaged on disk) is kept with its bytes as they are now, \
            indexed again from them, and named in the output. An index.sqlite that fails SQLite's integrity \
            check is rebuilt from every row on a readable page, the damaged file kept beside it as \
            index.damaged-TIME.sqlite; this needs the account closed elsewhere (stop roost serve first). \
            What lay on unreadable pages: a message whose row is lost comes back in mailbox Recovered (a new \
            UID, no flags); a mailbox whose row is lost comes back as Recovered-N (a new UIDVALIDITY). Segment \
            files hold messages back to back with nothing marking where one ends, so a stored body whose row \
            is lost is found again only where the sizes of its messages fill a gap between known bodies \
            exactly; otherwise its messages are removed and named, and a segment file no row points into is \
            moved to lost+found/ in the account folder. Flags, keywords, rights, subscriptions, aliases, \
            metadata and readers' own \\Seen that lay on unreadable pages are lost.
            """)
    @OptionGroup var options: DataOptions
    @Flag(help: "Repair what the check finds (see below), then check again.") var repair = false
    @Argument(help: "Only this account (name@domain).") var account: String?

    func run(store: Store) throws {
        let records = try account.map { [try store.directory.requireAccount(try accountName($0))] } ?? store.directory.accounts()
        var problems = 0
        for record in records {
            if repair {
                do {
                    for line in try store.repairAccount(record) { print("\(record.name): repaired: \(line)") }
                } catch {
                    FileHandle.standardError.write(Data("roost: \(record.name): cannot repair: \(error)\n".utf8))
                    problems += 1
                    continue
                }
            }
            let report = store.checkAccount(record)
            for p in report.problems { print("\(record.name): \(p)") }
            problems += report.problems.count
            print("\(record.name): \(report.messages) messages, \(report.blobs) stored bodies, \(formatBytes(report.bytes)): \(report.isClean ? "ok" : "\(report.problems.count) problem(s)")")
            print("\(record.name): full-text index: \(indexSummary(report.indexedBodies, of: report.blobs))")
        }
        if account == nil {
            for orphan in try store.orphanFolders() {
                print("accounts/\(orphan): folder of no account (left by an interrupted removal; remove it by hand once you are sure)")
                problems += 1
            }
        }
        if problems > 0 {
            throw Failure(message: repair ? "\(problems) problem(s) remain after repair" : "\(problems) problem(s) found; 'roost check --repair' repairs them", code: 1)
        }
    }
}

struct CompactCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Reclaim the space of expunged messages by rewriting segment files, and bring the full-text index up to date; safe to interrupt.")
    @OptionGroup var options: DataOptions
    @Argument(help: "Only this account (name@domain).") var account: String?

    func run(store: Store) throws {
        let records = try account.map { [try store.directory.requireAccount(try accountName($0))] } ?? store.directory.accounts()
        for record in records {
            let r = try store.account(record).compact()
            print("\(record.name): \(r.segmentsRewritten) segment(s) rewritten, \(formatBytes(r.bytesBefore)) -> \(formatBytes(r.bytesAfter))")
            print("\(record.name): full-text index: \(indexSummary(r.indexedBodies, of: nil))")
        }
    }
}

/// How `roost check` and `roost compact` describe an account's full-text index.
private func indexSummary(_ indexed: Int?, of total: Int?) -> String {
    guard let indexed else { return "unavailable (a damaged one was removed); searches read the messages until it is rebuilt" }
    return total.map { "\(indexed) of \($0) stored bodies indexed" } ?? "\(indexed) stored bodies indexed"
}

struct StatsCommand: StoreCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts and sizes: domains, accounts, mailboxes, messages, reclaimable space.")
    @OptionGroup var options: DataOptions

    func run(store: Store) throws {
        let domains = try store.directory.domains()
        let accounts = try store.directory.accounts()
        let total = try accounts.reduce(SpaceReport()) { $0 + (try store.account($1).space()) }
        print("domains: \(domains.count)")
        print("accounts: \(accounts.count)")
        print("mailboxes: \(total.mailboxes)")
        print("messages: \(total.messages)")
        print("message bytes: \(total.messageBytes) (\(formatBytes(total.messageBytes)))")
        print("segment files: \(total.segments), \(total.segmentBytes) bytes (\(formatBytes(total.segmentBytes)))")
        print("reclaimable by compact: \(total.deadBytes) bytes (\(formatBytes(total.deadBytes)))")
    }
}
