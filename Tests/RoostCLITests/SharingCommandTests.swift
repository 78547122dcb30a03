import Foundation
import Store
import Testing
import TestSupport

/// `roost template`, `roost acl` and `roost alias mailbox`, as an operator's script uses them.
@Suite struct SharingCommandTests {
    let dir = TemporaryDirectory()

    func setup() throws -> CLI {
        let roost = CLI(data: dir.path)
        try roost.run("domain add example.com --main")
        for name in ["marketing", "alice"] {
            try roost.run("account add \(name)@example.com --password-stdin", input: "pw\n")
        }
        return roost
    }

    @Test func templateShowAndSet() throws {
        let roost = try setup()
        var r = try roost.run("template show example.com")
        #expect(r.code == 0)
        #expect(r.out.contains("\"name\" : \"Junk\""))
        let json = "{\"mailboxes\": [{\"name\": \"INBOX\"}, {\"name\": \"Archive\", \"specialUse\": \"\\\\Archive\"}], \"subscriptions\": [\"INBOX\"], \"aliases\": [{\"name\": \"news\", \"target\": \"~marketing/INBOX\"}], \"quota\": 1048576}"
        r = try roost.run(["template", "set", "example.com"], input: Array(json.utf8))
        #expect(r.code == 0 && r.out == "template of example.com set\n", "\(r.err)")
        try roost.run("account add carol@example.com --password-stdin", input: "pw\n")
        r = try roost.run("mailbox list carol@example.com")
        #expect(r.out.contains("Archive\t0\t0\t0\t"))
        #expect(r.out.contains("\\Archive"))
        #expect(!r.out.contains("Junk"))
        #expect(try roost.run("alias mailbox list carol@example.com").out == "news\t~marketing/INBOX\n")
        // Bad templates are refused whole, with one line.
        r = try roost.run(["template", "set", "example.com"], input: Array("{\"mailboxes\": [{\"name\": \"a/../b\"}], \"subscriptions\": []}".utf8))
        #expect(r.code != 0 && r.err == "roost: mailbox name has a '..' level\n")
        r = try roost.run(["template", "set", "example.com"], input: Array("not json".utf8))
        #expect(r.code != 0 && r.err.hasPrefix("roost: account template is not valid"))
    }

    @Test func aclAndMailboxAliases() throws {
        let roost = try setup()
        try roost.run("mailbox create marketing@example.com announce")
        var r = try roost.run("acl set marketing@example.com announce anyone lrs")
        #expect(r.out == "anyone has lrs on announce of marketing@example.com\n")
        r = try roost.run("acl set marketing@example.com announce alice +wi")
        #expect(r.out == "alice has wi on announce of marketing@example.com\n")
        r = try roost.run("acl list marketing@example.com announce")
        #expect(r.out.hasPrefix("marketing\tlrswipkxtea\t(owner)\n"))
        #expect(r.out.contains("anyone\tlrs\n") && r.out.contains("alice\twi\n"))
        #expect(try roost.run("acl set marketing@example.com announce alice lrZ").code == 64)
        #expect(try roost.run("acl set marketing@example.com announce nobody lr").code == 67)
        #expect(try roost.run("acl delete marketing@example.com announce alice").code == 0)
        #expect(!(try roost.run("acl list marketing@example.com announce").out.contains("alice")))
        r = try roost.run("alias mailbox add alice@example.com mkt-announce ~marketing/announce")
        #expect(r.code == 0)
        #expect(try roost.run("alias mailbox add alice@example.com INBOX ~marketing/announce").err == "roost: INBOX cannot be an alias\n")
        #expect(try roost.run("alias mailbox list alice@example.com").out == "mkt-announce\t~marketing/announce\n")
        #expect(try roost.run("alias mailbox remove alice@example.com mkt-announce").code == 0)
        #expect(try roost.run("alias mailbox remove alice@example.com mkt-announce").err == "roost: no mailbox alias mkt-announce\n")
    }
}
