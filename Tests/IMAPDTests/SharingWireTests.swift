import Foundation
import Testing
import TestSupport

/// Sharing between accounts on the wire (RFC 4314 ACLs, `~owner/mailbox`), each scenario
/// with two or three users logged in at once.
@Suite struct SharingWireTests {
    static func fixture(_ arguments: [String] = [], setup: (CLI) throws -> Void = { _ in }) throws -> IMAPFixture {
        try IMAPFixture(arguments) { roost in
            try roost.run("account add carol@example.com --password-stdin", input: "carolpw\n")
            try setup(roost)
        }
    }

    @Test func aliceSharesProjectsWithBob() throws {
        let f = try Self.fixture()
        let alice = try f.client("alice"), bob = try f.client("bob"), carol = try f.client("carol")
        try alice.send("CREATE Projects")
        try alice.append(IMAPFixture.message("plan"), to: "Projects")
        #expect(try alice.send("SETACL Projects bob lr").completion == "OK SETACL completed")
        #expect(try alice.send("GETACL Projects").untagged == ["* ACL Projects alice lrswipkxteacd bob lr"])
        #expect(try bob.send("LIST \"\" \"~*\"").untagged == ["* LIST (\\HasNoChildren) \"/\" ~alice/Projects"])
        #expect(try bob.send("LIST \"\" \"~%\"").untagged == ["* LIST (\\Noselect \\HasChildren) \"/\" ~alice"])
        #expect(try bob.send("MYRIGHTS ~alice/Projects").untagged == ["* MYRIGHTS ~alice/Projects lr"])
        var r = try bob.send("SELECT ~alice/Projects")
        #expect(r.completion == "OK [READ-ONLY] SELECT completed")
        #expect(r.has("* OK [PERMANENTFLAGS ()] Flags permitted"))
        #expect(try bob.send("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").untagged == ["* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {17}\r\nSubject: plan\r\n\r\n)"])
        #expect(try bob.append(IMAPFixture.message("bob's"), to: "~alice/Projects").completion == "NO [NOPERM] Permission denied")
        try alice.send("SETACL Projects bob +i")
        r = try bob.append(IMAPFixture.message("bob's"), to: "~alice/Projects")
        #expect(r.completion.hasSuffix(" 2] APPEND completed"))
        #expect(try alice.send("STATUS Projects (MESSAGES)").untagged == ["* STATUS Projects (MESSAGES 2)"])
        // Carol sees nothing of it, and cannot tell it exists.
        #expect(try carol.send("LIST \"\" \"~*\"").untagged == [])
        #expect(try carol.send("SELECT ~alice/Projects").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try carol.send("SELECT ~alice/Nothing").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try carol.send("GETACL ~alice/Projects").completion == "NO [NONEXISTENT] No such mailbox")
        // Alice takes bob's rights away: his open session loses access at its next command.
        try alice.send("DELETEACL Projects bob")
        #expect(try bob.send("FETCH 1 FLAGS").completion == "NO [NOPERM] You no longer have access to this mailbox")
        #expect(try bob.send("LIST \"\" \"~*\"").untagged == [])
        // anyone: every account of the server.
        try alice.send("SETACL Projects anyone lr")
        #expect(try carol.send("LIST \"\" \"~alice/*\"").untagged == ["* LIST (\\HasNoChildren) \"/\" ~alice/Projects"])
        #expect(try carol.send("EXAMINE ~alice/Projects").isOK)
        // A negative entry takes a right away from one identifier.
        try alice.send("SETACL Projects -carol r")
        #expect(try carol.send("MYRIGHTS ~alice/Projects").untagged == ["* MYRIGHTS ~alice/Projects l"])
        #expect(try carol.send("EXAMINE ~alice/Projects").completion == "NO [NOPERM] Permission denied")
    }

