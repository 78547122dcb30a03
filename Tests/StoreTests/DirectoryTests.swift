import Testing
import TestSupport
@testable import Store

@Suite struct DirectoryTests {
    @Test func domainsAliasesAndMain() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        let d = store.directory
        #expect(try d.addDomain("Example.COM").isMain, "the first domain is the main one")
        #expect(try !d.addDomain("client2.com").isMain)
        try d.addDomainAlias("client2.net", for: "client2.com")
        #expect(try d.domain("client2.net")?.name == "client2.com")
        #expect(throws: StoreError.self) { try d.addDomain("client2.net") }
        #expect(throws: StoreError.self) { try d.addDomain("bad_domain") }
        try d.setMainDomain("client2.com")
        #expect(try d.mainDomain()?.name == "client2.com")
        #expect(try d.domains().map(\.name) == ["client2.com", "example.com"])
    }

    @Test func resolvesLoginsAndDeliveries() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        let d = store.directory
        _ = try d.addDomain("example.com", main: true)
        _ = try d.addDomain("client2.com")
        try d.addDomainAlias("client2.net", for: "client2.com")
        let info1 = try store.createAccount(try AccountName(parsing: "info@example.com"), passwordHash: try Password.hash("a"))
        let info2 = try store.createAccount(try AccountName(parsing: "info@client2.com"), passwordHash: try Password.hash("b"))
        try d.bind(address: "192.0.2.2", to: "client2.com")

        #expect(try d.resolve(Address("info"))?.account == info1, "bare names take the main domain")
        #expect(try d.resolve(Address("info"), localAddress: "192.0.2.2")?.account == info2, "or the domain bound to the local address")
        #expect(try d.resolve(Address("info%client2.com"))?.account == info2)
        #expect(try d.resolve(Address("INFO@Client2.NET"))?.account == info2, "domain aliases and case")
        #expect(try d.resolve(Address("<info+Lists@example.com>")) == Resolution(account: info1, detail: "Lists"))
        #expect(try d.resolve(Address("nobody@example.com")) == nil)
        #expect(try d.resolve(Address("info@nowhere.org")) == nil)

        try d.addAddressAlias(try AccountName(parsing: "sales@example.com"), for: try AccountName(parsing: "info@example.com"))
        #expect(try d.resolve(Address("sales@example.com"))?.account == info1)
        try d.addRoute("*@client2.com", to: "info@client2.com")
        #expect(try d.resolve(Address("anyone@client2.com"))?.account == info2, "wildcard routes catch unknown names")
        try d.addRoute("info@example.com", to: "info@client2.com")
        #expect(try d.resolve(Address("info@example.com"))?.account == info2, "exact routes apply before accounts")
        try d.addRoute("loop@example.com", to: "loop2@example.com")
        try d.addRoute("loop2@example.com", to: "loop@example.com")
        #expect(try d.resolve(Address("loop@example.com")) == nil, "a routing loop resolves to nothing")
    }

    @Test func wildcardRoutesMatchAnywhereInTheName() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        let d = store.directory
        _ = try d.addDomain("example.com", main: true)
        _ = try d.addDomain("sales.example.com")
        let info = try store.createAccount(try AccountName(parsing: "info@example.com"), passwordHash: try Password.hash("pw"))
        let north = try store.createAccount(try AccountName(parsing: "north@sales.example.com"), passwordHash: try Password.hash("pw"))
        let archive = try store.createAccount(try AccountName(parsing: "archive@example.com"), passwordHash: try Password.hash("pw"))

        try d.addRoute("sales-*@example.com", to: "*@sales.example.com")
        try d.addRoute("*-archive@example.com", to: "archive+*@example.com")
        try d.addRoute("*@example.com", to: "info@example.com")
        #expect(try d.resolve(Address("sales-north@example.com"))?.account == north, "the matched part replaces * in the target")
        #expect(try d.resolve(Address("Sales-North@example.com"))?.account == north)
        #expect(try d.resolve(Address("2025-archive@example.com"), delivery: true) == Resolution(account: archive, detail: "2025"),
                "a suffix pattern, and * in the target's detail")
        #expect(try d.resolve(Address("sales-@example.com"))?.account == info, "* matches one character or more; *@ catches the rest")
        #expect(try d.resolve(Address("sales-south@example.com")) == nil, "the routed name must exist in turn")
        #expect(try d.resolve(Address("info@example.com"))?.account == info, "accounts apply before wildcard routes")
        #expect(try d.routes().map(\.pattern) == ["*-archive@example.com", "*@example.com", "sales-*@example.com"])

        #expect(throws: StoreError.invalidArgument("a route pattern is name@domain, or a name with one * wildcard such as *@domain or sales-*@domain")) {
            try d.addRoute("*-*@example.com", to: "info@example.com")
        }
        #expect(throws: StoreError.invalidArgument("a route target has at most one *, and only when the pattern has one")) {
            try d.addRoute("boss@example.com", to: "*@example.com")
        }
        try d.removeRoute("sales-*@example.com")
        #expect(try d.resolve(Address("sales-north@example.com"))?.account == info)
    }

    @Test func accountsRenameRemoveAndRights() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        let d = store.directory
        _ = try d.addDomain("example.com")
        let bob = try AccountName(parsing: "bob@example.com")
        let record = try store.createAccount(bob, passwordHash: try Password.hash("pw"), quota: 1 << 20)
        #expect(record.quota == 1 << 20)
        #expect(throws: StoreError.alreadyExists("account bob@example.com already exists")) {
            try store.createAccount(bob, passwordHash: try Password.hash("pw"))
        }
        try d.grant(bob, .allAccounts)
        try d.grant(bob, .canAccessMailboxes)
        #expect(try d.grants(of: record.id) == [AdminGrant(right: .allAccounts, domain: nil), AdminGrant(right: .canAccessMailboxes, domain: "example.com")])
        try d.revoke(bob, .allAccounts)
        #expect(throws: StoreError.self) { try d.revoke(bob, .allAccounts) }

        let robert = try AccountName(parsing: "robert@example.com")
        try d.renameAccount(bob, to: robert)
        #expect(try d.account(named: robert)?.id == record.id, "rename keeps the id and so the files")
        #expect(try d.account(named: bob) == nil)
        #expect(throws: StoreError.self) { try d.removeDomain("example.com") }

        let folder = store.accountRoot(record.id)
        #expect(FileSystem.exists(folder))
        try store.removeAccount(robert)
        #expect(!FileSystem.exists(folder), "remove keeps nothing behind")
        #expect(try d.accounts().isEmpty)
        try d.removeDomain("example.com")
        #expect(try d.domains().isEmpty)
    }

    @Test func templatesShapeNewAccounts() throws {
        let dir = TemporaryDirectory()
        let store = try Store(root: dir.path)
        _ = try store.directory.addDomain("example.com")
        let template = AccountTemplate(
            mailboxes: [.init(name: "INBOX"), .init(name: "Archive", specialUse: "\\Archive"), .init(name: "Lists/Swift")],
            subscriptions: ["INBOX", "~marketing/announce"], quota: 5 << 20)
        try store.directory.setTemplate(template, for: "example.com")
        #expect(try store.directory.template(for: "example.com") == template)
        let record = try store.createAccount(try AccountName(parsing: "carol@example.com"), passwordHash: try Password.hash("pw"))
        #expect(record.quota == 5 << 20)
        let account = try store.account(record)
        #expect(try account.mailboxes().map(\.name) == ["Archive", "INBOX", "Lists", "Lists/Swift"])
        #expect(try account.mailbox(named: "Archive").specialUse == "\\Archive")
        #expect(try account.subscriptions() == ["INBOX", "~marketing/announce"])
    }
}

