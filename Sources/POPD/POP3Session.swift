import Foundation
import Store

/// The POP3 conversation as a state machine (RFC 1939): it takes events and returns what
/// to do; the channel handler performs the actions (store work off the event loop, TLS,
/// streaming message bytes).
public struct POP3Session: Sendable {
    /// A message of the maildrop as numbered at login.
    public struct Message: Sendable, Equatable {
        public var uid: UID
        public var size: Int
        public var blob: Int64
        public init(uid: UID, size: Int, blob: Int64) {
            self.uid = uid
            self.size = size
            self.blob = blob
        }
    }

    /// INBOX as it was when the session logged in.
    public struct Maildrop: Sendable, Equatable {
        public var account: AccountRecord
        public var mailbox: MailboxID
        public var uidValidity: UInt32
        public var messages: [Message]
        public init(account: AccountRecord, mailbox: MailboxID, uidValidity: UInt32, messages: [Message]) {
            self.account = account
            self.mailbox = mailbox
            self.uidValidity = uidValidity
            self.messages = messages
        }
    }

    public enum LoginFailure: Error, Sendable, Equatable {
        case credentials
        case inUse
        case temporary
    }

    public struct Settings: Sendable {
        /// Whether STLS can be offered (a certificate is configured).
        public var tlsAvailable: Bool
        /// Whether USER/PASS and AUTH PLAIN are allowed on this connection as it is now,
        /// before TLS (loopback, or plaintext allowed by configuration).
        public var plaintextAllowedWithoutTLS: Bool
        public init(tlsAvailable: Bool, plaintextAllowedWithoutTLS: Bool) {
            self.tlsAvailable = tlsAvailable
            self.plaintextAllowedWithoutTLS = plaintextAllowedWithoutTLS
        }
    }

    enum State: Sendable, Equatable {
        case authorization(user: String?)
        case saslPlain
        case saslLoginUser
        case saslLoginPassword(user: String)
        case loggingIn
        case transaction(Maildrop)
        case busy(Maildrop)
        case closed
    }

    public enum Event: Sendable {
        case connected
        case line(String)
        case lineTooLong
        case tlsStarted
        case loggedIn(Maildrop)
        case loginFailed(LoginFailure)
        case sent
        case committed(Bool)
    }

    public enum Action: Sendable, Equatable {
        case reply(String)
        case startTLS
        /// Check the login (`authorize` is the identity to act as, for administrators) and
        /// open the maildrop; answer with `.loggedIn` or `.loginFailed`.
        case login(user: String, password: String, authorize: String?)
        /// Send a message (`+OK`, the byte-stuffed bytes, `.`); for TOP only the header and
        /// the first `lines` body lines. Answer with `.sent`.
        case send(Message, topLines: Int?)
        /// Expunge the deleted messages, mark the retrieved ones \Seen; answer with `.committed`.
        case commit(mailbox: MailboxID, deleted: [UID], retrieved: [UID])
        case close
    }

    let hostname: String
    var settings: Settings
    var state: State = .authorization(user: nil)
    var tlsActive = false
    var deleted = Set<Int>()
    var retrieved = Set<Int>()

    public init(hostname: String, settings: Settings, tlsActive: Bool = false) {
        self.hostname = hostname
        self.settings = settings
        self.tlsActive = tlsActive
    }