    @Test func announcementsWithSeenPerReaderAndATemplateAlias() throws {
        let f = try IMAPFixture { roost in
            try roost.run("account add marketing@example.com --password-stdin", input: "marketingpw\n")
            try roost.run("mailbox create marketing@example.com announce")
            try roost.run("acl set marketing@example.com announce anyone lrs")
            let template = """
                {"mailboxes": [{"name": "INBOX"}, {"name": "Sent", "specialUse": "\\\\Sent"}],
                 "subscriptions": ["INBOX", "~marketing/announce"],
                 "aliases": [{"name": "mkt-announce", "target": "~marketing/announce"}]}
                """
            let r = try roost.run(["template", "set", "example.com"], input: Array(template.utf8))
            precondition(r.code == 0, r.err)
            try roost.run("account add carol@example.com --password-stdin", input: "carolpw\n")
            try roost.run("account add dave@example.com --password-stdin", input: "davepw\n")
        }
        try f.deliver(IMAPFixture.message("Company party"), to: "marketing+announce@example.com")
        let carol = try f.client("carol"), dave = try f.client("dave")
        // A client that never asks NAMESPACE sees the alias and the subscribed mailbox.
        let list = try carol.send("LIST \"\" \"*\"").untagged
        #expect(list.contains("* LIST (\\HasNoChildren) \"/\" mkt-announce"))
        #expect(list.contains("* LIST (\\HasNoChildren) \"/\" ~marketing/announce"))
        #expect(try carol.send("LIST \"\" \"%\"").untagged.contains("* LIST (\\Noselect \\HasChildren) \"/\" ~marketing"))
        #expect(try carol.send("LSUB \"\" \"*\"").untagged.contains("* LSUB () \"/\" ~marketing/announce"))
        // carol reads it through the alias; dave's copy stays unread.
        try carol.send("SELECT mkt-announce")
        let read = try carol.send("FETCH 1 (FLAGS BODY[TEXT])")
        #expect(read.untagged == ["* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {8}\r\nHello.\r\n)"], "\(read)")
        #expect(try dave.send("STATUS ~marketing/announce (MESSAGES UNSEEN)").untagged == ["* STATUS ~marketing/announce (MESSAGES 1 UNSEEN 1)"])
        #expect(try carol.send("STATUS mkt-announce (UNSEEN)").untagged == ["* STATUS mkt-announce (UNSEEN 0)"])
        try dave.send("SELECT ~marketing/announce")
        #expect(try dave.send("FETCH 1 FLAGS").untagged == ["* 1 FETCH (FLAGS ())"])
        #expect(try dave.send("SEARCH UNSEEN").untagged == ["* SEARCH 1"])
        #expect(try carol.send("SEARCH UNSEEN").untagged == ["* SEARCH"])
        // marketing's own \Seen is untouched by the readers.
        let marketing = try IMAPClient(port: f.port, user: "marketing", password: "marketingpw")
        #expect(try marketing.send("STATUS announce (UNSEEN)").untagged == ["* STATUS announce (UNSEEN 1)"])
    }

