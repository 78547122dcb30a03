import Foundation
import Testing
import TestSupport

/// `roost import` and `roost export` as an operator runs them: summaries on stdout, each
/// failure one line on stderr with a sysexits code, skipped files listed and exit 65.
@Suite struct MigrationCommandTests {
    /// A data directory with alice@example.com, and a small Maildir from "the old server".
    struct Setup {
        let dir = TemporaryDirectory()
        let roost: CLI
        var maildir: String { dir.path + "/Maildir" }

        init() throws {
            roost = CLI(data: dir.path + "/data")
            try roost.run("domain add example.com")
            try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
            for folder in ["", "/.Lists.swift"] {
                for sub in ["cur", "new", "tmp"] {
                    try FileManager.default.createDirectory(atPath: maildir + folder + "/" + sub, withIntermediateDirectories: true)
                }
            }
            try "Subject: one\n\n1\n".write(toFile: maildir + "/cur/1.a:2,S", atomically: false, encoding: .utf8)
            try "Subject: two\n\n2\n".write(toFile: maildir + "/new/2.b", atomically: false, encoding: .utf8)
            try "Subject: three\n\n3\n".write(toFile: maildir + "/.Lists.swift/cur/3.c:2,F", atomically: false, encoding: .utf8)
            try "3 V1234 N10\n7 :1.a\n8 :2.b\n".write(toFile: maildir + "/dovecot-uidlist", atomically: false, encoding: .utf8)
        }
    }

    @Test func importExportAndImportAgain() throws {
        let s = try Setup()
        var r = try s.roost.run("import maildir \(s.maildir) --account alice@example.com")
        #expect(r.code == 0)
        #expect(r.err.isEmpty, "no progress bar when stderr is not a terminal")
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == "INBOX: 2 imported, 0 already present; UIDVALIDITY 1234, UIDs kept")
        #expect(lines.dropFirst().first?.hasPrefix("Lists/swift: 1 imported, 0 already present; UIDVALIDITY ") == true)
        #expect(lines.dropFirst().first?.hasSuffix(", new UIDs") == true)
        #expect(lines.dropFirst(2).first == "imported 3 message(s) into 2 mailbox(es) of alice@example.com: 0 already present, 0 skipped")
        r = try s.roost.run("import maildir \(s.maildir) --account alice@example.com")
        #expect(r.code == 0 && r.out.hasSuffix("imported 0 message(s) into 2 mailbox(es) of alice@example.com: 3 already present, 0 skipped\n"))

        r = try s.roost.run("export maildir \(s.dir.path)/backup --account alice@example.com")
        #expect(r.code == 0 && r.err.isEmpty)
        #expect(r.out == "exported 3 message(s), 59 B, in 7 mailbox(es) of alice@example.com to \(s.dir.path)/backup\n")
        r = try s.roost.run("export mbox \(s.dir.path)/inbox.mbox --account alice@example.com --mailbox INBOX")
        #expect(r.code == 0 && r.out == "exported 2 message(s), 38 B, of alice@example.com INBOX to \(s.dir.path)/inbox.mbox\n")