    var plaintextAllowed: Bool { tlsActive || settings.plaintextAllowedWithoutTLS }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .connected:
            return [.reply("+OK \(hostname) Roost POP3 ready\r\n")]
        case .lineTooLong:
            return [.reply("-ERR Line too long\r\n")]
        case .tlsStarted:
            tlsActive = true
            return []
        case .loggedIn(let maildrop):
            state = .transaction(maildrop)
            let size = maildrop.messages.reduce(0) { $0 + $1.size }
            return [.reply("+OK Logged in, \(maildrop.messages.count) messages (\(size) octets)\r\n")]
        case .loginFailed(let failure):
            state = .authorization(user: nil)
            switch failure {
            case .credentials: return [.reply("-ERR [AUTH] Authentication failed\r\n")]
            case .inUse: return [.reply("-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n")]
            case .temporary: return [.reply("-ERR [SYS/TEMP] Temporary failure, try again later\r\n")]
            }
        case .sent:
            if case .busy(let maildrop) = state { state = .transaction(maildrop) }
            return []
        case .committed(let ok):
            state = .closed
            return [.reply(ok ? "+OK \(hostname) Roost POP3 signing off\r\n" : "-ERR [SYS/TEMP] Some deleted messages were not removed\r\n"), .close]
        case .line(let line):
            return handleLine(line)
        }
    }

    private mutating func handleLine(_ line: String) -> [Action] {
        switch state {
        case .saslPlain:
            state = .authorization(user: nil)
            return line == "*" ? [.reply("-ERR Authentication cancelled\r\n")] : saslPlain(line)
        case .saslLoginUser:
            guard line != "*", let user = Self.base64(line) else {
                state = .authorization(user: nil)
                return [.reply(line == "*" ? "-ERR Authentication cancelled\r\n" : "-ERR Invalid base64\r\n")]
            }
            state = .saslLoginPassword(user: String(decoding: user, as: UTF8.self))
            return [.reply("+ UGFzc3dvcmQ6\r\n")]
        case .saslLoginPassword(let user):
            guard line != "*", let password = Self.base64(line) else {
                state = .authorization(user: nil)
                return [.reply(line == "*" ? "-ERR Authentication cancelled\r\n" : "-ERR Invalid base64\r\n")]
            }
            state = .loggingIn
            return [.login(user: user, password: String(decoding: password, as: UTF8.self), authorize: nil)]
        case .loggingIn, .busy, .closed:
            return []
        case .authorization, .transaction:
            break
        }
        let command: POP3Command
        do {
            command = try POP3Command.parse(line)
        } catch {
            switch error {
            case .unknownCommand: return [.reply("-ERR Unknown command\r\n")]
            case .syntax(let reason): return [.reply("-ERR Syntax error: \(reason)\r\n")]
            }
        }
        switch state {
        case .authorization(let user): return authorization(command, user: user)
        case .transaction(let maildrop): return transaction(command, maildrop)
        default: return []
        }
    }

    // MARK: AUTHORIZATION

    private var capabilities: String {
        var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Roost"]
        if case .authorization = state {
            if plaintextAllowed { lines += ["USER", "SASL PLAIN LOGIN"] }
            if settings.tlsAvailable && !tlsActive { lines.append("STLS") }
        }
        return "+OK Capability list follows\r\n" + lines.map { $0 + "\r\n" }.joined() + ".\r\n"
    }

    private static let plaintextRefused = "-ERR [AUTH] Plaintext authentication is refused before TLS; use STLS\r\n"

    private mutating func authorization(_ command: POP3Command, user: String?) -> [Action] {
        switch command {
        case .capa:
            return [.reply(capabilities)]
        case .quit:
            state = .closed
            return [.reply("+OK \(hostname) Roost POP3 signing off\r\n"), .close]
        case .noop:
            return [.reply("+OK\r\n")]
        case .stls:
            guard settings.tlsAvailable else { return [.reply("-ERR TLS is not available\r\n")] }
            guard !tlsActive else { return [.reply("-ERR TLS is already active\r\n")] }
            return [.reply("+OK Begin TLS negotiation\r\n"), .startTLS]
        case .user(let name):
            guard plaintextAllowed else { return [.reply(Self.plaintextRefused)] }
            state = .authorization(user: name)
            return [.reply("+OK\r\n")]
        case .pass(let password):
            guard plaintextAllowed else { return [.reply(Self.plaintextRefused)] }
            guard let user else { return [.reply("-ERR USER first\r\n")] }
            state = .loggingIn
            return [.login(user: user, password: password, authorize: nil)]
        case .auth(nil, _):
            // Outlook asks with a bare AUTH which mechanisms exist.
            return [.reply("+OK\r\n" + (plaintextAllowed ? "PLAIN\r\nLOGIN\r\n" : "") + ".\r\n")]
        case .auth(let mechanism?, let initial):
            guard mechanism == "PLAIN" || mechanism == "LOGIN" else { return [.reply("-ERR Unsupported authentication mechanism\r\n")] }
            guard plaintextAllowed else { return [.reply(Self.plaintextRefused)] }
            if mechanism == "LOGIN" {
                state = .saslLoginUser
                return [.reply("+ VXNlcm5hbWU6\r\n")]
            }
            if let initial { return saslPlain(initial == "=" ? "" : initial) }
            state = .saslPlain
            return [.reply("+ \r\n")]
        default:
            return [.reply("-ERR Log in first\r\n")]
        }
    }

    /// RFC 4616: base64 of `authorize \0 user \0 password`.
    private mutating func saslPlain(_ encoded: String) -> [Action] {
        guard let bytes = Self.base64(encoded) else {
            state = .authorization(user: nil)
            return [.reply("-ERR Invalid base64\r\n")]
        }
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            state = .authorization(user: nil)
            return [.reply("-ERR [AUTH] Malformed PLAIN response\r\n")]
        }
        let authorize = String(decoding: parts[0], as: UTF8.self)
        state = .loggingIn
        return [.login(user: String(decoding: parts[1], as: UTF8.self), password: String(decoding: parts[2], as: UTF8.self),
                       authorize: authorize.isEmpty ? nil : authorize)]
    }

    static func base64(_ text: String) -> [UInt8]? {
        if text.isEmpty { return [] }
        return Data(base64Encoded: text).map { [UInt8]($0) }
    }

    // MARK: TRANSACTION

    /// The message numbered `n`, unless it does not exist or is deleted.
    private func message(_ n: Int, in maildrop: Maildrop) -> Result<Message, Refusal> {
        guard n >= 1, n <= maildrop.messages.count else { return .failure(Refusal("-ERR No such message\r\n")) }
        guard !deleted.contains(n) else { return .failure(Refusal("-ERR Message \(n) is deleted\r\n")) }
        return .success(maildrop.messages[n - 1])
    }

    /// An `-ERR` line answering a command about a message number.
    struct Refusal: Error {
        var line: String
        init(_ line: String) { self.line = line }
    }

    /// Dovecot's default UIDL (`%08Xu%08Xv`): migrations that keep UIDVALIDITY and UIDs keep
    /// every UIDL, so clients download nothing again.
    static func uidl(_ m: Message, _ maildrop: Maildrop) -> String {
        var out: [UInt8] = []
        appendUIDL(m, maildrop, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendUIDL(_ m: Message, _ maildrop: Maildrop, to out: inout [UInt8]) {
        appendHex(m.uid.rawValue, to: &out)
        appendHex(maildrop.uidValidity, to: &out)
    }

    /// Eight upper-case hex digits, as `%08X` writes them.
    private static func appendHex(_ value: UInt32, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789ABCDEF"
        digits.withUTF8Buffer { table in
            for shift in stride(from: 28, through: 0, by: -4) { out.append(table[Int((value >> UInt32(shift)) & 0xF)]) }
        }
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value > 0 else { out.append(UInt8(ascii: "0")); return }
        let start = out.count
        var rest = value
        while rest > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        out[start...].reverse()
    }

    /// The answer to LIST or UIDL without an argument: one line for each message not
    /// deleted, written byte by byte (through `String(format:)` and interpolation a
    /// maildrop of 10,000 messages took 5 µs a line).
    private func listing(_ maildrop: Maildrop, uidl: Bool) -> String {
        var out = Array("+OK\r\n".utf8)
        out.reserveCapacity(maildrop.messages.count * 24 + 8)
        for (i, m) in maildrop.messages.enumerated() where !deleted.contains(i + 1) {
            Self.appendDecimal(i + 1, to: &out)
            out.append(UInt8(ascii: " "))
            if uidl { Self.appendUIDL(m, maildrop, to: &out) } else { Self.appendDecimal(m.size, to: &out) }
            out.append(13)
            out.append(10)
        }
        out += Array(".\r\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func transaction(_ command: POP3Command, _ maildrop: Maildrop) -> [Action] {
        switch command {
        case .capa:
            return [.reply(capabilities)]
        case .noop:
            return [.reply("+OK\r\n")]
        case .stat:
            let live = maildrop.messages.enumerated().filter { !deleted.contains($0.offset + 1) }
            return [.reply("+OK \(live.count) \(live.reduce(0) { $0 + $1.element.size })\r\n")]
        case .list(nil):
            return [.reply(listing(maildrop, uidl: false))]
        case .uidl(nil):
            return [.reply(listing(maildrop, uidl: true))]
        case .list(let n?):
            switch message(n, in: maildrop) {
            case .success(let m): return [.reply("+OK \(n) \(m.size)\r\n")]
            case .failure(let e): return [.reply(e.line)]
            }
        case .uidl(let n?):
            switch message(n, in: maildrop) {
            case .success(let m): return [.reply("+OK \(n) \(Self.uidl(m, maildrop))\r\n")]
            case .failure(let e): return [.reply(e.line)]
            }
        case .retr(let n), .top(let n, _):
            switch message(n, in: maildrop) {
            case .success(let m):
                state = .busy(maildrop)
                if case .top(_, let lines) = command { return [.send(m, topLines: lines)] }
                retrieved.insert(n)
                return [.send(m, topLines: nil)]
            case .failure(let e):
                return [.reply(e.line)]
            }
        case .dele(let n):
            switch message(n, in: maildrop) {
            case .success:
                deleted.insert(n)
                return [.reply("+OK Message \(n) deleted\r\n")]
            case .failure(let e):
                return [.reply(e.line)]
            }
        case .rset:
            deleted.removeAll()
            return [.reply("+OK\r\n")]
        case .quit:
            state = .loggingIn
            let gone = deleted.sorted().map { maildrop.messages[$0 - 1].uid }
            let read = retrieved.subtracting(deleted).sorted().map { maildrop.messages[$0 - 1].uid }
            if gone.isEmpty && read.isEmpty {
                state = .closed
                return [.reply("+OK \(hostname) Roost POP3 signing off\r\n"), .close]
            }
            return [.commit(mailbox: maildrop.mailbox, deleted: gone, retrieved: read)]
        case .user, .pass, .auth, .stls:
            return [.reply("-ERR Already logged in\r\n")]
        }
    }
}
