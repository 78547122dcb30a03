import Foundation
import TestSupport

/// What the clients of the crash harness were told, message by message, and what that
/// allows to be found after a crash. An operation whose answer the crash swallowed may or
/// may not have happened; one that was answered must have.
final class Ledger: @unchecked Sendable {
    /// The IMAP connections that change messages; each changes only its own, so the ledger
    /// knows exactly what every answered command did.
    static let owners = 2

    enum Place: Equatable {
        /// In this mailbox with this UID, as an answer said.
        case at(String, UInt32)
        /// An answer was lost: in one of these mailboxes, or (when `mayBeGone`) nowhere.
        case somewhere(Set<String>, mayBeGone: Bool)
        /// Expunged, and the EXPUNGE was answered (or it was found gone after a crash).
        case gone
    }

    struct Message {
        let bytes: [UInt8]
        var place: Place
        /// Flags an answered APPEND or STORE set.
        var flags: Set<String>
        let owner: Int
    }

    struct Observation {
        var problems: [String] = []
        var uidValidity: [String: UInt32] = [:]
    }

    fileprivate let lock = NSLock()
    fileprivate var messages: [String: Message] = [:]
    /// "mailbox UID" to the token of the message that had it: a UID is never given twice.
    private var uidHolders: [String: String] = [:]
    private var uidNext: [String: UInt32] = [:]
    private var problems: [String] = []
    private var counts: [String: Int] = [:]
    private var sentCount = 0

    // MARK: What the workers report

    /// A message about to be delivered or appended to `mailbox`.
    func sent(_ token: String, bytes: [UInt8], to mailbox: String) {
        lock.withLock {
            messages[token] = Message(bytes: bytes, place: .somewhere([mailbox], mayBeGone: true), flags: [], owner: sentCount % Ledger.owners)
            sentCount += 1
        }
    }

    /// A delivery or APPEND was answered with its UID.
    func stored(_ token: String, in mailbox: String, uid: UInt32, flags: Set<String> = [], kind: String) {
        lock.withLock {
            messages[token]?.place = .at(mailbox, uid)
            messages[token]?.flags.formUnion(flags)
            holdLocked(mailbox, uid, token)
            counts[kind, default: 0] += 1
        }
    }

    /// A message of `owner` whose place is known, to change.
    func pick(owner: Int, _ random: inout SplitMix64) -> (token: String, mailbox: String, uid: UInt32)? {
        lock.withLock {
            let mine = messages.filter { $0.value.owner == owner }.compactMap { token, m -> (String, String, UInt32)? in
                if case .at(let mailbox, let uid) = m.place { return (token, mailbox, uid) }
                return nil
            }
            return mine.randomElement(using: &random)
        }
    }

    func flagged(_ token: String, _ flag: String) {
        lock.withLock {
            messages[token]?.flags.insert(flag)
            counts["STORE", default: 0] += 1
        }
    }

    /// A MOVE or EXPUNGE is about to be sent: until it is answered, the message may be in
    /// either place (MOVE) or gone (EXPUNGE).
    func changing(_ token: String, to place: Place) {
        lock.withLock { messages[token]?.place = place }
    }

    func moved(_ token: String, to mailbox: String, uid: UInt32) {
        lock.withLock {
            messages[token]?.place = .at(mailbox, uid)
            holdLocked(mailbox, uid, token)
            counts["MOVE", default: 0] += 1
        }
    }

    func expunged(_ token: String) {
        lock.withLock {
            messages[token]?.place = .gone
            counts["EXPUNGE", default: 0] += 1
        }
    }

    /// Something a worker was answered that no crash explains.
    func problem(_ text: String) {
        lock.withLock { problems.append(text) }
    }

    var summary: String {
        lock.withLock {
            let answered = counts.filter { !$0.key.hasPrefix("unanswered") }.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "\(sentCount) messages sent; answered: \(answered); unanswered when the server died: \(counts["unanswered, found", default: 0]) found done, \(counts["unanswered, not found", default: 0]) not"
        }
    }

    private func holdLocked(_ mailbox: String, _ uid: UInt32, _ token: String) {
        let key = "\(mailbox) \(uid)"
        if let holder = uidHolders[key], holder != token {
            problems.append("UID \(uid) of \(mailbox) was given to \(holder) and then to \(token)")
        }
        uidHolders[key] = token
    }

    // MARK: After a restart

