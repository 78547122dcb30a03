#if canImport(Glibc)
import Glibc
#endif

/// `roost export maildir`: every mailbox of an account as a Maildir++ tree that Dovecot
/// (and `roost import maildir`) read back with the same flags, keywords, internal dates
/// (the files' modification times), UIDVALIDITY and UIDs (`dovecot-uidlist`). Message
/// files hold the stored bytes exactly, CRLF line ends included.
public struct MaildirExport {
    public let account: Account
    public let root: String

    public init(account: Account, to root: String) {
        self.account = account
        self.root = root
    }

    /// Writes the tree into `root`, which must not exist or be empty; returns once every
    /// file is on disk.
    public func run(progress: MigrationProgress = { _, _ in }) throws -> ExportReport {
        if let status = MigrationFiles.status(root) {
            guard status.isDirectory, try MigrationFiles.list(root).isEmpty else {
                throw MigrationError.targetExists("\(root) exists and is not an empty directory")
            }
        }
        try makeDirectory(root)
        let mailboxes = try account.mailboxes()
        let total = Int64(mailboxes.reduce(0) { $0 + $1.messages })
        var report = ExportReport()
        progress(0, total)
        for box in mailboxes {
            let folder = root + (box.name == MailboxPath.inbox ? "" : "/" + MaildirLayout.folder(for: box.name))
            for sub in ["", "/cur", "/new", "/tmp"] { try makeDirectory(folder + sub) }
            if box.name != MailboxPath.inbox { _ = try ExportFile(creating: folder + "/maildirfolder") }
            let used = try account.keywords(in: box.id).filter { $0.lowercased() != MaildirFlags.forwarded.lowercased() }
            let keywords = DovecotKeywords(assigning: used)
            if used.count > DovecotKeywords.capacity {
                report.warnings.append("\(box.name): \(used.count - DovecotKeywords.capacity) keyword(s) beyond the \(DovecotKeywords.capacity) a Maildir folder can name were not written: \(used.dropFirst(DovecotKeywords.capacity).joined(separator: " "))")
            }
            var uidList = DovecotUIDList(uidValidity: box.uidValidity, nextUID: box.uidNext)
            try account.forEachMessage(in: box.id) { record, read in
                let base = "\(record.internalDate).U\(record.uid)V\(box.uidValidity).roost,S=\(record.size)"
                let (info, _) = MaildirFlags.info(for: record.flags, keywords: keywords)
                let name = base + ":" + info
                let file = try ExportFile(creating: folder + "/tmp/" + name)
                do {
                    try read { try file.write($0) }
                } catch StoreError.nonexistent {
                    unlink(file.path)  // expunged while the export ran
                    return
                }
                try file.setModified(record.internalDate)
                guard rename(folder + "/tmp/" + name, folder + "/cur/" + name) == 0 else {
                    throw MigrationError.io("cannot move \(name) into \(folder)/cur: \(errnoText())")
                }
                uidList.uids[base] = record.uid
                report.messages += 1
                report.bytes += Int64(record.size)
                progress(Int64(report.messages), total)
            }
            try write(uidList.text, to: folder + "/" + DovecotUIDList.fileName)
            if !used.isEmpty { try write(keywords.text, to: folder + "/" + DovecotKeywords.fileName) }
            report.mailboxes += 1
        }
        // One flush for all the files rather than an fsync each (a tree of 100k messages
        // would otherwise take minutes); the export is done only when it returns.
        sync()
        return report
    }

    private func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || (errno == EEXIST && MigrationFiles.isDirectory(path)) else {
            throw MigrationError.io("cannot create directory \(path): \(errnoText())")
        }
    }

    private func write(_ text: String, to path: String) throws {
        try ExportFile(creating: path).write(Array(text.utf8))
    }
}
