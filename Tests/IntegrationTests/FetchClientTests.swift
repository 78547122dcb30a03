import Foundation
import Testing
import TestSupport

/// Real fetching clients, fetchmail and getmail, over POP3 and over IMAP, keeping mail and
/// then deleting it. A re-run must fetch nothing and a later run only what is new: over
/// POP3 by UIDL, over IMAP by \Seen (fetchmail) or by UIDVALIDITY and UID (getmail).
@Suite(.serialized) struct FetchClientTests {
    @Test(.enabled(if: installed("/usr/bin/fetchmail")), arguments: ["pop3", "imap"])
    func fetchmailKeepThenDelete(over protocolName: String) throws {
        let s = try MailServer(["--\(protocolName)", "127.0.0.1:0"])
        for i in 1...3 { try s.deliver("message \(i)") }
        let out = s.directory.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let mda = s.directory.path + "/mda.sh"
        try "#!/bin/sh\ncat > \"\(out)/$(date +%s%N).eml\"\n".write(toFile: mda, atomically: true, encoding: .utf8)
        chmod(mda, 0o755)
        func fetch(_ mode: String) throws -> (Int32, String) {
            let rc = s.directory.path + "/fetchmailrc"
            try """
                set idfile "\(s.directory.path)/fetchids"
                poll 127.0.0.1 service \(s.server.port(protocolName)) protocol \(protocolName == "pop3" ? "pop3 uidl" : "imap")
                  user "bob" password "bobpw" \(mode) mda "\(mda)" sslproto ''
                """.write(toFile: rc, atomically: true, encoding: .utf8)
            chmod(rc, 0o600)
            let r = try runProgram("/usr/bin/fetchmail", ["-f", rc, "--nosyslog", "-N", "--pidfile", s.directory.path + "/fetchmail.pid"])
            return (r.code, r.output)
        }
        var r = try fetch("keep")
        #expect(r.0 == 0, "\(r.1)")
        #expect(files(in: out).count == 3)
        r = try fetch("keep")
        #expect(r.0 == 1, "fetchmail exits 1 when there is no new mail: \(r.1)")
        #expect(files(in: out).count == 3, "a re-run fetches nothing again")
        try s.deliver("message 4")
        r = try fetch("keep")
        #expect(files(in: out).count == 4, "only the new message is fetched: \(r.1)")
        #expect(try s.inbox().messages == 4)
        // fetchmail deletes only what it retrieves: the four seen messages stay.
        try s.deliver("message 5")
        r = try fetch("nokeep")
        #expect(r.0 == 0, "\(r.1)")
        #expect(files(in: out).count == 5, "only the new message is fetched: \(r.1)")
        #expect(try s.inbox().messages == 4, "the retrieved message is deleted, the seen ones stay: \(r.1)")
        // `flush` deletes the messages fetched before without fetching them again.
        r = try fetch("nokeep flush")
        #expect(try s.inbox().messages == 0, "delete mode with flush empties the INBOX: \(r.1)")
        #expect(files(in: out).count == 5, "nothing is fetched twice: \(r.1)")
        let fetched = try files(in: out).map { try String(contentsOfFile: $0, encoding: .utf8) }
        for i in 1...5 {
            #expect(fetched.filter { $0.contains("Subject: message \(i)\r\n") || $0.contains("Subject: message \(i)\n") }.count == 1)
        }
    }

    @Test(.enabled(if: installed("/usr/bin/getmail")), arguments: ["pop3", "imap"])
    func getmailKeepThenDelete(over protocolName: String) throws {
        let s = try MailServer(["--\(protocolName)", "127.0.0.1:0"])
        for i in 1...3 { try s.deliver("message \(i)") }
        let maildir = s.directory.path + "/Maildir"
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: maildir + "/" + sub, withIntermediateDirectories: true)
        }
        // getmail refuses to deliver as root; it delivers as `user` then, who must own the Maildir.
        let asRoot = getuid() == 0
        if asRoot { _ = try runProgram("/bin/chown", ["-R", "nobody", maildir]) }
        let state = s.directory.path + "/getmail"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        func fetch(delete: Bool) throws -> String {
            try """
                [retriever]
                type = \(protocolName == "pop3" ? "SimplePOP3Retriever" : "SimpleIMAPRetriever")
                server = 127.0.0.1
                port = \(s.server.port(protocolName))
                username = bob
                password = bobpw

                [destination]
                type = Maildir
                path = \(maildir)/
                \(asRoot ? "user = nobody" : "")

                [options]
                read_all = false
                delete = \(delete ? "true" : "false")
                verbose = 2
                """.write(toFile: state + "/getmailrc", atomically: true, encoding: .utf8)
            let r = try runProgram("/usr/bin/getmail", ["--getmaildir", state, "--rcfile", "getmailrc"])
            #expect(r.code == 0, "\(r.output)")
            return r.output
        }
        var output = try fetch(delete: false)
        #expect(files(in: maildir + "/new").count == 3, "\(output)")
        output = try fetch(delete: false)
        #expect(files(in: maildir + "/new").count == 3, "a re-run fetches nothing again: \(output)")
        try s.deliver("message 4")
        output = try fetch(delete: false)
        #expect(files(in: maildir + "/new").count == 4, "only the new message is fetched: \(output)")
        #expect(try s.inbox().messages == 4)
        // With delete on, getmail retrieves what is new and deletes it, and deletes what it
        // retrieved before without retrieving it again.
        try s.deliver("message 5")
        output = try fetch(delete: true)
        #expect(try s.inbox().messages == 0, "delete mode empties the INBOX: \(output)")
        let fetched = try files(in: maildir + "/new").map { try String(contentsOfFile: $0, encoding: .utf8) }
        #expect(fetched.count == 5, "nothing is fetched twice: \(output)")
        for i in 1...5 {
            #expect(fetched.filter { $0.contains("Subject: message \(i)\n") }.count == 1)
        }
    }
}
