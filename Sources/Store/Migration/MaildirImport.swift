/// `roost import maildir`: a Maildir++ tree into an account. INBOX is the root folder,
/// `.Sub.Folder` becomes `Sub/Folder`; flags come from the file names' `:2,` info and
/// Dovecot's `dovecot-keywords`, internal dates from the files' modification times. Where a
/// folder has a `dovecot-uidlist`, its UIDVALIDITY and UIDs are kept (POP3 UIDLs and IMAP
/// caches stay valid), unless the mailbox is already in use under another UIDVALIDITY.
///
/// Running it again imports only what the account does not hold yet (see `MailboxImport`).
public struct MaildirImport {
    public let root: String
    public let account: Account

    public init(root: String, into account: Account) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.account = account
    }

    /// Imports everything; `problem` hears of each file skipped as it happens. Throws when
    /// the tree cannot be read at all or the store fails (what was imported before stays).
    public func run(progress: MigrationProgress = { _, _ in }, problem: (ImportProblem) -> Void = { _ in }) throws -> ImportReport {
        let tree = MaildirTree(root: root)
        var report = ImportReport()
        func skip(_ p: ImportProblem) {
            report.problems.append(p)
            problem(p)
        }
        let (folders, folderProblems) = try tree.folders()
        folderProblems.forEach(skip)
        let listed = folders.map { folder -> (MaildirTree.Folder, [MaildirTree.Entry]) in
            let (entries, problems) = tree.entries(of: folder)
            problems.forEach(skip)
            return (folder, entries)
        }
        let total = Int64(listed.reduce(0) { $0 + $1.1.count })
        var done: Int64 = 0
        progress(0, total)
        for (folder, entries) in listed {
            let keywords = MigrationFiles.text(folder.path + "/" + DovecotKeywords.fileName).map(DovecotKeywords.init(parsing:)) ?? DovecotKeywords()
            var uidList: DovecotUIDList?
            var note: String?
            if let text = MigrationFiles.text(folder.path + "/" + DovecotUIDList.fileName) {
                uidList = DovecotUIDList(parsing: text)
                if uidList == nil { note = "UIDs not kept: \(DovecotUIDList.fileName) is not in a format this roost reads" }
            }
            let target = try MailboxImport(account: account, mailbox: folder.mailbox, uidValidity: uidList?.uidValidity)
            // Messages that keep their UIDs go first, in UID order; then the source's next UID
            // is reserved; then the others, oldest first, take new UIDs.
            let withUID = entries.compactMap { e in uidList?.uids[e.base].map { (e, $0) } }.filter { target.wouldKeep($0.1) }.sorted { $0.1 < $1.1 }
            let kept = Set(withUID.map(\.0.path))
            let rest = entries.filter { !kept.contains($0.path) }.sorted { ($0.modified, $0.base) < ($1.modified, $1.base) }
            func load(_ entry: MaildirTree.Entry, uid: UID?) throws {
                defer {
                    done += 1
                    progress(done, total)
                }
                let stored: [UInt8]
                do {
                    stored = try MessageCheck.stored(try MigrationFiles.read(entry.path))
                } catch let refusal as MessageCheck.Refusal {
                    return skip(ImportProblem(location: entry.path, reason: refusal.reason("file")))
                } catch {
                    return skip(ImportProblem(location: entry.path, reason: "cannot be read: \(error)"))
                }
                let flags = entry.info.map { MaildirFlags.flags(info: $0, keywords: keywords) } ?? Flags()
                try target.add(ImportedMessage(bytes: stored, flags: flags, internalDate: entry.modified, uid: uid))
            }
            for (entry, uid) in withUID { try load(entry, uid: uid) }
            if let uidList { try target.reserveUIDs(below: uidList.nextUID) }
            for entry in rest { try load(entry, uid: uidList?.uids[entry.base]) }
            var result = try target.finish()
            if result.note == nil { result.note = note }
            report.mailboxes.append(result)
        }
        return report
    }
}
