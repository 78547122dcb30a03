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

    /// Foreign names in the subscription list, and mailbox aliases acting as their targets
    /// in the commands that write (APPEND, COPY, MOVE), with the target's rights.
    @Test func foreignSubscriptionsAndAliases() throws {
        let f = try Self.fixture { roost in
            try roost.run("mailbox create alice@example.com Projects")
            try roost.run("acl set alice@example.com Projects bob lri")
            try roost.run("mailbox create alice@example.com Secret")
            try roost.run("alias mailbox add bob@example.com proj ~alice/Projects")
            try roost.run("alias mailbox add bob@example.com peek ~alice/Secret")
        }
        for i in 1...2 { try f.deliver(IMAPFixture.message("bob \(i)"), to: "bob@example.com") }
        let alice = try f.client("alice"), bob = try f.client("bob")
        #expect(try bob.send("SUBSCRIBE ~alice/Projects").isOK)
        #expect(try bob.send("LSUB \"\" \"*\"").untagged.contains("* LSUB () \"/\" ~alice/Projects"))
        let subscribed = try bob.send("LIST (SUBSCRIBED) \"\" \"*\"").untagged
        #expect(subscribed.contains { $0.hasSuffix(" ~alice/Projects") && $0.contains("\\Subscribed") }, "\(subscribed)")
        // The alias: listed, and written through into alice's mailbox.
        let listed = try bob.send("LIST \"\" \"*\"").untagged
        #expect(listed.contains("* LIST (\\HasNoChildren) \"/\" proj"), "\(listed)")
        #expect(!listed.contains { $0.hasSuffix(" peek") }, "an alias to a mailbox bob may not see is not shown: \(listed)")
        #expect(try bob.append(IMAPFixture.message("appended"), to: "proj").completion.hasSuffix("] APPEND completed"))
        try bob.send("SELECT INBOX")
        #expect(try bob.send("COPY 1 proj").completion.hasSuffix("] COPY completed"))
        #expect(try bob.send("MOVE 2 proj").completion == "OK MOVE completed")
        #expect(try alice.send("STATUS Projects (MESSAGES)").untagged == ["* STATUS Projects (MESSAGES 3)"])
        #expect(try bob.send("STATUS proj (MESSAGES)").untagged == ["* STATUS proj (MESSAGES 3)"])
        // Through an alias bob has only the target's rights: none on Secret.
        #expect(try bob.send("COPY 1 peek").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try bob.send("SELECT peek").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try bob.append(IMAPFixture.message("sneaked"), to: "peek").completion == "NO [NONEXISTENT] No such mailbox")
        #expect(try alice.send("STATUS Secret (MESSAGES)").untagged == ["* STATUS Secret (MESSAGES 0)"])
        #expect(try bob.send("UNSUBSCRIBE ~alice/Projects").isOK)
        #expect(!(try bob.send("LSUB \"\" \"*\"").untagged.contains { $0.hasSuffix(" ~alice/Projects") }))
        // The grant index follows the mailbox and the account away.
        try alice.send("DELETE Projects")
        #expect(try bob.send("LIST \"\" \"~*\"").untagged == [])
        let roost = f.roost
        try roost.run("mailbox create carol@example.com Board")
        try roost.run("acl set carol@example.com Board bob lr")
        #expect(try bob.send("LIST \"\" \"~*\"").untagged == ["* LIST (\\HasNoChildren) \"/\" ~carol/Board"])
        try roost.run("account remove carol@example.com")
        #expect(try bob.send("LIST \"\" \"~*\"").untagged == [])
        #expect(try bob.send("SELECT ~carol/Board").completion == "NO [NONEXISTENT] No such mailbox")
    }

    /// A run of pipelined STATUS commands has its own names looked up together; every
    /// answer is still the one each command would get by itself: aliases (to an own
    /// mailbox and to someone else's), other users' names, missing and invalid names,
    /// and a change in the middle of the pipeline, which the STATUS after it sees.
    @Test func pipelinedStatusAnsweredAsOneAtATime() throws {
        let f = try Self.fixture { roost in
            try roost.run("mailbox create alice@example.com Projects")
            try roost.run("acl set alice@example.com Projects bob lr")
            try roost.run("mailbox create bob@example.com Own")
            try roost.run("alias mailbox add bob@example.com proj ~alice/Projects")
            try roost.run("alias mailbox add bob@example.com mine Own")
        }
        for i in 1...2 { try f.deliver(IMAPFixture.message("bob \(i)"), to: "bob@example.com") }
        try f.deliver(IMAPFixture.message("plan"), to: "alice@example.com", mailbox: "Projects")
        let bob = try f.client("bob")
        let added = IMAPFixture.message("appended")
        try bob.wire.send("t1 STATUS INBOX (MESSAGES)\r\nt2 STATUS proj (MESSAGES)\r\nt3 STATUS Nosuch (MESSAGES)\r\n"
                          + "t4 STATUS ~alice/Projects (MESSAGES)\r\nt5 STATUS inbox (UIDNEXT)\r\nt6 STATUS mine (MESSAGES)\r\n"
                          + "t7 STATUS Own/ (MESSAGES)\r\nt8 APPEND mine {\(added.utf8.count)+}\r\n\(added)\r\n"
                          + "t9 STATUS mine (MESSAGES)\r\nt10 STATUS Own (MESSAGES)\r\nt11 STATUS INBOX (MESSAGES)\r\n")
        var lines: [String] = []
        while lines.last?.hasPrefix("t11 ") != true { lines.append(try bob.wire.readLine()) }
        let append = lines.firstIndex { $0.hasPrefix("t8 ") }
        #expect(append.map { lines[$0].hasSuffix("] APPEND completed") } == true, "\(lines)")
        if let append { lines[append] = "t8 OK APPEND completed" }
        #expect(lines == [
            "* STATUS INBOX (MESSAGES 2)", "t1 OK STATUS completed",
            "* STATUS proj (MESSAGES 1)", "t2 OK STATUS completed",
            "t3 NO [NONEXISTENT] No such mailbox",
            "* STATUS ~alice/Projects (MESSAGES 1)", "t4 OK STATUS completed",
            "* STATUS inbox (UIDNEXT 3)", "t5 OK STATUS completed",
            "* STATUS mine (MESSAGES 0)", "t6 OK STATUS completed",
            "t7 NO [CANNOT] Mailbox name has an empty level",
            "t8 OK APPEND completed",
            "* STATUS mine (MESSAGES 1)", "t9 OK STATUS completed",
            "* STATUS Own (MESSAGES 1)", "t10 OK STATUS completed",
            "* STATUS INBOX (MESSAGES 2)", "t11 OK STATUS completed",
        ])
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
            try roost.run("route add desk-*@client2.com *@client2.com")
        }
        let main = f.port
        // Domain aliases and router records apply to login names as to addresses.
        for login in ["info@client2.com", "info%client2.com", "INFO@client2.net", "sales@client2.com", "desk-info@client2.com"] {
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
        // COPY adds to the usage and is refused the same way; MOVE within the account adds
        // nothing, so an account near its quota can still move mail (to Trash, say).
        let medium = IMAPFixture.message("medium", body: String(repeating: "y", count: 6_000))
        #expect(try alice.append(medium).isOK)
        try alice.send("SELECT INBOX")
        #expect(try alice.send("COPY 2 Trash").completion == "NO [OVERQUOTA] Quota exceeded")
        #expect(try alice.send("MOVE 2 Trash").isOK)
        #expect(try alice.send("STATUS Trash (MESSAGES)").untagged == ["* STATUS Trash (MESSAGES 1)"])
        #expect(try alice.send("SETQUOTA \"\" (STORAGE 100)").completion == "NO [NOPERM] Quotas are set by the administrator")
        #expect(try f.client("bob").send("GETQUOTAROOT INBOX").untagged == ["* QUOTAROOT INBOX"])
        #expect(try f.client("bob").send("GETQUOTA ~alice").completion == "NO [NONEXISTENT] No such quota root")
    }
}