    @Test func administratorsOpenUsersInboxes() throws {
        let f = try Self.fixture { roost in
            try roost.run("account add boss@example.com --password-stdin", input: "bosspw\n")
            try roost.run("admin grant boss@example.com all-accounts")
            try roost.run("account add helpdesk@example.com --password-stdin", input: "helpdeskpw\n")
            try roost.run("admin grant helpdesk@example.com can-access-mailboxes")
            try roost.run("domain add client2.com")
            try roost.run("account add info@client2.com --password-stdin", input: "infopw\n")
        }
        try f.deliver(IMAPFixture.message("spam one"))
        try f.deliver(IMAPFixture.message("keep"))
        try f.deliver(IMAPFixture.message("spam two"), to: "bob@example.com")
        try f.deliver(IMAPFixture.message("hello"), to: "info@client2.com")
        let boss = try IMAPClient(port: f.port, user: "boss", password: "bosspw")
        #expect(try boss.send("MYRIGHTS ~alice/INBOX").untagged == ["* MYRIGHTS ~alice/INBOX lrswipkxteacd"])
        #expect(try boss.send("SELECT ~alice/INBOX").completion == "OK [READ-WRITE] SELECT completed")
        try boss.send("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try boss.send("EXPUNGE").untagged == ["* 1 EXPUNGE"])
        #expect(try boss.send("SELECT ~info@client2.com/INBOX").isOK)
        // The domain administrator: its own domain only; elsewhere as if nothing were there.
        let helpdesk = try IMAPClient(port: f.port, user: "helpdesk", password: "helpdeskpw")
        #expect(try helpdesk.send("SELECT ~bob/INBOX").isOK)
        try helpdesk.send("UID STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try helpdesk.send("UID EXPUNGE 1").untagged == ["* 1 EXPUNGE"])
        #expect(try helpdesk.send("SELECT ~info@client2.com/INBOX").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try helpdesk.send("SELECT ~nobody@client2.com/INBOX").completion == "NO [NONEXISTENT] No such mailbox")
        let alice = try f.client("alice")
        #expect(try alice.send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 1)"])
        #expect(try f.client("bob").send("STATUS INBOX (MESSAGES)").untagged == ["* STATUS INBOX (MESSAGES 0)"])
    }

    @Test func loginsAcrossDomains() throws {
        let f = try Self.fixture(["--imap", "127.0.0.2:0"]) { roost in
            try roost.run("domain add client2.com")
            try roost.run("account add info@client2.com --password-stdin", input: "client2pw\n")
            try roost.run("account add info@example.com --password-stdin", input: "mainpw\n")
            try roost.run("domain bind 127.0.0.2 client2.com")
            try roost.run("domain alias add client2.net client2.com")
            try roost.run("route add sales@client2.com info@client2.com")
        }
        let main = f.port
        // Domain aliases and router records apply to login names as to addresses.
        for login in ["info@client2.com", "info%client2.com", "INFO@client2.net", "sales@client2.com"] {
            #expect(try IMAPClient(port: main).send("LOGIN \"\(login)\" client2pw").isOK, "\(login)")
        }
        // A bare name takes the main domain here, and client2.com on the bound address.
        #expect(try IMAPClient(port: main).send("LOGIN info mainpw").isOK)
        let bound = try IMAPClient(port: try f.server.port("imap", on: "127.0.0.2"), host: "127.0.0.2")
        #expect(try bound.send("LOGIN info client2pw").isOK)
        let wrongDomain = try IMAPClient(port: main).send("LOGIN \"info@nowhere.org\" client2pw")
        let wrongPassword = try IMAPClient(port: main).send("LOGIN \"info@client2.com\" nope")
        #expect(wrongDomain.completion == "NO [AUTHENTICATIONFAILED] Authentication failed")
        #expect(wrongDomain.completion == wrongPassword.completion)
    }

    @Test func aclCommands() throws {
        let f = try Self.fixture()
        let alice = try f.client("alice")
        try alice.send("CREATE Team")
        #expect(try alice.send("SETACL Team bob lrsd").isOK)
        #expect(try alice.send("GETACL Team").untagged == ["* ACL Team alice lrswipkxteacd bob lrsxted"])
        #expect(try alice.send("SETACL Team bob -d").isOK)
        #expect(try alice.send("SETACL Team bob +w").isOK)
        #expect(try alice.send("GETACL Team").untagged == ["* ACL Team alice lrswipkxteacd bob lrsw"])
        #expect(try alice.send("SETACL Team bob lrQ").completion == "BAD Unknown right in lrQ")
        #expect(try alice.send("SETACL Team alice lr").completion == "NO [CANNOT] The owner always has all rights")
        #expect(try alice.send("SETACL Team nobody lr").completion == "NO [CANNOT] No such account: nobody")
        #expect(try alice.send("LISTRIGHTS Team bob").untagged == ["* LISTRIGHTS Team bob \"\" l r s w i p k x t e a c d"])
        #expect(try alice.send("LISTRIGHTS Team alice").untagged == ["* LISTRIGHTS Team alice lrswipkxtea"])
        #expect(try alice.send("MYRIGHTS Team").untagged == ["* MYRIGHTS Team lrswipkxteacd"])
        let bob = try f.client("bob")
        #expect(try bob.send("GETACL ~alice/Team").completion == "NO [NOPERM] Permission denied")
        #expect(try bob.send("SETACL ~alice/Team carol lr").completion == "NO [NOPERM] Permission denied")
        try alice.send("SETACL Team bob +a")
        #expect(try bob.send("SETACL ~alice/Team carol lr").isOK)
        #expect(try bob.send("GETACL ~alice/Team").untagged == ["* ACL ~alice/Team alice lrswipkxteacd bob lrswa carol lr"])
        // Mailboxes created below a shared one take its ACL.
        try alice.send("CREATE Team/Sub")
        #expect(try alice.send("GETACL Team/Sub").untagged == ["* ACL Team/Sub alice lrswipkxteacd bob lrswa carol lr"])
        #expect(try alice.send("DELETEACL Team carol").isOK)
        #expect(try alice.send("GETACL Team").untagged == ["* ACL Team alice lrswipkxteacd bob lrswa"])
    }

    @Test func quota() throws {
        let f = try Self.fixture { roost in try roost.run("account quota alice@example.com 10K") }
        let alice = try f.client("alice")
        #expect(try alice.send("GETQUOTAROOT INBOX").untagged == ["* QUOTAROOT INBOX \"\"", "* QUOTA \"\" (STORAGE 0 10)"])
        try alice.append(IMAPFixture.message("small"))
        #expect(try alice.send("GETQUOTA \"\"").untagged == ["* QUOTA \"\" (STORAGE 1 10)"])
        let big = IMAPFixture.message("big", body: String(repeating: "x", count: 12_000))
        #expect(try alice.append(big).completion == "NO [OVERQUOTA] Quota exceeded")
        #expect(try alice.send("SETQUOTA \"\" (STORAGE 100)").completion == "NO [NOPERM] Quotas are set by the administrator")
        #expect(try f.client("bob").send("GETQUOTAROOT INBOX").untagged == ["* QUOTAROOT INBOX"])
        #expect(try f.client("bob").send("GETQUOTA ~alice").completion == "NO [NONEXISTENT] No such quota root")
    }
}

/// Every command that needs a right, with that one right withheld: the answer RFC 4314 §4
/// gives. bob holds all rights on alice's `Shared` but the one withheld.
@Suite struct RightsMatrixTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var withheld: String
        /// Commands bob sends after selecting (when he can), with the completion expected.
        var steps: [(String, String)]
        var testDescription: String { "without \(withheld.isEmpty ? "any right" : withheld)" }
    }