        try s.roost.run("account add bob@example.com --password-stdin", input: "pw\n")
        r = try s.roost.run("import maildir \(s.dir.path)/backup --account bob@example.com")
        #expect(r.code == 0 && r.out.contains("INBOX: 2 imported, 0 already present; UIDVALIDITY 1234, UIDs kept\n"))
        r = try s.roost.run("import mbox \(s.dir.path)/inbox.mbox --account bob@example.com --mailbox INBOX")
        #expect(r.code == 0 && r.out.hasPrefix("INBOX: 0 imported, 2 already present;"), "the mbox holds the same messages")
        r = try s.roost.run("mailbox list bob@example.com")
        #expect(r.out.contains("INBOX\t2\t1\t38\t1234\t10\t"), "\(r.out)")
        #expect(try s.roost.run("check").code == 0)
    }

    /// On a terminal (here a pseudo-terminal from script(1)) the import draws a bar on
    /// standard error, ends it at 100% and clears it before the summary.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressBarOnATerminal() throws {
        let s = try Setup()
        let command = "ROOST_DATA=\(s.dir.path)/data \(CLI.binary) import maildir \(s.maildir) --account alice@example.com"
        let r = try runProgram("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"])
        #expect(r.code == 0, "\(r.output)")
        #expect(r.output.contains("\rimporting [##############################] 100% 3/3 messages\u{1B}[K"), "\(r.output.debugDescription)")
        #expect(r.output.contains("\u{1B}[K\r\u{1B}[K"), "the bar is cleared")
        #expect(r.output.contains("imported 3 message(s) into 2 mailbox(es) of alice@example.com: 0 already present, 0 skipped"))
    }

    @Test func skippedFilesAreListedAndExit65() throws {
        let s = try Setup()
        try "".write(toFile: s.maildir + "/cur/9.empty:2,", atomically: false, encoding: .utf8)
        let r = try s.roost.run("import maildir \(s.maildir) --account alice@example.com")
        #expect(r.code == 65)
        #expect(r.err == """
            roost: skipped \(s.maildir)/cur/9.empty:2,: empty file
            roost: 1 file(s) or message(s) could not be imported (listed above)

            """)
        #expect(r.out.hasSuffix("imported 3 message(s) into 2 mailbox(es) of alice@example.com: 0 already present, 1 skipped\n"))
    }

    /// Each failure is one line on stderr and a sysexits(3) code, and stores nothing.
    @Test(arguments: [
        ("import maildir DIR/none --account alice@example.com", 66, "roost: DIR/none does not exist\n"),
        ("import maildir DIR/Maildir --account nobody@example.com", 67, "roost: account nobody@example.com does not exist\n"),
        ("import maildir DIR/empty --account alice@example.com", 65, "roost: DIR/empty is not a Maildir: it has no cur/ or new/ folder\n"),
        ("import maildir DIR/file.txt --account alice@example.com", 66, "roost: DIR/file.txt is not a directory\n"),
        ("import mbox DIR/file.txt --account alice@example.com --mailbox Old", 65, "roost: DIR/file.txt is not an mbox file: it does not start with a \"From \" line\n"),
        ("import mbox DIR/empty --account alice@example.com --mailbox Old", 66, "roost: DIR/empty is not a regular file\n"),
        ("import mbox DIR/good.mbox --account alice@example.com --mailbox ../Old", 64, "roost: mailbox name has a '..' level\n"),
        ("import mbox DIR/good.mbox --account alice@example.com --mailbox Old --format mboxcl", 64, "roost: 'mboxcl' is not an mbox format: use mboxrd or mboxo\n"),
        ("export maildir DIR/Maildir --account alice@example.com", 73, "roost: DIR/Maildir exists and is not an empty directory\n"),
        ("export maildir DIR/none/deeper --account alice@example.com", 74, "roost: cannot create directory DIR/none/deeper: No such file or directory\n"),
        ("export mbox DIR/file.txt --account alice@example.com --mailbox INBOX", 73, "roost: DIR/file.txt exists already\n"),
        ("export mbox DIR/out.mbox --account alice@example.com --mailbox Nope", 67, "roost: mailbox Nope does not exist\n"),
    ] as [(String, Int32, String)])
    func errors(command: String, code: Int32, message: String) throws {
        let s = try Setup()
        try FileManager.default.createDirectory(atPath: s.dir.path + "/empty", withIntermediateDirectories: true)
        try "Subject: not an mbox\n\nx\n".write(toFile: s.dir.path + "/file.txt", atomically: false, encoding: .utf8)
        try "From a Fri Jul 14 02:40:00 2017\nSubject: mbox\n\nx\n".write(toFile: s.dir.path + "/good.mbox", atomically: false, encoding: .utf8)
        let before = try s.roost.run("mailbox list alice@example.com").out
        let r = try s.roost.run(command.replacingOccurrences(of: "DIR", with: s.dir.path))
        #expect(r.code == code)
        #expect(r.err == message.replacingOccurrences(of: "DIR", with: s.dir.path))
        #expect(r.out.isEmpty)
        #expect(try s.roost.run("mailbox list alice@example.com").out == before)
        #expect(!FileManager.default.fileExists(atPath: s.dir.path + "/out.mbox"))
    }
}
