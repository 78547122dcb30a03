import Foundation

/// What happened to a mailbox, as sessions that have it selected learn it.
public enum MailboxChange: Sendable, Equatable {
    case appended([UID])
    case flags([FlagUpdate])
    /// A STORE recorded as ranges changed the shared flags of messages at this
    /// mod-sequence; which ones and to what, `flagChanges(in:since:)` tells.
    case flagRange(ModSequence)
    case expunged([UID])
    case renamed(String)
    case deleted
    /// Another process changed the account; re-read what you show.
    case external
}

/// What happened in an account, as a session watching all its mailboxes learns it (IMAP
/// NOTIFY): every mailbox change, and the changes to the mailbox list itself.
public enum AccountEvent: Sendable, Equatable {
    case mailbox(MailboxID, MailboxChange)
    case created(String)
    case deleted(String)
    case renamed(from: String, to: String)
    case subscription(String, subscribed: Bool)
    /// Another process changed the account.
    case external
}

/// A registration for a mailbox's changes; `cancel()` (or letting it go) ends it.
public final class ChangeObservation: @unchecked Sendable {
    private let lock = NSLock()
    private var remove: (() -> Void)?

    init(remove: @escaping () -> Void) {
        self.remove = remove
    }

    public func cancel() {
        let remove = lock.withLock { () -> (() -> Void)? in
            defer { self.remove = nil }
            return self.remove
        }
        remove?()
    }

    deinit { cancel() }
}

/// Fans changes out to every observer of a mailbox in this process, at once. Observers
/// are called on the thread that made the change and must hand the work on quickly
/// (a session hops to its event loop).
public final class ChangeHub: @unchecked Sendable {
    public typealias Observer = @Sendable (MailboxChange) -> Void
    public typealias AccountObserver = @Sendable (AccountEvent) -> Void
    private let lock = NSLock()
    private var observers: [MailboxID: [Int: Observer]] = [:]
    private var accountObservers: [Int: AccountObserver] = [:]
    /// The last observer's key: a count, where a UUID read the kernel's random source at
    /// every SELECT.
    private var nextKey = 0

    /// Calls `observer` with every change to `mailbox` from now on, until the returned
    /// observation is cancelled or released.
    public func observe(_ mailbox: MailboxID, _ observer: @escaping Observer) -> ChangeObservation {
        let key = lock.withLock { () -> Int in
            nextKey += 1
            observers[mailbox, default: [:]][nextKey] = observer
            return nextKey
        }
        return ChangeObservation { [weak self] in self?.remove(key, from: mailbox) }
    }

    /// Calls `observer` with everything that happens in the account from now on.
    public func observeAll(_ observer: @escaping AccountObserver) -> ChangeObservation {
        let key = lock.withLock { () -> Int in
            nextKey += 1
            accountObservers[nextKey] = observer
            return nextKey
        }
        return ChangeObservation { [weak self] in
            guard let self else { return }
            self.lock.withLock { self.accountObservers[key] = nil }
        }
    }

    /// A stream of the changes to `mailbox` from now on; it ends when the consumer stops.
    public func subscribe(_ mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        let (stream, continuation) = AsyncStream<MailboxChange>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let observation = observe(mailbox) { continuation.yield($0) }
        continuation.onTermination = { _ in observation.cancel() }
        return stream
    }

    func remove(_ key: Int, from mailbox: MailboxID) {
        lock.withLock {
            observers[mailbox]?[key] = nil
            if observers[mailbox]?.isEmpty == true { observers[mailbox] = nil }
        }
    }

    var hasSubscribers: Bool { lock.withLock { !observers.isEmpty || !accountObservers.isEmpty } }

    func publish(_ change: MailboxChange, to mailbox: MailboxID) {
        let (targets, watchers) = lock.withLock { (observers[mailbox].map { Array($0.values) } ?? [], Array(accountObservers.values)) }
        for observer in targets { observer(change) }
        for watcher in watchers { watcher(.mailbox(mailbox, change)) }
    }

    /// Another process changed the account: every observer re-reads.
    func publishExternal() {
        let (targets, watchers) = lock.withLock { (observers.values.flatMap { $0.values }, Array(accountObservers.values)) }
        for observer in targets { observer(.external) }
        for watcher in watchers { watcher(.external) }
    }

    /// A change to the mailbox list (or the subscriptions), for those watching the account.
    func publish(_ event: AccountEvent) {
        let watchers = lock.withLock { Array(accountObservers.values) }
        for watcher in watchers { watcher(event) }
    }
}

extension Account {
    /// Changes to a mailbox made from now on, by this process at once and by others within
    /// a poll (see `pollExternalChanges`).
    public func changes(of mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        hub.subscribe(mailbox)
    }

    /// Calls `observer` with each change to a mailbox from now on, on the changing thread.
    public func observe(_ mailbox: MailboxID, _ observer: @escaping ChangeHub.Observer) -> ChangeObservation {
        hub.observe(mailbox, observer)
    }

    /// Calls `observer` with everything that happens in the account from now on, on the
    /// changing thread.
    public func observeAll(_ observer: @escaping ChangeHub.AccountObserver) -> ChangeObservation {
        hub.observeAll(observer)
    }
}