@Suite struct RecoveryTests {
    @Test func tornTailIsCutAndIgnored() throws {
        let dir = TemporaryDirectory()
        var id = ""
        do {
            let store = try Store(root: dir.path)
            _ = try store.directory.addDomain("example.com")
            let record = try store.createAccount(try AccountName(parsing: "a@example.com"), passwordHash: try Password.hash("pw"))
            id = record.id
            let account = try store.account(record)
            _ = try account.append([NewMessage(bytes: message(1))], to: try account.mailbox(named: "INBOX").id)
        }
        // A writer that died after writing bytes but before its index commit.
        let segment = "\(dir.path)/accounts/\(id)/blobs/1.seg"
        let good = try #require(FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0x41, count: 12345))
        handle.closeFile()
        // An abandoned compaction output and a stray file.
        _ = FileManager.default.createFile(atPath: "\(dir.path)/accounts/\(id)/blobs/9.seg", contents: Data([1, 2, 3]))

        let store = try Store(root: dir.path)
        let account = try store.account(try #require(try store.directory.account(id: id)))
        #expect(try FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int == good)
        #expect(!FileSystem.exists("\(dir.path)/accounts/\(id)/blobs/9.seg"))
        #expect(try account.check().isClean)
        let r = try account.append([NewMessage(bytes: message(2))], to: try account.mailbox(named: "INBOX").id)
        #expect(r.uids == [UID(2)])
        #expect(try account.check().isClean)
    }

    @Test func checkFindsDamagedBytes() throws {
        let f = try Fixture()
        _ = try f.alice.append([NewMessage(bytes: message(1)), NewMessage(bytes: message(2))], to: try f.inbox().id)
        let segment = "\(f.alice.root)/blobs/1.seg"
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        handle.seek(toFileOffset: 10)
        handle.write(Data("X".utf8))
        handle.closeFile()
        let report = try f.alice.check()
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.contains("do not match their hash") == true)
    }
}