/// RFC 4314 §4 as a table: every command bob sends to alice's mailbox `Shared`, with the
/// rights it needs, run once with each of the eleven rights withheld (and the other ten
/// granted). A command answers as refused exactly when a right it needs is the one
/// withheld, and succeeds otherwise; flag changes without their right are dropped
/// silently; afterwards the owner sees done only what was allowed.
@Suite struct RightsMatrixTests {
    struct Step: Sendable {
        var command: String
        /// The rights the command needs on its mailboxes.
        var needs: String
        /// Sent with `Shared` selected: without `r` there is nothing selected.
        var selected = false
        /// The answer when a needed right is withheld.
        var refusal = "NO [NOPERM] Permission denied"
    }

    static let steps: [Step] = [
        Step(command: "LIST \"\" \"~alice/*\"", needs: ""),  // answered, without Shared when `l` is withheld
        Step(command: "STATUS ~alice/Shared (MESSAGES)", needs: "r"),
        Step(command: "EXAMINE ~alice/Shared", needs: "r"),
        Step(command: "SELECT ~alice/Shared", needs: "r"),
        Step(command: "UID FETCH 1 (FLAGS)", needs: "r", selected: true),
        Step(command: "UID SEARCH ALL", needs: "r", selected: true),
        Step(command: "UID STORE 1 +FLAGS.SILENT (\\Seen)", needs: "r", selected: true),
        Step(command: "UID STORE 1 +FLAGS.SILENT ($Work)", needs: "r", selected: true),
        Step(command: "UID STORE 2 +FLAGS.SILENT (\\Deleted)", needs: "r", selected: true),
        Step(command: "UID COPY 1 ~alice/Shared/Child", needs: "ri", selected: true),
        Step(command: "UID MOVE 3 INBOX", needs: "rte", selected: true),
        Step(command: "UID EXPUNGE 4", needs: "re", selected: true),
        Step(command: "EXPUNGE", needs: "re", selected: true),
        Step(command: "UNSELECT", needs: "r", selected: true),
        Step(command: "APPEND ~alice/Shared {5+}\r\nHello", needs: "i"),
        Step(command: "CREATE ~alice/Shared/New", needs: "k"),
        Step(command: "RENAME ~alice/Shared/Ren ~alice/Shared/Ren2", needs: "xk"),
        Step(command: "DELETE ~alice/Shared/Del", needs: "x"),
        Step(command: "GETACL ~alice/Shared", needs: "a"),
        Step(command: "SETACL ~alice/Shared anyone lr", needs: "a"),
        Step(command: "LISTRIGHTS ~alice/Shared anyone", needs: "a"),
        Step(command: "DELETEACL ~alice/Shared anyone", needs: "a"),
        Step(command: "MYRIGHTS ~alice/Shared", needs: ""),
    ]