    static let cases: [Case] = [
        Case(withheld: "l", steps: [("LIST \"\" \"~alice/*\"", "OK LIST completed"), ("SELECT ~alice/Shared", "OK [READ-WRITE] SELECT completed")]),
        Case(withheld: "r", steps: [("SELECT ~alice/Shared", "NO [NOPERM] Permission denied"),
                                    ("EXAMINE ~alice/Shared", "NO [NOPERM] Permission denied"),
                                    ("STATUS ~alice/Shared (MESSAGES)", "NO [NOPERM] Permission denied")]),
        Case(withheld: "s", steps: [("SELECT ~alice/Shared", "OK [READ-WRITE] SELECT completed"),
                                    ("STORE 1 +FLAGS (\\Seen)", "OK STORE completed"),
                                    ("FETCH 1 (BODY[TEXT])", "OK FETCH completed")]),
        Case(withheld: "w", steps: [("SELECT ~alice/Shared", "OK [READ-WRITE] SELECT completed"), ("STORE 1 +FLAGS (\\Flagged $Work)", "OK STORE completed")]),
        Case(withheld: "t", steps: [("SELECT ~alice/Shared", "OK [READ-WRITE] SELECT completed"),
                                    ("STORE 1 +FLAGS (\\Deleted)", "OK STORE completed"),
                                    ("MOVE 1 INBOX", "NO [NOPERM] Permission denied")]),
        Case(withheld: "i", steps: [("APPEND ~alice/Shared {5+}\r\nHello", "NO [NOPERM] Permission denied"),
                                    ("SELECT INBOX", "OK [READ-WRITE] SELECT completed"),
                                    ("COPY 1 ~alice/Shared", "NO [NOPERM] Permission denied")]),
        Case(withheld: "k", steps: [("CREATE ~alice/Shared/Sub", "NO [NOPERM] Permission denied"),
                                    ("RENAME ~alice/Shared/Child ~alice/Shared/Renamed", "NO [NOPERM] Permission denied")]),
        Case(withheld: "x", steps: [("DELETE ~alice/Shared", "NO [NOPERM] Permission denied"),
                                    ("RENAME ~alice/Shared ~alice/Moved", "NO [NOPERM] Permission denied")]),
        Case(withheld: "e", steps: [("SELECT ~alice/Shared", "OK [READ-WRITE] SELECT completed"),
                                    ("STORE 1 +FLAGS (\\Deleted)", "OK STORE completed"),
                                    ("EXPUNGE", "NO [NOPERM] Permission denied"),
                                    ("CLOSE", "OK CLOSE completed")]),
        Case(withheld: "a", steps: [("GETACL ~alice/Shared", "NO [NOPERM] Permission denied"),
                                    ("SETACL ~alice/Shared carol lr", "NO [NOPERM] Permission denied"),
                                    ("DELETEACL ~alice/Shared bob", "NO [NOPERM] Permission denied"),
                                    ("LISTRIGHTS ~alice/Shared carol", "NO [NOPERM] Permission denied"),
                                    ("MYRIGHTS ~alice/Shared", "OK MYRIGHTS completed")]),
        Case(withheld: "", steps: [("SELECT ~alice/Shared", "NO [NONEXISTENT] No such mailbox"),
                                   ("STATUS ~alice/Shared (MESSAGES)", "NO [NONEXISTENT] No such mailbox"),
                                   ("MYRIGHTS ~alice/Shared", "NO [NONEXISTENT] No such mailbox"),
                                   ("GETACL ~alice/Shared", "NO [NONEXISTENT] No such mailbox"),
                                   ("DELETE ~alice/Shared", "NO [NONEXISTENT] No such mailbox"),
                                   ("APPEND ~alice/Shared {5+}\r\nHello", "NO [NONEXISTENT] No such mailbox")]),
    ]