import Foundation

@Suite struct AuthenticationTests {
    @Test func loginsByEveryName() throws {
        let f = try Fixture()
        _ = try f.store.directory.addDomain("client2.com")
        try f.store.directory.addDomainAlias("client2.net", for: "client2.com")
        let info2 = try f.store.createAccount(try AccountName(parsing: "info@client2.com"), passwordHash: try Password.hash("pw2"))
        try f.store.directory.bind(address: "127.0.0.2", to: "client2.com")

        #expect(f.store.authenticate(login: "alice", password: "secret")?.id == f.record.id)
        #expect(f.store.authenticate(login: "Alice@Example.com", password: "secret")?.id == f.record.id)
        #expect(f.store.authenticate(login: "info%client2.com", password: "pw2")?.id == info2.id)
        #expect(f.store.authenticate(login: "info@client2.net", password: "pw2")?.id == info2.id)
        #expect(f.store.authenticate(login: "info", password: "pw2", localAddress: "127.0.0.2")?.id == info2.id)
        #expect(f.store.authenticate(login: "info", password: "pw2") == nil, "bare names take the main domain without a binding")
        #expect(f.store.authenticate(login: "alice", password: "Secret") == nil)
        #expect(f.store.authenticate(login: "nobody", password: "secret") == nil)
        #expect(f.store.authenticate(login: "alice+x@example.com", password: "secret") == nil, "a detail is for delivery, not login")
    }
}

@Suite struct UnknownMailTests {
    @Test func deliveriesToUnknownNamesFollowTheDomainSetting() throws {
        let f = try Fixture()
        let d = f.store.directory
        #expect(try d.resolve(Address("nobody@example.com"), delivery: true) == nil)
        try d.setSettings(DomainSettings(unknownMail: "alice@example.com"), for: "example.com")
        #expect(try d.resolve(Address("nobody@example.com"), delivery: true)?.account.id == f.record.id)
        #expect(try d.resolve(Address("nobody@example.com")) == nil, "a login never takes the unknown-mail path")
        #expect(f.store.authenticate(login: "nobody@example.com", password: "secret") == nil)
        #expect(throws: StoreError.self) { try d.setSettings(DomainSettings(unknownMail: "nodomain"), for: "example.com") }
    }
}
