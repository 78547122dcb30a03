/// `roost import mbox`: an mbox file into one mailbox. Flags come from the Status,
/// X-Status and X-Keywords fields, which are then removed (see `MboxFlagHeaders`); the
/// internal date from the From line, else the Date: field, else now. Running it again
/// imports only what the mailbox does not hold yet (see `MailboxImport`).
public struct MboxImport {
    public let file: String
    public let account: Account
    public let mailbox: String
    public let format: MboxFormat

    public init(file: String, into account: Account, mailbox: String, format: MboxFormat = .mboxrd) {
        self.file = file
        self.account = account
        self.mailbox = mailbox
        self.format = format
    }

    public func run(progress: MigrationProgress = { _, _ in }, problem: (ImportProblem) -> Void = { _ in }) throws -> ImportReport {
        _ = try MailboxPath.canonical(mailbox)
        var reader = try MboxReader(path: file, format: format)
        defer { reader.close() }
        progress(0, reader.size)
        // The first message shows the file is an mbox before the mailbox is made.
        var next = try reader.next()
        let target = try MailboxImport(account: account, mailbox: mailbox, uidValidity: nil)
        var report = ImportReport()
        while let message = next {
            let (flags, bytes) = MboxFlagHeaders.extract(message.bytes)
            do {
                let stored = try MessageCheck.stored(bytes)
                let date = message.envelope.date ?? MessageParser.parse(stored).fields.date
                try target.add(ImportedMessage(bytes: stored, flags: flags, internalDate: date, uid: nil))
            } catch let refusal as MessageCheck.Refusal {
                let p = ImportProblem(location: "\(file) message \(message.number) (line \(message.line))", reason: refusal.reason("message"))
                report.problems.append(p)
                problem(p)
            }
            progress(reader.consumed, reader.size)
            next = try reader.next()
        }
        report.mailboxes.append(try target.finish())
        return report
    }
}
