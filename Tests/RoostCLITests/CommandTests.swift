import Foundation
import TestSupport
import Store
import Testing

@Suite struct CommandTests {
    /// The operator's script from the foundation issue, line for line.
    @Test func scriptedSetup() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        var r = try roost.run("domain add example.com --main")
        #expect(r.code == 0 && r.out == "domain example.com added (main)\n")
        r = try roost.run("account add alice@example.com --password-stdin", input: "secret\n")
        #expect(r.code == 0 && r.out == "account alice@example.com added\n")
        r = try roost.run("account add boss@example.com --password-stdin", input: "boss\n")
        r = try roost.run("admin grant boss@example.com all-accounts")
        #expect(r.code == 0 && r.out == "boss@example.com holds all-accounts\n")
        r = try roost.run("admin grant boss@example.com can-access-mailboxes")
        #expect(r.code == 0 && r.out == "boss@example.com holds can-access-mailboxes in example.com\n")
        r = try roost.run("deliver --to alice@example.com", input: "From: bob@example.org\nSubject: hello\n\nHi Alice\n")
        #expect(r.code == 0 && r.out == "delivered to alice@example.com INBOX uid 1\n")
        r = try roost.run("check")
        #expect(r.code == 0)
        #expect(r.out.contains("alice@example.com: 1 messages, 1 stored bodies, 51 B: ok"))
        r = try roost.run("admin list")
        #expect(r.out == "boss@example.com\tall-accounts\nboss@example.com\tcan-access-mailboxes\texample.com\n")

