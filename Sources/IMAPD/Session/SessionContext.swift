import Foundation
import Logging
import ServerCore
import Store

/// Settings every IMAP connection of a server shares.
public struct IMAPSettings: Sendable {
    public var hostname: String
    /// Largest message APPEND takes (APPENDLIMIT, RFC 7889).
    public var appendLimit: Int
    public var limits: CommandFramer.Limits
    /// Sessions one account may have open at once (RFC 5530 `[LIMIT]` beyond).
    public var maxConnectionsPerAccount: Int
    /// Connections one client address may have open at once.
    public var maxConnectionsPerAddress: Int
    /// Idle time before an authenticated connection is closed (RFC 9051 §5.4: at least 30 minutes).
    public var idleTimeout: TimeAmountSeconds
    /// Idle time before a connection that has not logged in is closed.
    public var loginTimeout: TimeAmountSeconds
    /// How often an IDLE client hears `* OK Still here`, so NAT boxes keep the connection.
    public var idleKeepalive: TimeAmountSeconds

    public init(hostname: String, appendLimit: Int) {
        self.hostname = hostname
        self.appendLimit = appendLimit
        var limits = CommandFramer.Limits()
        limits.maxAppendLiteral = appendLimit
        limits.maxAppendCommand = max(appendLimit, 4 * appendLimit)
        self.limits = limits
        maxConnectionsPerAccount = 100
        maxConnectionsPerAddress = 1000
        idleTimeout = 31 * 60
        loginTimeout = 120
        idleKeepalive = 120
    }
}

/// What every IMAP connection of one server shares: the store, the settings, the count of
/// open connections per account and per address.
public final class IMAPServices: Sendable {
    public let store: Store
    public let settings: IMAPSettings
    public let logger: Logger
    let connections = ConnectionCounter()
    /// Open connections, for the BYE of a graceful shutdown.
    let registry = ChannelRegistry()

    public init(store: Store, settings: IMAPSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }
}

/// Counts open connections per key (an account id, a client address) against a limit.
final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    /// Counts one more for `key` unless that would go over `limit`.
    func take(_ key: String, limit: Int) -> Bool {
        lock.withLock {
            let n = counts[key, default: 0]
            guard n < limit else { return false }
            counts[key] = n + 1
            return true
        }
    }

    func release(_ key: String) {
        lock.withLock {
            let n = counts[key, default: 0] - 1
            counts[key] = n > 0 ? n : nil
        }
    }
}

/// Extensions the client turned on, and what it said about itself.
public struct ClientOptions: Sendable, Equatable {
    /// ENABLE IMAP4rev2 (RFC 9051 §6.3.1): UTF-8 names, ESEARCH answers, no \Recent.
    public var rev2 = false
    /// ENABLE CONDSTORE, or a command that implies it (RFC 7162 §3.1).
    public var condstore = false
    /// ENABLE QRESYNC (RFC 7162 §3.2.3): expunges are told as VANISHED, SELECT may resync.
    public var qresync = false
    /// ENABLE UTF8=ACCEPT (RFC 6855 §3): UTF-8 names and strings without the rest of rev2.
    public var utf8Accept = false
    /// The client's name from ID (RFC 2971), for the workarounds some clients need.
    public var clientName: String?

    public init() {}

    /// Whether names and strings go out as UTF-8.
    public var utf8: Bool { rev2 || utf8Accept }
}

/// Collects the changes of the selected mailbox for the session, in the order they
/// happened. Whoever is working for the session takes them: the store command running
/// (right before it announces, so a change another session finished before this command
/// began is always told), or the connection between commands.
public protocol MailboxObserver: Sendable {
    /// Starts collecting changes of `mailbox`, dropping any collected for an earlier one.
    func watch(_ account: Account, _ mailbox: MailboxID)
    func stopWatching()
    /// The changes collected so far, oldest first.
    func takeChanges() -> [MailboxChange]
    /// Starts collecting everything that happens in `account` (for NOTIFY), or stops.
    func watchAll(_ account: Account?)
    func takeAccountEvents() -> [AccountEvent]
    /// Whether changes wait to be taken.
    var hasChanges: Bool { get }
}

extension MailboxObserver {
    func watchAll(_ account: Account?) {}
    func takeAccountEvents() -> [AccountEvent] { [] }
    var hasChanges: Bool { false }
}

/// What a logged-in session carries between commands; commands get it to read and change.
public struct SessionContext: Sendable {
    public let user: AccountRecord
    public let account: Account
    public var selected: SelectedMailbox?
    public var options: ClientOptions
    /// The result of the last SEARCH with RETURN (SAVE), as UIDs (RFC 5182 `$`).
    public var savedSearch: UIDSet?
    /// The selected mailbox went away: the connection ends after this response.
    public var mustDisconnect = false
    /// What NOTIFY SET asked for, and what the client was last told (RFC 5465).
    public var notify: NotifyState?
    /// Own mailbox names looked up ahead for a run of pipelined STATUS commands, by
    /// canonical name (`StatusCommand.lookUpAhead`); empty between runs.
    var lookedUp: [String: MailboxLookup] = [:]
    let observer: MailboxObserver

    public init(user: AccountRecord, account: Account, options: ClientOptions, observer: MailboxObserver) {
        self.user = user
        self.account = account
        self.options = options
        self.observer = observer
    }
}