    /// Reads every mailbox over IMAP and compares it with what the clients were told; then
    /// takes what it found as the truth for the next round.
    func observe(_ server: ServerProcess) throws -> Observation {
        let client = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        var result = Observation()
        var found: [String: [(mailbox: String, message: FetchedMessage)]] = [:]
        var next: [String: UInt32] = [:]
        for mailbox in CrashHarnessTests.mailboxes {
            let status = try client.send("STATUS \(mailbox) (UIDNEXT UIDVALIDITY)")
            let line = status.untagged.first { $0.hasPrefix("* STATUS ") } ?? ""
            next[mailbox] = IMAPClient.number(after: "UIDNEXT ", in: line).map { UInt32($0) }
            result.uidValidity[mailbox] = IMAPClient.number(after: "UIDVALIDITY ", in: line).map { UInt32($0) }
            for m in try client.messages(in: mailbox) {
                let text = String(decoding: m.bytes, as: UTF8.self)
                guard let marker = text.range(of: "X-Crash-Token: "),
                      let token = text[marker.upperBound...].split(separator: "\r\n").first.map(String.init) else {
                    result.problems.append("\(mailbox) UID \(m.uid) is no message any client sent")
                    continue
                }
                found[token, default: []].append((mailbox, m))
            }
        }
        _ = try? client.send("LOGOUT")

        lock.withLock {
            result.problems += problems
            problems.removeAll()
            for mailbox in CrashHarnessTests.mailboxes {
                guard let now = next[mailbox] else {
                    result.problems.append("no UIDNEXT for \(mailbox)")
                    continue
                }
                if let before = uidNext[mailbox], now < before { result.problems.append("UIDNEXT of \(mailbox) went down from \(before) to \(now)") }
                uidNext[mailbox] = now
                for (key, token) in uidHolders where key.hasPrefix(mailbox + " ") {
                    if let uid = UInt32(key.dropFirst(mailbox.count + 1)), uid >= now {
                        result.problems.append("\(token) had UID \(uid) of \(mailbox), not below UIDNEXT \(now)")
                    }
                }
            }
            for token in found.keys where messages[token] == nil {
                result.problems.append("\(token) is stored but was never sent")
            }
            for (token, var message) in messages {
                let copies = found[token] ?? []
                if copies.count > 1 {
                    result.problems.append("\(token) is stored \(copies.count) times: \(copies.map { "\($0.mailbox) UID \($0.message.uid)" })")
                }
                let here = copies.first
                switch message.place {
                case .at(let mailbox, let uid):
                    if here?.mailbox != mailbox || here?.message.uid != uid {
                        result.problems.append("\(token) was acknowledged as \(mailbox) UID \(uid) but is \(here.map { "\($0.mailbox) UID \($0.message.uid)" } ?? "missing")")
                    }
                case .somewhere(let places, let mayBeGone):
                    if let here, !places.contains(here.mailbox) {
                        result.problems.append("\(token) is in \(here.mailbox), which no command could have put it in")
                    }
                    if here == nil && !mayBeGone { result.problems.append("\(token) is lost: an unanswered MOVE made it vanish") }
                    counts[here == nil ? "unanswered, not found" : "unanswered, found", default: 0] += 1
                case .gone:
                    if let here { result.problems.append("\(token) was expunged (acknowledged) but is in \(here.mailbox) UID \(here.message.uid)") }
                }
                if let here {
                    if here.message.bytes != message.bytes { result.problems.append("\(token) in \(here.mailbox) UID \(here.message.uid) has other bytes than were sent") }
                    let missing = message.flags.subtracting(here.message.flags)
                    if !missing.isEmpty { result.problems.append("\(token) lost acknowledged flags \(missing.sorted())") }
                    message.place = .at(here.mailbox, here.message.uid)
                    message.flags = here.message.flags.subtracting(["\\Recent"])
                    holdLocked(here.mailbox, here.message.uid, token)
                } else {
                    message.place = .gone
                }
                messages[token] = message
            }
            result.problems += problems
            problems.removeAll()
        }
        return result
    }
}

extension Ledger {
    /// Expunges all but the newest `keep` messages of each mailbox while nothing else runs,
    /// so that the rounds of a long run stay short (and compaction has work to do).
    func trim(_ server: ServerProcess, keep: Int) throws {
        let client = try IMAPClient(port: server.port("imap"), user: "alice", password: "alicepw")
        for mailbox in CrashHarnessTests.mailboxes {
            let victims: [(token: String, uid: UInt32)] = lock.withLock {
                messages.compactMap { token, m -> (String, UInt32)? in
                    if case .at(let box, let uid) = m.place, box == mailbox { return (token, uid) }
                    return nil
                }.sorted { $0.1 < $1.1 }.dropLast(keep)
            }
            guard !victims.isEmpty else { continue }
            let set = victims.map { String($0.uid) }.joined(separator: ",")
            guard try client.send("SELECT \(mailbox)").isOK,
                  try client.send("UID STORE \(set) +FLAGS.SILENT (\\Deleted)").isOK,
                  try client.send("UID EXPUNGE \(set)").isOK else {
                throw ServerError(description: "could not expunge old messages of \(mailbox)")
            }
            lock.withLock { for v in victims { messages[v.token]?.place = .gone } }
        }
        _ = try? client.send("LOGOUT")
    }
}

/// Delivers over one LMTP connection until the server goes away.
struct LMTPWorker {
    let ledger: Ledger
    let port: Int
    let name: String
    let seed: UInt64