        // The store holds the message with CRLF line ends and the password verifies.
        let store = try Store(root: dir.path)
        let record = try #require(try store.directory.account(named: try AccountName(parsing: "alice@example.com")))
        #expect(Password.verify("secret", against: record.passwordHash))
        let account = try store.account(record)
        var blob: Int64 = 0
        try account.messages(in: try account.mailbox(named: "INBOX").id, uids: UIDSet([UID(1)])) { m, _ in blob = m.blob }
        #expect(String(decoding: try account.bytes(blob: blob), as: UTF8.self) == "From: bob@example.org\r\nSubject: hello\r\n\r\nHi Alice\r\n")
    }

    @Test func dataFlagWorksLikeTheEnvironment() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        #expect(try roost.run(["domain", "add", "example.org"], useFlag: true).code == 0)
        #expect(try roost.run("domain list").out == "example.org (main)\n")
    }

    /// Each failure is one line on stderr and a sysexits code; nothing is changed by it.
    @Test(arguments: [
        ("domain add bad_domain", "", 64, "roost: 'bad_domain' is not a valid domain name\n"),
        ("account add carol --password-stdin", "pw\n", 64, "roost: 'carol' needs a domain: name@domain\n"),
        ("account add carol@nowhere.org --password-stdin", "pw\n", 67, "roost: domain nowhere.org does not exist\n"),
        ("account add carol@example.com", "", 64, "roost: give the password with --password-stdin or --password-hash\n"),
        ("account add carol@example.com --password-stdin", "", 64, "roost: no password on standard input\n"),
        ("account add alice@example.com --password-stdin", "pw\n", 1, "roost: account alice@example.com already exists\n"),
        ("account add carol@example.com --password-hash {SSHA}xyz", "", 64, "roost: password scheme {SSHA} is not supported (use a crypt scheme such as {SHA512-CRYPT})\n"),
        ("account remove nobody@example.com", "", 67, "roost: account nobody@example.com does not exist\n"),
        ("admin grant alice@example.com root", "", 64, "roost: 'root' is not a right: use all-accounts or can-access-mailboxes\n"),
        ("deliver --to nobody@example.com", "Subject: x\n\nx\n", 67, "roost: unknown recipient nobody@example.com\n"),
        ("deliver --to alice@example.com", "", 65, "roost: the message is empty\n"),
        ("domain remove example.com", "", 1, "roost: domain example.com still has 1 account(s); remove them first\n"),
        ("mailbox create alice@example.com ../etc", "", 64, "roost: mailbox name has a '..' level\n"),
        ("mailbox delete alice@example.com INBOX", "", 1, "roost: INBOX cannot be deleted\n"),
    ] as [(String, String, Int32, String)])
    func errors(command: String, input: String, code: Int32, message: String) throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "secret\n")
        let before = try roost.run("mailbox list alice@example.com").out
        let r = try roost.run(command, input: input)
        #expect(r.code == code)
        #expect(r.err == message)
        #expect(r.out.isEmpty)
        #expect(try roost.run("mailbox list alice@example.com").out == before)
        #expect(try roost.run("check").code == 0)
    }

    @Test func passwdChangesThePassword() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "oldpw\n")
        let r = try roost.run("account passwd alice@example.com --password-stdin", input: "newpw\n")
        #expect(r.code == 0 && r.out == "password of alice@example.com changed\n" && r.err.isEmpty)
        let server = try ServerProcess(data: dir.path, arguments: ["--imap", "127.0.0.1:0"])
        #expect(try IMAPClient(port: server.port("imap")).send("LOGIN alice oldpw").completion == "NO [AUTHENTICATIONFAILED] Authentication failed")
        #expect(try IMAPClient(port: server.port("imap")).send("LOGIN alice newpw").isOK)
        let missing = try roost.run("account passwd nobody@example.com --password-stdin", input: "pw\n")
        #expect(missing.code == 67 && missing.err == "roost: account nobody@example.com does not exist\n" && missing.out.isEmpty)
    }

    /// The remove forms of domains, domain aliases, bindings, routes, address aliases and
    /// administrator rights: each says what it did, and removing what is not there fails.
    @Test func removeCommands() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("domain add example.org")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        try roost.run("account add boss@example.com --password-stdin", input: "pw\n")
        try roost.run("domain alias add example.net example.com")
        try roost.run("domain bind 127.0.0.2 example.com")
        try roost.run("alias address add info@example.com alice@example.com")
        try roost.run("admin grant boss@example.com all-accounts")
        try roost.run("admin grant boss@example.com can-access-mailboxes")
        try roost.run("admin grant boss@example.com can-access-mailboxes --domain example.org")
        var r = try roost.run("route add sales@example.com alice@example.com")
        #expect(r.code == 0 && r.out == "sales@example.com -> alice@example.com\n")
        try roost.run("route add postmaster@example.com alice@example.com")
        #expect(try roost.run("route list").out == "postmaster@example.com\talice@example.com\nsales@example.com\talice@example.com\n")
        #expect(try roost.run("domain list").out == "example.com (main) aliases: example.net bound: 127.0.0.2\nexample.org\n")

        for (command, out) in [
            ("route remove SALES@example.com", "route sales@example.com removed\n"),
            ("alias address remove info@example.com", "alias info@example.com removed\n"),
            ("domain alias remove example.net", "domain alias example.net removed\n"),
            ("domain unbind 127.0.0.2", "127.0.0.2 unbound\n"),
            ("admin revoke boss@example.com all-accounts", "boss@example.com no longer holds all-accounts\n"),
            ("admin revoke boss@example.com can-access-mailboxes --domain example.org", "boss@example.com no longer holds can-access-mailboxes in example.org\n"),
            ("domain remove example.org", "domain example.org removed\n"),
        ] {
            r = try roost.run(command)
            #expect(r.code == 0 && r.out == out && r.err.isEmpty, "\(command): \(r.code) \(r.out)\(r.err)")
        }
        #expect(try roost.run("route list").out == "postmaster@example.com\talice@example.com\n")
        #expect(try roost.run("alias address list").out.isEmpty)
        #expect(try roost.run("domain list").out == "example.com (main)\n")
        #expect(try roost.run("admin list").out == "boss@example.com\tcan-access-mailboxes\texample.com\n")
        #expect(try roost.run("deliver --to info@example.com", input: "Subject: x\n\nx\n").code == 67, "the alias is gone")

        for (command, message) in [
            ("route remove sales@example.com", "no route sales@example.com"),
            ("alias address remove info@example.com", "no alias info@example.com"),
            ("domain alias remove example.net", "no domain alias example.net"),
            ("domain unbind 127.0.0.2", "no binding for 127.0.0.2"),
            ("admin revoke boss@example.com all-accounts", "boss@example.com does not hold all-accounts"),
            ("domain remove example.org", "domain example.org does not exist"),
        ] {
            r = try roost.run(command)
            #expect(r.code == 67 && r.out.isEmpty && r.err == "roost: \(message)\n", "\(command): \(r.code) \(r.err)")
        }
    }

    /// A store failure that is not the recipient's fault (here the account's append lock
    /// cannot be opened: a directory stands where the file goes, which root cannot get
    /// round either) exits 75, so the MTA keeps the message and retries; the retry stores it once.
    @Test func deliverTemporaryFailureExits75() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        #expect(try roost.run("deliver --to alice@example.com", input: "Subject: first\n\nx\n").code == 0)
        let store = try Store(root: dir.path)
        let lock = store.accountRoot(try store.directory.requireAccount(try AccountName(parsing: "alice@example.com")).id) + "/append.lock"
        try FileManager.default.removeItem(atPath: lock)
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)

        var r = try roost.run("deliver --to alice@example.com", input: "Subject: second\n\ny\n")
        #expect(r.code == 75)
        #expect(r.err == "roost: cannot open \(lock): Is a directory\n")
        #expect(r.out.isEmpty)

        try FileManager.default.removeItem(atPath: lock)
        r = try roost.run("deliver --to alice@example.com", input: "Subject: second\n\ny\n")
        #expect(r.code == 0 && r.out == "delivered to alice@example.com INBOX uid 2\n")
        #expect(try roost.run("mailbox list alice@example.com").out.contains("INBOX\t2\t2\t"))
        #expect(try roost.run("check").code == 0)
    }

    @Test func deliverChoosesMailbox() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        try roost.run("mailbox create alice@example.com Lists")
        try roost.run("alias address add info@example.com alice@example.com")
        var r = try roost.run("deliver --to alice+Lists@example.com", input: "Subject: a\n\na\n")
        #expect(r.out == "delivered to alice@example.com Lists uid 1\n")
        r = try roost.run("deliver --to alice+nothing@example.com", input: "Subject: b\n\nb\n")
        #expect(r.out == "delivered to alice@example.com INBOX uid 1\n")
        r = try roost.run("deliver --to info@example.com --mailbox Sent", input: "From sender@example.org Sat Nov 21 10:00:00 2026\nSubject: c\n\nc\n")
        #expect(r.out == "delivered to alice@example.com Sent uid 1\n")
        r = try roost.run("mailbox list alice@example.com")
        #expect(r.out.contains("Sent\t1\t1\t17\t"), "the mbox From_ line is not stored: \(r.out)")
    }

    @Test func renameAndRemoveAccounts() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add bob@example.com --password-stdin --quota 10M", input: "pw\n")
        try roost.run("deliver --to bob@example.com", input: "Subject: x\n\nx\n")
        var r = try roost.run("account rename bob@example.com robert@example.com")
        #expect(r.code == 0 && r.out == "account bob@example.com renamed to robert@example.com\n")
        r = try roost.run("account list")
        #expect(r.out == "robert@example.com\t17 B of 10.0 MiB\n")
        #expect(try roost.run("deliver --to robert@example.com", input: "Subject: y\n\ny\n").code == 0)
        r = try roost.run("account remove robert@example.com")
        #expect(r.code == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/accounts").isEmpty)
        #expect(try roost.run("account list").out.isEmpty)
    }

    @Test func checkReportsDamageAndCompactReclaims() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        for i in 1...10 { try roost.run("deliver --to alice@example.com", input: "Subject: \(i)\n\n" + String(repeating: "line \(i)\n", count: 500)) }
        do {
            let store = try Store(root: dir.path)
            let account = try store.account(try #require(try store.directory.account(named: try AccountName(parsing: "alice@example.com"))))
            let inbox = try account.mailbox(named: "INBOX")
            _ = try account.store(UIDSet(ranges: [1...5]), in: inbox.id, .add, Flags(system: [.deleted]))
            #expect(try account.expunge(in: inbox.id).count == 5)
        }
        var r = try roost.run("stats")
        #expect(r.out.contains("messages: 5\n"))
        #expect(!r.out.contains("reclaimable by compact: 0 bytes"))
        r = try roost.run("compact")
        #expect(r.code == 0 && r.out.contains("1 segment(s) rewritten"))
        r = try roost.run("stats")
        #expect(r.out.contains("reclaimable by compact: 0 bytes"))
        #expect(try roost.run("check").code == 0)

        // Damage one byte of a stored message: check reports it and fails.
        let accounts = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/accounts")
        let blobs = dir.path + "/accounts/\(accounts[0])/blobs"
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: blobs).first { $0.hasSuffix(".seg") && (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int ?? 0) ?? 0 > 0 })
        let handle = try #require(FileHandle(forUpdatingAtPath: blobs + "/" + segment))
        handle.seek(toFileOffset: 100)
        handle.write(Data("#".utf8))
        handle.closeFile()
        r = try roost.run("check")
        #expect(r.code == 1)
        #expect(r.out.contains("do not match their hash"))
        #expect(r.err == "roost: 1 problem(s) found; 'roost check --repair' repairs them\n")
    }

    /// compact builds the full-text index and drops what is gone; check verifies it, and a
    /// damaged one is removed without failing the check (it is not mail).
    @Test func checkAndCompactKeepTheFullTextIndex() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com")
        try roost.run("account add alice@example.com --password-stdin", input: "pw\n")
        for i in 1...4 { try roost.run("deliver --to alice@example.com", input: "Subject: \(i)\n\nBody \(i)\n") }
        var r = try roost.run("check")
        #expect(r.code == 0 && r.out.contains("alice@example.com: full-text index: 0 of 4 stored bodies indexed\n"))
        r = try roost.run("compact")
        #expect(r.code == 0 && r.out.contains("alice@example.com: full-text index: 4 stored bodies indexed\n"))
        #expect(try roost.run("check").out.contains("alice@example.com: full-text index: 4 of 4 stored bodies indexed\n"))

        let accounts = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/accounts")
        let index = dir.path + "/accounts/\(accounts[0])/fts.sqlite"
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: index))
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        r = try roost.run("check")
        #expect(r.code == 0)
        #expect(r.out.contains("alice@example.com: full-text index: unavailable (a damaged one was removed); searches read the messages until it is rebuilt\n"))
        #expect(try roost.run("compact").out.contains("alice@example.com: full-text index: 4 stored bodies indexed\n"))
    }
}
