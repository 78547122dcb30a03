import Foundation

/// Delays failed logins, growing with each failure from the same source address
/// (0.5 s, 1 s, 2 s ... up to 15 s) and forgetting a source after 15 quiet minutes.
/// The delay never depends on whether the account exists.
public final class LoginThrottle: @unchecked Sendable {
    private struct Entry { var failures: Int; var last: Date }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    public let base: Double
    public let maximum: Double

    public init(base: Double = 0.5, maximum: Double = 15) {
        self.base = base
        self.maximum = maximum
    }

    /// Records a failure from `source` and returns how long to wait before answering.
    public func failed(from source: String) -> TimeAmountSeconds {
        lock.withLock {
            let now = Date()
            if entries.count > 100_000 { entries = entries.filter { now.timeIntervalSince($0.value.last) < 900 } }
            var e = entries[source] ?? Entry(failures: 0, last: now)
            if now.timeIntervalSince(e.last) > 900 { e.failures = 0 }
            e.failures += 1
            e.last = now
            entries[source] = e
            return min(maximum, base * pow(2, Double(min(e.failures - 1, 16))))
        }
    }

    /// A success clears the source's record.
    public func succeeded(from source: String) {
        lock.withLock { _ = entries.removeValue(forKey: source) }
    }
}

public typealias TimeAmountSeconds = Double
