import Foundation
import Testing
import TestSupport

/// Connection-level commands on the wire: greeting, CAPABILITY, logins, ID, ENABLE,
/// NAMESPACE, LOGOUT, and what happens with bad input.
@Suite struct SessionWireTests {
    static let commonCapabilities = "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS MULTIAPPEND CATENATE UTF8=ACCEPT MOVE UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE XLIST LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES PARTIAL WITHIN SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES BINARY STATUS=SIZE CONDSTORE QRESYNC OBJECTID SAVEDATE PREVIEW ACL RIGHTS=texk NOTIFY METADATA QUOTA QUOTA=RES-STORAGE APPENDLIMIT=52428800"

    @Test func greetingAndCapabilities() throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        #expect(c.greeting.hasPrefix("* OK [CAPABILITY \(Self.commonCapabilities) AUTH=PLAIN AUTH=LOGIN] "))
        #expect(c.greeting.hasSuffix(" Roost IMAP ready"))
        var r = try c.send("CAPABILITY")
        #expect(r.untagged == ["* CAPABILITY \(Self.commonCapabilities) AUTH=PLAIN AUTH=LOGIN"])
        #expect(r.completion == "OK CAPABILITY completed")
        r = try c.send("LOGIN alice alicepw")
        #expect(r.completion == "OK [CAPABILITY \(Self.commonCapabilities) COMPRESS=DEFLATE] Logged in")
        r = try c.send("CAPABILITY")
        #expect(r.untagged == ["* CAPABILITY \(Self.commonCapabilities) COMPRESS=DEFLATE"])
    }

    @Test(arguments: ["alice", "alice@example.com", "alice%example.com", "ALICE@Example.COM"])
    func loginForms(user: String) throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        #expect(try c.send("LOGIN \"\(user)\" alicepw").isOK)
        #expect(try c.send("SELECT INBOX").isOK)
    }

    @Test func failedLoginsLookTheSameAndAreDelayed() throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        let start = Date()
        let wrongPassword = try c.send("LOGIN alice wrong")
        let noAccount = try c.send("LOGIN nobody wrong")
        #expect(wrongPassword.completion == "NO [AUTHENTICATIONFAILED] Authentication failed")
        #expect(noAccount.completion == wrongPassword.completion)
        // 0.5 s, then 1 s: the delay grows per source address.
        #expect(Date().timeIntervalSince(start) >= 1.4)
        #expect(try c.send("SELECT INBOX").completion == "BAD Log in first")
        #expect(try c.send("LOGIN alice alicepw").isOK)
    }

    @Test func authenticatePlainWithInitialResponseAndContinuation() throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        let credentials = Data("\0alice\0alicepw".utf8).base64EncodedString()
        var r = try c.send("AUTHENTICATE PLAIN \(credentials)")
        #expect(r.completion.hasPrefix("OK [CAPABILITY "))
        let d = try IMAPClient(port: f.port)
        try d.wire.send("x AUTHENTICATE PLAIN\r\n")
        #expect(try d.wire.readLine() == "+ ")
        try d.wire.send(credentials + "\r\n")
        r = try d.reply("x")
        #expect(r.isOK)
        // Cancelled and malformed exchanges.
        let e = try IMAPClient(port: f.port)
        try e.wire.send("y AUTHENTICATE PLAIN\r\n")
        #expect(try e.wire.readLine() == "+ ")
        try e.wire.send("*\r\n")
        #expect(try e.reply("y").completion == "BAD Authentication cancelled")
        #expect(try e.send("AUTHENTICATE PLAIN %%%").completion == "BAD Invalid initial response")
        #expect(try e.send("AUTHENTICATE CRAM-MD5").completion == "NO [CANNOT] Unsupported authentication mechanism")
    }

    @Test func authenticateLogin() throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        try c.wire.send("l AUTHENTICATE LOGIN\r\n")
        #expect(try c.wire.readLine() == "+ VXNlcm5hbWU6")
        try c.wire.send(Data("bob".utf8).base64EncodedString() + "\r\n")
        #expect(try c.wire.readLine() == "+ UGFzc3dvcmQ6")
        try c.wire.send(Data("bobpw".utf8).base64EncodedString() + "\r\n")
        #expect(try c.reply("l").isOK)
    }

    /// An administrator logs in as themself and acts for a user (SASL authorization identity).
    @Test func administratorActsForUser() throws {
        let f = try IMAPFixture(setup: { roost in
            try roost.run("account add boss@example.com --password-stdin", input: "bosspw\n")
            try roost.run("admin grant boss@example.com all-accounts")
        })
        try f.deliver(IMAPFixture.message("for alice"))
        let c = try IMAPClient(port: f.port)
        #expect(try c.send("AUTHENTICATE PLAIN " + Data("alice\0boss\0bosspw".utf8).base64EncodedString()).isOK)
        #expect(try c.send("SELECT INBOX").has("* 1 EXISTS"))
        let bob = try IMAPClient(port: f.port)
        let refused = try bob.send("AUTHENTICATE PLAIN " + Data("alice\0bob\0bobpw".utf8).base64EncodedString())
        #expect(refused.completion == "NO [AUTHENTICATIONFAILED] Authentication failed")
    }

    /// A domain administrator acts for the users of its own domain only; elsewhere it fails
    /// as a wrong password does.
    @Test func domainAdministratorActsForItsDomainOnly() throws {
        let f = try IMAPFixture(setup: { roost in
            try roost.run("account add helpdesk@example.com --password-stdin", input: "helpdeskpw\n")
            try roost.run("admin grant helpdesk@example.com can-access-mailboxes")
            try roost.run("domain add client2.com")
            try roost.run("account add info@client2.com --password-stdin", input: "infopw\n")
        })
        try f.deliver(IMAPFixture.message("for alice"))
        let c = try IMAPClient(port: f.port)
        #expect(try c.send("AUTHENTICATE PLAIN " + Data("alice\0helpdesk\0helpdeskpw".utf8).base64EncodedString()).isOK)
        #expect(try c.send("SELECT INBOX").has("* 1 EXISTS"))
        let elsewhere = try IMAPClient(port: f.port)
        let refused = try elsewhere.send("AUTHENTICATE PLAIN " + Data("info@client2.com\0helpdesk\0helpdeskpw".utf8).base64EncodedString())
        #expect(refused.completion == "NO [AUTHENTICATIONFAILED] Authentication failed")
    }

    @Test func idEnableNamespaceNoopLogout() throws {
        let f = try IMAPFixture()
        let c = try f.client()
        var r = try c.send("ID (\"name\" \"Thunderbird\" \"version\" \"128.0\")")
        #expect(r.untagged == ["* ID (\"name\" \"Roost\" \"version\" \"0.1.0\" \"vendor\" \"Roost\")"])
        r = try c.send("NAMESPACE")
        #expect(r.untagged == ["* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL"])
        r = try c.send("ENABLE IMAP4rev2 CONDSTORE X-UNKNOWN")
        #expect(r.untagged == ["* ENABLED IMAP4rev2 CONDSTORE"])
        r = try c.send("ENABLE IMAP4rev2")
        #expect(r.untagged == ["* ENABLED"])
        #expect(try c.send("NOOP").completion == "OK NOOP completed")
        r = try c.send("LOGOUT")
        #expect(r.untagged == ["* BYE Logging out"])
        #expect(r.completion == "OK LOGOUT completed")
        #expect(try c.wire.isClosed())
    }

    @Test func errorsKeepTheConnection() throws {
        let f = try IMAPFixture()
        let c = try IMAPClient(port: f.port)
        #expect(try c.send("FROB").completion == "BAD Unknown command FROB")
        #expect(try c.send("SELECT INBOX").completion == "BAD Log in first")
        #expect(try c.send("STARTTLS").completion == "BAD TLS is not available")
        // `%` is an atom-special: unquoted it is a syntax error (RFC 9051 §9).
        #expect(try c.send("LOGIN alice%example.com alicepw").completion == "BAD Expected a space")
        try c.wire.send("+bad\r\n")
        #expect(try c.wire.readLine() == "* BAD Missing or invalid tag")
        try c.wire.send("\r\n\r\n")  // stray empty lines are ignored
        #expect(try c.send("LOGIN alice alicepw").isOK)
        #expect(try c.send("LOGIN alice alicepw").completion == "BAD Already logged in")
        #expect(try c.send("FETCH 1 FLAGS").completion == "BAD No mailbox selected")
        #expect(try c.send("SELECT").completion == "BAD Missing arguments")
        #expect(try c.send("SELECT INBOX (BOGUS)").completion == "BAD Unknown SELECT parameter BOGUS")
        #expect(try c.send("SELECT INBOX").isOK)
        #expect(try c.send("ENABLE IMAP4rev2").completion == "BAD ENABLE is not allowed with a mailbox selected")
        #expect(try c.send("FETCH 5 FLAGS").completion == "BAD Invalid message sequence number 5 (0 messages)")
        #expect(try c.send("NOOP").isOK)
    }

    @Test func plaintextLoginRefusedWithoutTLSWhenConfigured() throws {
        let dir = TemporaryDirectory()
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        try roost.run("account add alice@example.com --password-stdin", input: "alicepw\n")
        let config = dir.path + "/roost.conf"
        try "plaintext_auth = tls-only\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(data: dir.path, arguments: ["--config", config, "--imap", "127.0.0.1:0"])
        let c = try IMAPClient(port: server.port("imap"))
        #expect(c.greeting.contains(" LOGINDISABLED]"))
        #expect(!c.greeting.contains("AUTH=PLAIN"))
        #expect(try c.send("LOGIN alice alicepw").completion == "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections")
        #expect(try c.send("AUTHENTICATE PLAIN " + Data("\0alice\0alicepw".utf8).base64EncodedString()).status == "NO")
    }
}
