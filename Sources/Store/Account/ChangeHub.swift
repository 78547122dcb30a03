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

/// Fans changes out to every subscriber of a mailbox in this process, at once.
public final class ChangeHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [MailboxID: [UUID: AsyncStream<MailboxChange>.Continuation]] = [:]

    /// A stream of the changes to `mailbox` from now on; it ends when the consumer stops.
    public func subscribe(_ mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        let (stream, continuation) = AsyncStream<MailboxChange>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let key = UUID()
        lock.withLock { subscribers[mailbox, default: [:]][key] = continuation }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock {
                self.subscribers[mailbox]?[key] = nil
                if self.subscribers[mailbox]?.isEmpty == true { self.subscribers[mailbox] = nil }
            }
        }
        return stream
    }

    var hasSubscribers: Bool { lock.withLock { !subscribers.isEmpty } }

    func publish(_ change: MailboxChange, to mailbox: MailboxID) {
        let targets = lock.withLock { subscribers[mailbox].map { Array($0.values) } ?? [] }
        for c in targets { c.yield(change) }
    }

    func publishToAll(_ change: MailboxChange) {
        let targets = lock.withLock { subscribers.values.flatMap { $0.values } }
        for c in targets { c.yield(change) }
    }
}

extension Account {
    /// Changes to a mailbox made from now on, by this process at once and by others within
    /// a poll (see `pollExternalChanges`).
    public func changes(of mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        hub.subscribe(mailbox)
    }
}
