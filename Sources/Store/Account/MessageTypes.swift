/// A message's unique identifier within one mailbox incarnation (RFC 9051 §2.3.1.1).
public struct UID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public static func < (a: UID, b: UID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// RFC 7162 mod-sequence: grows with every change to a mailbox, never 0.
public struct ModSequence: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public static func < (a: ModSequence, b: ModSequence) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

public typealias MailboxID = Int64

/// The five stored system flags; \Recent is a session property, not stored.
public struct SystemFlags: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let seen = SystemFlags(rawValue: 1)
    public static let answered = SystemFlags(rawValue: 2)
    public static let flagged = SystemFlags(rawValue: 4)
    public static let deleted = SystemFlags(rawValue: 8)
    public static let draft = SystemFlags(rawValue: 16)

    public static let all: [(SystemFlags, String)] = [
        (.answered, "\\Answered"), (.flagged, "\\Flagged"), (.deleted, "\\Deleted"),
        (.seen, "\\Seen"), (.draft, "\\Draft"),
    ]

    /// Parses a system flag name case-insensitively (RFC 9051 §2.3.2).
    public init?(name: String) {
        guard let hit = SystemFlags.all.first(where: { $0.1.caseInsensitiveCompare(name) }) else { return nil }
        self = hit.0
    }
}

/// System flags plus keywords, as a message carries them.
public struct Flags: Hashable, Sendable {
    public var system: SystemFlags
    /// Keywords in their canonical spelling, sorted; compared case-insensitively when changed.
    public var keywords: [String]

    public init(system: SystemFlags = [], keywords: [String] = []) {
        self.system = system
        self.keywords = Flags.normalized(keywords)
    }

    /// Keyword atoms sorted, duplicates (ignoring case) removed.
    static func normalized(_ keywords: [String]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for k in keywords where seen.insert(k.lowercased()).inserted { out.append(k) }
        return out.sorted()
    }

    /// Stored form of the keywords: space separated, nil when none.
    var storedKeywords: String? { keywords.isEmpty ? nil : keywords.joined(separator: " ") }

    init(system: Int, stored: String?) {
        self.system = SystemFlags(rawValue: system)
        self.keywords = stored.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    public enum Operation: Sendable { case add, remove, replace }

    /// The flags after applying `operation` with `change` (RFC 9051 §6.4.6).
    public func applying(_ operation: Operation, _ change: Flags) -> Flags {
        switch operation {
        case .replace:
            return change
        case .add:
            var result = self
            result.system.formUnion(change.system)
            result.keywords = Flags.normalized(keywords + change.keywords)
            return result
        case .remove:
            var result = self
            result.system.subtract(change.system)
            let drop = Set(change.keywords.map { $0.lowercased() })
            result.keywords = keywords.filter { !drop.contains($0.lowercased()) }
            return result
        }
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool {
        self.lowercased() == other.lowercased()
    }
}

/// A set of UIDs as sorted, non-overlapping, non-adjacent closed ranges.
public struct UIDSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    public private(set) var ranges: [ClosedRange<UInt32>] = []

    public init() {}
    public init<S: Sequence>(_ uids: S) where S.Element == UID {
        for u in uids.sorted() { insert(u) }
    }
    public init(ranges: [ClosedRange<UInt32>]) {
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) { insert(r) }
    }

    public var isEmpty: Bool { ranges.isEmpty }
    public var count: Int { ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 } }

    public mutating func insert(_ uid: UID) { insert(uid.rawValue...uid.rawValue) }

    public mutating func insert(_ range: ClosedRange<UInt32>) {
        // Fast path for ascending input, the common case when building from a sorted list.
        if let last = ranges.last, range.lowerBound >= last.lowerBound {
            if UInt64(range.lowerBound) <= UInt64(last.upperBound) + 1 {
                ranges[ranges.count - 1] = last.lowerBound...Swift.max(last.upperBound, range.upperBound)
            } else {
                ranges.append(range)
            }
            return
        }
        var lower = range.lowerBound, upper = range.upperBound
        var merged: [ClosedRange<UInt32>] = []
        var inserted = false
        for r in ranges {
            if UInt64(r.upperBound) + 1 < UInt64(lower) {
                merged.append(r)
            } else if UInt64(upper) + 1 < UInt64(r.lowerBound) {
                if !inserted { merged.append(lower...upper); inserted = true }
                merged.append(r)
            } else {
                lower = Swift.min(lower, r.lowerBound)
                upper = Swift.max(upper, r.upperBound)
            }
        }
        if !inserted { merged.append(lower...upper) }
        ranges = merged
    }

    public func union(_ other: UIDSet) -> UIDSet {
        var result = self
        for r in other.ranges { result.insert(r) }
        return result
    }

    /// The set without `uid`.
    public func subtracting(_ uid: UID) -> UIDSet {
        guard contains(uid) else { return self }
        var result = UIDSet()
        for r in ranges {
            if r.contains(uid.rawValue) {
                if r.lowerBound < uid.rawValue { result.ranges.append(r.lowerBound...(uid.rawValue - 1)) }
                if r.upperBound > uid.rawValue { result.ranges.append((uid.rawValue + 1)...r.upperBound) }
            } else {
                result.ranges.append(r)
            }
        }
        return result
    }

    public func contains(_ uid: UID) -> Bool {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = ranges[mid]
            if uid.rawValue < r.lowerBound { hi = mid - 1 } else if uid.rawValue > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }

    public func makeIterator() -> AnyIterator<UID> {
        var rangeIndex = 0
        var next: UInt64 = ranges.first.map { UInt64($0.lowerBound) } ?? 0
        let ranges = self.ranges
        return AnyIterator {
            while rangeIndex < ranges.count {
                let r = ranges[rangeIndex]
                if next <= UInt64(r.upperBound) {
                    defer { next += 1 }
                    return UID(UInt32(next))
                }
                rangeIndex += 1
                if rangeIndex < ranges.count { next = UInt64(ranges[rangeIndex].lowerBound) }
            }
            return nil
        }
    }

    /// IMAP sequence-set form: "1:3,7,9:12".
    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound):\($0.upperBound)" }
            .joined(separator: ",")
    }
}