    static let rights = Array("lrswipkxtea")

    @Test(arguments: rights) func rightWithheld(_ withheld: Character) throws {
        let f = try IMAPFixture()
        for i in 1...4 { try f.deliver(IMAPFixture.message("shared \(i)")) }
        let alice = try f.client("alice"), bob = try f.client("bob")
        try alice.send("CREATE Shared")
        try alice.send("SELECT INBOX")
        try alice.send("COPY 1:4 Shared")
        try alice.send("UNSELECT")
        #expect(try alice.send("SETACL Shared bob \(String(Self.rights.filter { $0 != withheld }))").isOK)
        for child in ["Child", "Ren", "Del"] { try alice.send("CREATE Shared/\(child)") }  // they take Shared's ACL
        let has = { (right: Character) in right != withheld }

        for step in Self.steps {
            let r = try bob.send(step.command)
            if step.selected && withheld == "r" {
                #expect(r.completion == "BAD No mailbox selected", "\(step.command): \(r)")
            } else if step.needs.contains(withheld) {
                #expect(r.completion == step.refusal, "\(step.command) without \(withheld): \(r)")
            } else {
                #expect(r.isOK, "\(step.command) without \(withheld): \(r)")
            }
            if step.command.hasPrefix("LIST ") {
                let shown = r.untagged.contains { $0.hasSuffix(" ~alice/Shared") }
                #expect(shown == has("l"), "\(r)")
            }
            if step.command == "UID STORE 2 +FLAGS.SILENT (\\Deleted)" && has("r") {
                // The changes whose right is missing are dropped without an error.
                let flags = try bob.send("UID FETCH 1:2 (FLAGS)").untagged.map(Self.flags)
                var first: Set<String> = ["\\Recent"], second: Set<String> = ["\\Recent"]
                if has("s") { first.insert("\\Seen") }
                if has("w") { first.insert("$Work") }
                if has("t") { second.insert("\\Deleted") }
                #expect(flags == [first, second])
            }
        }

        // What the owner finds done: only what the rights allowed.
        var messages = 4
        if has("i") { messages += 1 }  // APPEND
        if has("r") && has("t") && has("e") { messages -= 2 }  // UID MOVE 3; EXPUNGE of UID 2
        #expect(try alice.send("STATUS Shared (MESSAGES)").untagged == ["* STATUS Shared (MESSAGES \(messages))"])
        #expect(try alice.send("STATUS Shared/Child (MESSAGES)").untagged == ["* STATUS Shared/Child (MESSAGES \(has("r") && has("i") ? 1 : 0))"])
        var children = ["Shared/Child", has("x") && has("k") ? "Shared/Ren2" : "Shared/Ren"]
        if !has("x") { children.append("Shared/Del") }
        if has("k") { children.append("Shared/New") }
        #expect(try alice.send("LIST \"\" Shared/*").untagged.map { String($0.split(separator: " ").last!) }.sorted() == children.sorted())
        #expect(try alice.send("GETACL Shared").untagged == ["* ACL Shared alice lrswipkxteacd bob \(Self.aclRights(withheld))"],
                "anyone's entry came and went only with a")
    }

    /// The flags of a `* n FETCH (UID u FLAGS (...))` line.
    static func flags(_ line: String) -> Set<String> {
        guard let open = line.range(of: "FLAGS ("), let close = line[open.upperBound...].firstIndex(of: ")") else { return [] }
        return Set(line[open.upperBound..<close].split(separator: " ").map(String.init))
    }

    /// How GETACL shows bob's rights: with RFC 2086's `c` while `k` is there and `d` while
    /// any of `x`, `t`, `e` is (RFC 4314 §2.1.1), which with one right withheld is always.
    static func aclRights(_ withheld: Character) -> String {
        String(rights.filter { $0 != withheld }) + (withheld == "k" ? "d" : "cd")
    }

    /// Without any right, the mailbox does not exist for bob.
    @Test func noRightAtAll() throws {
        let f = try IMAPFixture()
        let alice = try f.client("alice"), bob = try f.client("bob")
        try alice.send("CREATE Shared")
        for command in ["SELECT ~alice/Shared", "STATUS ~alice/Shared (MESSAGES)", "MYRIGHTS ~alice/Shared",
                        "GETACL ~alice/Shared", "DELETE ~alice/Shared", "APPEND ~alice/Shared {5+}\r\nHello"] {
            #expect(try bob.send(command).completion == "NO [NONEXISTENT] No such mailbox", "\(command)")
        }
        #expect(try bob.send("LIST \"\" \"~alice/*\"").untagged == [])
    }
}
