import Foundation

/// What happened to a mailbox, as sessions that have it selected learn it.
public enum MailboxChange: Sendable, Equatable {
    case appended([UID])
    case flags([FlagUpdate])
    case expunged([UID])
    case renamed(String)
    case deleted
    /// Another process changed the account; re-read what you show.
    case external
}

/// A registration for a mailbox's changes; `cancel()` (or letting it go) ends it.
public final class ChangeObservation: @unchecked Sendable {
    private weak var hub: ChangeHub?
    let mailbox: MailboxID
    let key: UUID

    init(hub: ChangeHub, mailbox: MailboxID, key: UUID) {
        self.hub = hub
        self.mailbox = mailbox
        self.key = key
    }

    public func cancel() {
        hub?.remove(key, from: mailbox)
        hub = nil
    }

    deinit { cancel() }
}

/// Fans changes out to every observer of a mailbox in this process, at once. Observers
/// are called on the thread that made the change and must hand the work on quickly
/// (a session hops to its event loop).
public final class ChangeHub: @unchecked Sendable {
    public typealias Observer = @Sendable (MailboxChange) -> Void
    private let lock = NSLock()
    private var observers: [MailboxID: [UUID: Observer]] = [:]

    /// Calls `observer` with every change to `mailbox` from now on, until the returned
    /// observation is cancelled or released.
    public func observe(_ mailbox: MailboxID, _ observer: @escaping Observer) -> ChangeObservation {
        let key = UUID()
        lock.withLock { observers[mailbox, default: [:]][key] = observer }
        return ChangeObservation(hub: self, mailbox: mailbox, key: key)
    }

    /// A stream of the changes to `mailbox` from now on; it ends when the consumer stops.
    public func subscribe(_ mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        let (stream, continuation) = AsyncStream<MailboxChange>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let observation = observe(mailbox) { continuation.yield($0) }
        continuation.onTermination = { _ in observation.cancel() }
        return stream
    }

    func remove(_ key: UUID, from mailbox: MailboxID) {
        lock.withLock {
            observers[mailbox]?[key] = nil
            if observers[mailbox]?.isEmpty == true { observers[mailbox] = nil }
        }
    }

    var hasSubscribers: Bool { lock.withLock { !observers.isEmpty } }

    func publish(_ change: MailboxChange, to mailbox: MailboxID) {
        let targets = lock.withLock { observers[mailbox].map { Array($0.values) } ?? [] }
        for observer in targets { observer(change) }
    }

    func publishToAll(_ change: MailboxChange) {
        let targets = lock.withLock { observers.values.flatMap { $0.values } }
        for observer in targets { observer(change) }
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
}
