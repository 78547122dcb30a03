import Foundation
import Store

/// Collects the selected mailbox's changes from whatever thread made them, in order, and
/// tells the connection (through `notify`) that some are waiting.
final class ChangeCollector: MailboxObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var observation: ChangeObservation?
    private var pending: [MailboxChange] = []
    private var accountObservation: ChangeObservation?
    private var accountEvents: [AccountEvent] = []
    private let notify: (@Sendable () -> Void)?

    init(notify: (@Sendable () -> Void)? = nil) {
        self.notify = notify
    }

    func watch(_ account: Account, _ mailbox: MailboxID) {
        let new = account.observe(mailbox) { [weak self] change in
            guard let self else { return }
            self.lock.withLock { self.pending.append(change) }
            self.notify?()
        }
        replace(with: new)
    }

    func stopWatching() {
        replace(with: nil)
    }

    /// Swaps the observation, dropping what was collected for the old one; the old one is
    /// cancelled outside the lock (its hub takes its own).
    private func replace(with new: ChangeObservation?) {
        let old = lock.withLock { () -> ChangeObservation? in
            defer {
                observation = new
                pending.removeAll()
            }
            return observation
        }
        old?.cancel()
    }

    func watchAll(_ account: Account?) {
        let new = account?.observeAll { [weak self] event in
            guard let self else { return }
            self.lock.withLock { self.accountEvents.append(event) }
            self.notify?()
        }
        let old = lock.withLock { () -> ChangeObservation? in
            defer {
                accountObservation = new
                accountEvents.removeAll()
            }
            return accountObservation
        }
        old?.cancel()
    }

    func takeAccountEvents() -> [AccountEvent] {
        lock.withLock {
            defer { accountEvents.removeAll() }
            return accountEvents
        }
    }

    var hasChanges: Bool { lock.withLock { !pending.isEmpty } }

    func takeChanges() -> [MailboxChange] {
        lock.withLock {
            defer { pending.removeAll() }
            return pending
        }
    }
}