    @Test(arguments: cases) func rightWithheld(_ c: Case) throws {
        let f = try IMAPFixture()
        try f.deliver(IMAPFixture.message("shared one"))
        try f.deliver(IMAPFixture.message("bob's own"), to: "bob@example.com")
        let alice = try f.client("alice"), bob = try f.client("bob")
        try alice.send("CREATE Shared")
        try alice.send("SELECT INBOX")
        try alice.send("COPY 1 Shared")
        try alice.send("UNSELECT")
        let rights = c.withheld.isEmpty ? "" : String("lrswipkxtea".filter { String($0) != c.withheld })
        #expect(try alice.send(rights.isEmpty ? "DELETEACL Shared bob" : "SETACL Shared bob \(rights)").isOK)
        try alice.send("CREATE Shared/Child")  // takes Shared's ACL
        for (command, expected) in c.steps {
            let r = try bob.send(command)
            #expect(r.completion == expected, "\(command): \(r)")
            if command.hasPrefix("LIST ") {
                // Without `l` neither Shared nor its child (which took Shared's ACL) shows.
                #expect(r.untagged == [])
            }
        }
        // What was done and not done, seen by the owner.
        try alice.send("EXAMINE Shared")
        let flags = try alice.send("FETCH 1 FLAGS").untagged.first ?? ""
        switch c.withheld {
        case "s":
            let r = try bob.send("FETCH 1 FLAGS")
            #expect(r.untagged == ["* 1 FETCH (FLAGS (\\Recent))"], "\(r)")
        case "w", "t": #expect(flags == "* 1 FETCH (FLAGS ())")
        case "e": #expect(flags == "* 1 FETCH (FLAGS (\\Deleted))")
        case "k": #expect(try alice.send("LIST \"\" Shared/*").untagged == ["* LIST (\\HasNoChildren) \"/\" Shared/Child"])
        case "x": #expect(try alice.send("LIST \"\" Shared").untagged == ["* LIST (\\HasChildren) \"/\" Shared"])
        default: break
        }
    }
}
