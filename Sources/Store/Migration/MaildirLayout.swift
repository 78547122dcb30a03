/// Maildir++ folder names (the layout Dovecot and Courier use by default): INBOX is the
/// root folder, every other mailbox a sibling folder `.Level1.Level2` whose levels are
/// written in modified UTF-7.
public enum MaildirLayout {
    /// The folder of `mailbox` inside the Maildir root: "" for INBOX. A "." inside a level
    /// is written as "&AC4-" (it would read as a separator), which modified UTF-7 decodes.
    public static func folder(for mailbox: String) -> String {
        guard mailbox != MailboxPath.inbox else { return "" }
        return "." + mailbox.split(separator: MailboxPath.separator, omittingEmptySubsequences: false)
            .map { ModifiedUTF7.encode(String($0), alsoEncode: ["."]) }
            .joined(separator: ".")
    }

    /// The mailbox a folder (".Sub.Folder") holds ("Sub/Folder"), in canonical form. A level
    /// that is not valid modified UTF-7 is taken as it is (some servers wrote UTF-8).
    public static func mailbox(forFolder folder: String) throws -> String {
        guard folder.hasPrefix("."), folder.count > 1 else { throw StoreError.invalidName("'\(folder)' is not a Maildir++ folder name") }
        let levels = folder.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map { level in
            ModifiedUTF7.decode(String(level), alsoEncoded: ["."]) ?? String(level)
        }
        return try MailboxPath.canonical(levels.joined(separator: String(MailboxPath.separator)))
    }
}

/// A Maildir++ tree as an import reads it: its folders and their message files.
struct MaildirTree {
    struct Folder {
        var mailbox: String
        var path: String
    }

    struct Entry {
        var path: String
        /// The unique part of the file name, without the info.
        var base: String
        var info: String?
        var modified: Int64
    }

    let root: String

    /// A folder is a directory with a cur/ or new/ inside: the root (INBOX) and the
    /// `.Name` directories in it. Folders whose names cannot be mailbox names are reported.
    func folders() throws -> (folders: [Folder], problems: [ImportProblem]) {
        guard MigrationFiles.isDirectory(root) else { throw MigrationError.unreadable("\(root) is not a directory") }
        var folders: [Folder] = []
        var problems: [ImportProblem] = []
        if isFolder(root) { folders.append(Folder(mailbox: MailboxPath.inbox, path: root)) }
        for name in try MigrationFiles.list(root) where name.hasPrefix(".") && name != "." && name != ".." {
            let path = root + "/" + name
            guard isFolder(path) else { continue }
            do {
                folders.append(Folder(mailbox: try MaildirLayout.mailbox(forFolder: name), path: path))
            } catch {
                problems.append(ImportProblem(location: path, reason: "folder skipped: \(error)"))
            }
        }
        guard !folders.isEmpty || !problems.isEmpty else {
            throw MigrationError.badFormat("\(root) is not a Maildir: it has no cur/ or new/ folder")
        }
        // Parents before children, so a child's import finds its parent made.
        folders.sort { $0.mailbox < $1.mailbox }
        return (folders, problems)
    }

    private func isFolder(_ path: String) -> Bool {
        MigrationFiles.isDirectory(path + "/cur") || MigrationFiles.isDirectory(path + "/new")
    }

    /// The message files in new/ and cur/ (tmp/ holds deliveries not finished; names
    /// starting with "." are not messages). Things that are not plain files are reported.
    func entries(of folder: Folder) -> (entries: [Entry], problems: [ImportProblem]) {
        var entries: [Entry] = []
        var problems: [ImportProblem] = []
        for sub in ["new", "cur"] {
            let directory = folder.path + "/" + sub
            guard MigrationFiles.isDirectory(directory) else { continue }
            let names: [String]
            do {
                names = try MigrationFiles.list(directory)
            } catch {
                problems.append(ImportProblem(location: directory, reason: "\(error)"))
                continue
            }
            for name in names where !name.hasPrefix(".") {
                let path = directory + "/" + name
                guard let status = MigrationFiles.status(path) else {
                    problems.append(ImportProblem(location: path, reason: "cannot be read: \(errnoText())"))
                    continue
                }
                guard status.isRegular else {
                    problems.append(ImportProblem(location: path, reason: "not a regular file"))
                    continue
                }
                let (base, info) = MaildirFlags.split(name)
                // A message in new/ has not been seen by a client yet: it has no flags.
                entries.append(Entry(path: path, base: base, info: sub == "cur" ? info : nil, modified: status.modified))
            }
        }
        return (entries, problems)
    }
}