    func run() {
        var random = SplitMix64(seed: seed)
        guard let c = try? WireClient(port: port) else { return }
        do {
            _ = try c.readLine()
            try c.send("LHLO crash.test\r\n")
            while try !c.readLine().hasPrefix("250 ") {}
            for n in 0... {
                let token = "\(name).\(n)"
                let body = messageBody(token, &random)
                try c.send("MAIL FROM:<crash@example.org>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n")
                let answers = [try c.readLine(), try c.readLine(), try c.readLine()]
                guard answers[0].hasPrefix("250 "), answers[1].hasPrefix("250 "), answers[2].hasPrefix("354 ") else {
                    ledger.problem("\(token): LMTP answered \(answers)")
                    return
                }
                ledger.sent(token, bytes: Array(("Return-Path: <crash@example.org>\r\nDelivered-To: <alice@example.com>\r\n" + body).utf8), to: "INBOX")
                try c.send(body + ".\r\n")
                let reply = try c.readLine()
                guard reply.hasPrefix("250 "), let uid = IMAPClient.number(after: "Saved as UID ", in: reply) else {
                    ledger.problem("\(token): delivery answered \(reply)")
                    return
                }
                ledger.stored(token, in: "INBOX", uid: UInt32(uid), kind: "LMTP 250")
            }
        } catch {
            return  // the server was killed
        }
    }
}

/// APPENDs over one IMAP connection until the server goes away.
struct AppendWorker {
    let ledger: Ledger
    let port: Int
    let name: String
    let seed: UInt64

    func run() {
        var random = SplitMix64(seed: seed)
        guard let c = try? IMAPClient(port: port, user: "alice", password: "alicepw") else { return }
        do {
            for n in 0... {
                let token = "\(name).\(n)"
                let mailbox = CrashHarnessTests.mailboxes.randomElement(using: &random)!
                let flags = Set(["\\Flagged", "$Label1"].filter { _ in Bool.random(using: &random) })
                let body = messageBody(token, &random)
                ledger.sent(token, bytes: Array(body.utf8), to: mailbox)
                let reply = try c.send("APPEND \(mailbox) (\(flags.sorted().joined(separator: " "))) {\(body.utf8.count)+}\r\n\(body)")
                guard reply.isOK, let code = reply.tagged.range(of: "[APPENDUID "),
                      let uid = reply.tagged[code.upperBound...].split(separator: " ").dropFirst().first.flatMap({ UInt32($0.prefix { $0.isNumber }) }) else {
                    ledger.problem("\(token): APPEND answered \(reply.tagged)")
                    return
                }
                ledger.stored(token, in: mailbox, uid: uid, flags: flags, kind: "APPEND OK")
            }
        } catch {
            return
        }
    }
}

/// STORE, MOVE and EXPUNGE on the messages one owner may change, until the server goes away.
struct ChangeWorker {
    let ledger: Ledger
    let port: Int
    let owner: Int
    let seed: UInt64

    func run() {
        var random = SplitMix64(seed: seed)
        guard let c = try? IMAPClient(port: port, user: "alice", password: "alicepw") else { return }
        var selected: String?
        do {
            while true {
                guard let (token, mailbox, uid) = ledger.pick(owner: owner, &random) else {
                    usleep(5_000)
                    _ = try c.send("NOOP")  // notices a dead server even with nothing to do
                    continue
                }
                if selected != mailbox {
                    guard try c.send("SELECT \(mailbox)").isOK else { return ledger.problem("SELECT \(mailbox) failed") }
                    selected = mailbox
                } else {
                    // A session acts on the messages it was told of (RFC 9051 §7.4.1: EXISTS):
                    // one delivered since its last command is announced first.
                    _ = try c.send("NOOP")
                }
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4:
                    let flag = ["\\Flagged", "\\Answered", "$Label1", "$Label2"].randomElement(using: &random)!
                    let reply = try c.send("UID STORE \(uid) +FLAGS.SILENT (\(flag))")
                    guard reply.isOK else { return ledger.problem("\(token): STORE answered \(reply.tagged)") }
                    ledger.flagged(token, flag)
                case 4..<7:
                    let target = CrashHarnessTests.mailboxes.first { $0 != mailbox }!
                    ledger.changing(token, to: .somewhere([mailbox, target], mayBeGone: false))
                    let reply = try c.send("UID MOVE \(uid) \(target)")
                    let code = (reply.untagged + [reply.tagged]).lazy.compactMap { line in line.range(of: "[COPYUID ").map { line[$0.upperBound...] } }.first
                    guard reply.isOK, let code, let moved = code.split(separator: " ").dropFirst(2).first.flatMap({ UInt32($0.prefix { $0.isNumber }) }) else {
                        return ledger.problem("\(token): MOVE answered \(reply)")
                    }
                    ledger.moved(token, to: target, uid: moved)
                default:
                    let deleted = try c.send("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")
                    guard deleted.isOK else { return ledger.problem("\(token): STORE \\Deleted answered \(deleted.tagged)") }
                    ledger.flagged(token, "\\Deleted")
                    ledger.changing(token, to: .somewhere([mailbox], mayBeGone: true))
                    let reply = try c.send("UID EXPUNGE \(uid)")
                    guard reply.isOK else { return ledger.problem("\(token): UID EXPUNGE answered \(reply.tagged)") }
                    ledger.expunged(token)
                }
            }
        } catch {
            return
        }
    }
}
