import Foundation
@testable import IMAPD
import NIOCore
import Store
import Testing
import TestSupport

/// The session state machine driven directly: events in, actions out, no sockets.
@Suite struct SessionMachineTests {
    struct NoObserver: MailboxObserver {
        func watch(_ account: Account, _ mailbox: MailboxID) {}
        func stopWatching() {}
        func takeChanges() -> [MailboxChange] { [] }
    }

    let directory = TemporaryDirectory()

    func session(plaintext: Bool = true, tls: Bool = false) -> IMAPSession {
        IMAPSession(settings: .init(hostname: "mx.test", appendLimit: 1000, tlsAvailable: tls, plaintextAllowedWithoutTLS: plaintext),
                    tlsActive: false)
    }

    func context() throws -> SessionContext {
        let store = try Store(root: directory.path)
        _ = try store.directory.addDomain("example.com", main: true)
        let record = try store.createAccount(try AccountName(parsing: "u@example.com"), passwordHash: try Password.hash("pw"))
        return SessionContext(user: record, account: try store.account(record), options: ClientOptions(), observer: NoObserver())
    }

    /// What the actions write, and the other actions by name.
    func describe(_ actions: [IMAPSession.Action]) -> [String] {
        actions.map { action in
            switch action {
            case .write(let b): return String(buffer: b)
            case .run(let job, let tag, _): return "run \(type(of: job)) \(tag ?? "-")"
            case .login(let user, let password, let authorize): return "login \(user) \(password) \(authorize ?? "-")"
            case .startTLS: return "starttls"
            case .startCompression: return "compress"
            case .loggedIn: return "logged in"
            case .close: return "close"
            }
        }
    }

    func input(_ s: inout IMAPSession, _ line: String) -> [String] {
        describe(s.handle(.input(.command(ByteBuffer(string: line)))))
    }

    @Test func loginFlow() throws {
        var s = session()
        let greeting = describe(s.handle(.connected))
        #expect(greeting.count == 1 && greeting[0].hasPrefix("* OK [CAPABILITY IMAP4rev1 ") && greeting[0].hasSuffix("] mx.test Roost IMAP ready\r\n"))
        #expect(input(&s, "a SELECT INBOX") == ["a BAD Log in first\r\n"])
        #expect(input(&s, "b LOGIN u pw") == ["login u pw -"])
        // Input while the login is checked is not taken (the handler holds it back anyway).
        #expect(input(&s, "c NOOP") == [])
        let done = describe(s.handle(.loginFinished(.failure(.credentials))))
        #expect(done == ["b NO [AUTHENTICATIONFAILED] Authentication failed\r\n"])
        _ = input(&s, "d LOGIN u pw")
        let ok = describe(s.handle(.loginFinished(.success(try context()))))
        #expect(ok.count == 2 && ok[0].hasPrefix("d OK [CAPABILITY ") && ok[1] == "logged in")
        #expect(input(&s, "e SELECT INBOX") == ["run SelectCommand e"])
    }

    @Test func saslPlainContinuation() {
        var s = session()
        #expect(input(&s, "a AUTHENTICATE PLAIN") == ["+ \r\n"])
        #expect(input(&s, Data("admin@example.com\0boss\0secret".utf8).base64EncodedString()) == ["login boss secret admin@example.com"])
    }

    @Test func plaintextRefusedUntilTLS() {
        var s = session(plaintext: false, tls: true)
        #expect(input(&s, "a LOGIN u pw") == ["a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections\r\n"])
        #expect(input(&s, "b STARTTLS") == ["b OK Begin TLS negotiation now\r\n", "starttls"])
        _ = s.handle(.tlsStarted)
        #expect(input(&s, "c LOGIN u pw") == ["login u pw -"])
    }

    /// A session logged in with INBOX (id 1, UID 1) selected.
    func selectedSession() throws -> (IMAPSession, SessionContext) {
        var s = session()
        _ = input(&s, "a LOGIN u pw")
        var ctx = try context()
        _ = s.handle(.loginFinished(.success(ctx)))
        ctx.selected = SelectedMailbox(id: 1, account: ctx.account, owner: ctx.user, reader: nil, name: "INBOX", readOnly: false, uidValidity: 1, uids: [UID(1)], highestModSeq: ModSequence(1), recent: UIDSet())
        _ = input(&s, "b SELECT INBOX")
        _ = s.handle(.jobFinished(ctx))
        return (s, ctx)
    }

    @Test func changesWaitWhileACommandRuns() throws {
        let (session, ctx) = try selectedSession()
        var s = session
        // IDLE, then a change: an announcement is run at once.
        #expect(input(&s, "c IDLE") == ["+ idling\r\n"])
        #expect(describe(s.handle(.changes([.appended([UID(2)])]))) == ["run Pending -"])
        // Another change while it runs waits, and runs next.
        #expect(describe(s.handle(.changes([.appended([UID(3)])]))) == [])
        #expect(describe(s.handle(.jobFinished(ctx))) == ["run Pending -"])
        #expect(describe(s.handle(.jobFinished(ctx))) == [])
        #expect(input(&s, "DONE") == ["c OK IDLE terminated\r\n"])
        #expect(describe(s.handle(.shutdown)) == ["* BYE Server shutting down\r\n", "close"])
    }

