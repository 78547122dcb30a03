import Foundation
import Store
import Testing
import TestSupport

extension MailServer {
    func status(_ mailbox: String, account: String = "bob@example.com") throws -> MailboxStatus {
        let a = try store.account(try store.directory.requireAccount(try AccountName(parsing: account)))
        return try a.mailbox(named: mailbox)
    }
}

/// Real IMAP clients against a real server: Python's imaplib through every command, and
/// two-way synchronisation with mbsync and offlineimap (pull, local flag change, new
/// message and deletion pushed back, no duplicates on re-runs).
@Suite(.serialized) struct IMAPClientTests {
    static var python: String? {
        ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: python != nil)) func imaplibEveryCommand() throws {
        let s = try MailServer(["--imap", "127.0.0.1:0"])
        for i in 1...3 { try s.deliver("message \(i)") }
        let script = """
            import imaplib, time
            port = \(s.server.port("imap"))
            def ok(result, what):
                typ, data = result
                assert typ == 'OK', (what, typ, data)
                return data
            m = imaplib.IMAP4('127.0.0.1', port)
            ok(m.noop(), 'NOOP')
            assert 'IMAP4REV1' in m.capabilities and 'IDLE' in m.capabilities, m.capabilities
            ok(m.login('bob', 'bobpw'), 'LOGIN')
            ok(m._simple_command('ENABLE', 'CONDSTORE'), 'ENABLE')
            assert m.response('ENABLED')[1] == [b'CONDSTORE'], 'ENABLED'
            ok(m.xatom('ID', '("name" "imaplib")'), 'ID')
            ok(m.namespace(), 'NAMESPACE')
            ok(m.create('Work'), 'CREATE')
            ok(m.create('Work/2026'), 'CREATE child')
            ok(m.rename('Work/2026', 'Work/Archive'), 'RENAME')
            assert any(b'Work/Archive' in l for l in ok(m.list('""', '*'), 'LIST'))
            ok(m.subscribe('Work'), 'SUBSCRIBE')
            assert any(b'Work' in l for l in ok(m.lsub('""', '*'), 'LSUB'))
            ok(m.unsubscribe('Work'), 'UNSUBSCRIBE')
            st = ok(m.status('INBOX', '(MESSAGES UNSEEN UIDNEXT UIDVALIDITY RECENT)'), 'STATUS')[0]
            assert b'MESSAGES 3' in st and b'UIDNEXT 4' in st, st
            ok(m.append('Work', '(\\\\Seen)', imaplib.Time2Internaldate(time.time()), b'From: a@b\\r\\nSubject: appended\\r\\n\\r\\nbody\\r\\n'), 'APPEND')
            assert ok(m.select('INBOX'), 'SELECT') == [b'3']
            assert ok(m.search(None, 'ALL'), 'SEARCH') == [b'1 2 3']
            assert ok(m.uid('SEARCH', 'SUBJECT', '"message 2"'), 'UID SEARCH') == [b'2']
            data = ok(m.fetch('1:3', '(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])'), 'FETCH')
            assert sum(1 for d in data if isinstance(d, tuple)) == 3, data
            data = ok(m.fetch('2', '(RFC822)'), 'FETCH RFC822')
            assert b'This is message 2.' in data[0][1], data
            assert b'\\\\Seen' in ok(m.fetch('2', '(FLAGS)'), 'FETCH FLAGS')[0]
            ok(m.store('1', '+FLAGS', '(\\\\Flagged $Work)'), 'STORE')
            ok(m.uid('STORE', '3', '-FLAGS', '(\\\\Seen)'), 'UID STORE')
            r = ok(m.copy('1', 'Work'), 'COPY')
            ok(m.uid('COPY', '2', 'Work/Archive'), 'UID COPY')
            ok(m._simple_command('MOVE', '3', 'Work'), 'MOVE')
            data = ok(m.uid('FETCH', '1:*', '(FLAGS)'), 'UID FETCH')
            assert len(data) == 2 and b'UID 2' in data[1] and b'MODSEQ' in data[1], data
            ok(m.uid('MOVE', '2', 'Work'), 'UID MOVE')
            ok(m.check(), 'CHECK')
            ok(m.store('1', '+FLAGS', '(\\\\Deleted)'), 'STORE Deleted')
            # imaplib also returns the EXPUNGE the MOVE answered with.
            assert ok(m.expunge(), 'EXPUNGE')[-1] == b'1', 'expunge'
            ok(m._simple_command('UNSELECT'), 'UNSELECT')
            assert ok(m.select('Work', readonly=True), 'EXAMINE') == [b'4']
            ok(m.close(), 'CLOSE')
            ok(m.select('Work'), 'SELECT Work')
            ok(m.uid('STORE', '1:*', '+FLAGS', '(\\\\Deleted)'), 'UID STORE all')
            ok(m._simple_command('UID', 'EXPUNGE', '1'), 'UID EXPUNGE')
            ok(m.close(), 'CLOSE expunges the rest')
            assert b'MESSAGES 0' in ok(m.status('Work', '(MESSAGES)'), 'STATUS Work')[0]
            ok(m.delete('Work/Archive'), 'DELETE')
            ok(m.select('INBOX'), 'SELECT again')
            tag = m._new_tag().decode()
            m.send(('%s IDLE\\r\\n' % tag).encode())
            assert m.readline().startswith(b'+'), 'IDLE'
            m.send(b'DONE\\r\\n')
            assert m.readline().decode().startswith(tag + ' OK'), 'DONE'
            assert m.logout()[0] == 'BYE'
            a = imaplib.IMAP4('127.0.0.1', port)
            ok(a.authenticate('PLAIN', lambda challenge: b'\\0bob\\0bobpw'), 'AUTHENTICATE PLAIN')
            assert ok(a.select('INBOX'), 'SELECT after AUTHENTICATE') == [b'0']
            a.logout()
            print('ALL OK')
            """
        let r = try runProgram(Self.python!, ["-c", script])
        #expect(r.output.contains("ALL OK"), "\(r.output)")
    }

    /// mbsync (isync) two-way: the server's mailboxes land in a Maildir; a flag set, a
    /// message added and one trashed locally reach the server; re-runs change nothing.
    @Test(.enabled(if: installed("/usr/bin/mbsync"))) func mbsyncTwoWay() throws {
        let s = try MailServer(["--imap", "127.0.0.1:0"])
        for i in 1...3 { try s.deliver("message \(i)") }
        try s.roost.run("mailbox create bob@example.com Lists/Swift")
        let local = s.directory.path + "/mbsync-mail"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        let config = s.directory.path + "/mbsyncrc"
        try """
            IMAPAccount roost
            Host 127.0.0.1
            Port \(s.server.port("imap"))
            User bob
            Pass bobpw
            SSLType None

            IMAPStore roost-remote
            Account roost

            MaildirStore roost-local
            Path \(local)/
            Inbox \(local)/INBOX
            SubFolders Verbatim

            Channel roost
            Far :roost-remote:
            Near :roost-local:
            Patterns *
            Create Both
            Expunge Both
            SyncState *
            """.write(toFile: config, atomically: true, encoding: .utf8)
        func sync() throws {
            let r = try runProgram("/usr/bin/mbsync", ["-c", config, "-a"], timeout: 60)
            #expect(r.code == 0, "\(r.output)")
        }
        func localMessages(_ folder: String) -> [String] { files(in: "\(local)/\(folder)/cur") + files(in: "\(local)/\(folder)/new") }
        try sync()
        #expect(localMessages("INBOX").count == 3)
        #expect(FileManager.default.fileExists(atPath: "\(local)/Lists/Swift/cur"))
        // Local changes: flag one, trash one, add one in Lists/Swift.
        let inbox = localMessages("INBOX").sorted()
        let flagged = inbox[0], trashed = inbox[1]
        try FileManager.default.moveItem(atPath: flagged, toPath: "\(local)/INBOX/cur/" + Self.withFlags(flagged, "FS"))
        try FileManager.default.moveItem(atPath: trashed, toPath: "\(local)/INBOX/cur/" + Self.withFlags(trashed, "ST"))
        try "From: bob@example.com\r\nSubject: written offline\r\n\r\nnew\r\n".write(
            toFile: "\(local)/Lists/Swift/new/1700000000.1_1.host", atomically: true, encoding: .utf8)
        try sync()
        #expect(try s.inbox().messages == 2)
        #expect(try s.status("Lists/Swift").messages == 1)
        let account = try s.store.account(try s.store.directory.requireAccount(try AccountName(parsing: "bob@example.com")))
        var flags: [Flags] = []
        try account.messages(in: try s.inbox().id, uids: UIDSet(ranges: [1...100])) { m, _ in flags.append(m.flags) }
        #expect(flags.contains { $0.system.contains(.flagged) })
        // Re-runs change nothing on either side.
        try sync()
        try sync()
        #expect(try s.inbox().messages == 2)
        #expect(try s.status("Lists/Swift").messages == 1)
        #expect(localMessages("INBOX").count == 2)
        #expect(localMessages("Lists/Swift").count == 1)
        // New mail on the server comes down once.
        try s.deliver("message 4")
        try sync()
        try sync()
        #expect(localMessages("INBOX").count == 3)
    }

    /// offlineimap two-way, as with mbsync.
    @Test(.enabled(if: installed("/usr/bin/offlineimap"))) func offlineimapTwoWay() throws {
        let s = try MailServer(["--imap", "127.0.0.1:0"])
        for i in 1...3 { try s.deliver("message \(i)") }
        let local = s.directory.path + "/oi-mail"
        let config = s.directory.path + "/offlineimaprc"
        try """
            [general]
            accounts = roost
            metadata = \(s.directory.path)/oi-meta

            [Account roost]
            localrepository = local
            remoterepository = remote

            [Repository local]
            type = Maildir
            localfolders = \(local)

            [Repository remote]
            type = IMAP
            remotehost = 127.0.0.1
            remoteport = \(s.server.port("imap"))
            remoteuser = bob
            remotepass = bobpw
            ssl = no
            starttls = no
            """.write(toFile: config, atomically: true, encoding: .utf8)
        func sync() throws {
            let r = try runProgram("/usr/bin/offlineimap", ["-c", config, "-o", "-u", "basic"], timeout: 90)
            #expect(r.code == 0, "\(r.output)")
            #expect(!r.output.contains("ERROR"), "\(r.output)")
        }
        func localMessages(_ folder: String) -> [String] { files(in: "\(local)/\(folder)/cur") + files(in: "\(local)/\(folder)/new") }
        try sync()
        #expect(localMessages("INBOX").count == 3)
        let inbox = localMessages("INBOX").sorted()
        try FileManager.default.moveItem(atPath: inbox[0], toPath: "\(local)/INBOX/cur/" + Self.withFlags(inbox[0], "F"))
        try FileManager.default.removeItem(atPath: inbox[1])
        try "From: bob@example.com\r\nSubject: offline\r\n\r\nnew\r\n".write(
            toFile: "\(local)/INBOX/new/1700000001.1_1.host", atomically: true, encoding: .utf8)
        try sync()
        #expect(try s.inbox().messages == 3)
        try sync()
        #expect(try s.inbox().messages == 3)
        #expect(localMessages("INBOX").count == 3)
        let account = try s.store.account(try s.store.directory.requireAccount(try AccountName(parsing: "bob@example.com")))
        var subjects = 0, flagged = 0
        try account.messages(in: try s.inbox().id, uids: UIDSet(ranges: [1...100]), details: true) { m, d in
            if d?.fields.subject == "offline" { subjects += 1 }
            if m.flags.system.contains(.flagged) { flagged += 1 }
        }
        #expect(subjects == 1)
        #expect(flagged == 1)
    }

    /// A Maildir file name with its info part replaced by `:2,<flags>`.
    static func withFlags(_ path: String, _ flags: String) -> String {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let base = name.split(separator: ":", maxSplits: 1).first.map(String.init) ?? name
        return base + ":2," + flags
    }
}
