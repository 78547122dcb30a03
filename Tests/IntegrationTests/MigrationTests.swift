import Foundation
import Testing
import TestSupport

/// A mailbox moved from Dovecot keeps its POP3 UIDLs: a client that left mail on the old
/// server downloads nothing again from Roost.
@Suite struct MigrationTests {
    @Test func importKeepsDovecotUIDLs() throws {
        let s = try MailServer(["--pop3", "127.0.0.1:0"])
        let maildir = s.directory.path + "/Maildir"
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: maildir + "/" + sub, withIntermediateDirectories: true)
        }
        try "Subject: old one\n\n1\n".write(toFile: maildir + "/cur/1500000000.M1.old:2,S", atomically: false, encoding: .utf8)
        try "Subject: old two\n\n2\n".write(toFile: maildir + "/cur/1500000001.M2.old:2,", atomically: false, encoding: .utf8)
        // Dovecot's UIDL for UID u in UIDVALIDITY v is %08Xu%08Xv.
        try "3 V1275660208 N31 G3085f01b7f11094c501100008c4a11c1\n17 :1500000000.M1.old\n30 :1500000001.M2.old\n"
            .write(toFile: maildir + "/dovecot-uidlist", atomically: false, encoding: .utf8)
        let r = try s.roost.run("import maildir \(maildir) --account bob@example.com")
        #expect(r.code == 0, "\(r.err)")
        try s.deliver("new after the move")

        let c = try WireClient(port: s.server.port("pop3"))
        _ = try c.readLine()
        try c.send("USER bob\r\nPASS bobpw\r\nUIDL\r\nQUIT\r\n")
        #expect(try c.readLine() == "+OK")
        #expect(try c.readLine().hasPrefix("+OK Logged in, 3 messages"))
        #expect(try c.readLine() == "+OK")
        #expect(try c.readLine() == "1 000000114C0907B0")
        #expect(try c.readLine() == "2 0000001E4C0907B0")
        #expect(try c.readLine() == "3 0000001F4C0907B0", "new mail takes the UID after the old server's last")
        #expect(try c.readLine() == ".")
    }
}