    /// Which pipelined commands may run in the same trip to the store thread as the one
    /// running: none that changes what is selected, none answered on the event loop.
    @Test func pipelinedCommandsThatChain() throws {
        let (session, _) = try selectedSession()
        var s = session
        func chained(_ line: String, selected: Bool = true) -> String? {
            s.chained(.command(ByteBuffer(string: line)), selected: selected).map { "\(type(of: $0.job)) \($0.tag)" }
        }
        // Nothing runs: nothing chains.
        #expect(chained("a STATUS INBOX (MESSAGES)") == nil)
        #expect(input(&s, "b FETCH 1 (UID)") == ["run FetchCommand b"])
        #expect(chained("c STATUS INBOX (MESSAGES)") == "StatusCommand c")
        #expect(chained("d UID STORE 1 +FLAGS (x)") == "StoreFlagsCommand d")
        #expect(chained("e FETCH 1 (UID)", selected: false) == nil)
        #expect(chained("f LIST \"\" *", selected: false) == "ListCommand f")
        for line in ["g SELECT INBOX", "h EXAMINE INBOX", "i CLOSE", "j UNSELECT", "k DELETE x", "l RENAME x y", "m NOOP",
                     "n CAPABILITY", "o IDLE", "p NOTIFY NONE", "q LOGOUT", "r FETCH", "s ENABLE UTF8=ACCEPT"] {
            #expect(chained(line) == nil, "\(line)")
        }
        #expect(s.chained(.continuationNeeded, selected: true) == nil)
    }

    @Test func changesForAMailboxNoLongerSelectedAreDropped() throws {
        var (s, ctx) = try selectedSession()
        // A change of INBOX comes while a SELECT of another mailbox runs: not for that one.
        _ = input(&s, "c SELECT Other")
        #expect(describe(s.handle(.changes([.appended([UID(2)])]))) == [])
        ctx.selected = SelectedMailbox(id: 2, account: ctx.account, owner: ctx.user, reader: nil, name: "Other", readOnly: false, uidValidity: 7, uids: [UID(1)], highestModSeq: ModSequence(1), recent: UIDSet())
        _ = s.handle(.jobFinished(ctx))
        #expect(s.context?.selected?.hasPending == false)
    }

    /// A search's matches keep only the UIDs the session was told of, whether they come
    /// dense, sparse, past the last one told, or out of order.
    @Test(arguments: [
        ([1, 2, 3, 4, 5, 6], [2, 4, 6]),
        ([7, 10, 2000, 5000, 9999], [10, 2000, 9999]),
        ([9999, 2, 10], [9999, 2, 10]),
        ([1, 3, 10001], []),
    ])
    func searchMatchesAreTheAnnouncedOnes(_ found: [UInt32], _ expected: [UInt32]) throws {
        let ctx = try context()
        // Told of the even UIDs up to 2,000, and of 9,999.
        let uids = stride(from: UInt32(2), through: 2000, by: 2).map { UID($0) } + [UID(9999)]
        let view = SelectedMailbox(id: 1, account: ctx.account, owner: ctx.user, reader: nil, name: "INBOX", readOnly: false,
                                   uidValidity: 1, uids: uids, highestModSeq: ModSequence(1), recent: UIDSet())
        #expect(SearchMatches.announced(found.map { UID($0) }, view) == expected.map { UID($0) })
    }

    @Test func ownFlagChangesAreForgottenOnceTold() throws {
        let ctx = try context()
        var view = SelectedMailbox(id: 1, account: ctx.account, owner: ctx.user, reader: nil, name: "INBOX", readOnly: false, uidValidity: 1, uids: [UID(1), UID(2)], highestModSeq: ModSequence(1), recent: UIDSet())
        for n in 2...1000 {
            let own = FlagUpdate(uid: UID(1), flags: Flags(system: n % 2 == 0 ? .flagged : []), modSeq: ModSequence(UInt64(n)))
            view.noteOwnFlagChanges([own], reported: true)
            view.receive(.flags([own]))
        }
        #expect(view.ownChangesAwaitingNotice <= 1)
        // The own change told back is not announced; another session's later one is.
        #expect(!view.hasPending)
        view.receive(.flags([FlagUpdate(uid: UID(2), flags: Flags(system: .seen), modSeq: ModSequence(1001))]))
        #expect(view.hasPending)
        #expect(view.ownChangesAwaitingNotice == 0)
    }

    @Test func framingErrorsAreAnswered() {
        var s = session()
        #expect(describe(s.handle(.input(.continuationNeeded))) == ["+ Ready for literal data\r\n"])
        #expect(describe(s.handle(.input(.lineTooLong(tag: "x")))) == ["x BAD [TOOBIG] Line too long\r\n"])
        #expect(describe(s.handle(.input(.lineTooLong(tag: nil)))) == ["* BAD [TOOBIG] Line too long\r\n"])
        #expect(describe(s.handle(.input(.literalTooLarge(tag: "y", isAppend: true)))) == ["y NO [TOOBIG] Message too large\r\n"])
        #expect(input(&s, "z LOGOUT") == ["* BYE Logging out\r\nz OK LOGOUT completed\r\n", "close"])
    }
}
