import Store

/// A sequence set as a client writes it (RFC 9051 §9 `sequence-set`): numbers and ranges
/// where `*` is the largest number in use, or `$`, the saved search result (RFC 5182).
/// It means message sequence numbers or UIDs depending on the command.
public struct SequenceSet: Equatable, Sendable, CustomStringConvertible {
    public enum Bound: Equatable, Sendable {
        case number(UInt32)
        case star
    }

    public struct Range: Equatable, Sendable {
        public var first: Bound
        public var last: Bound
        public init(_ first: Bound, _ last: Bound) {
            self.first = first
            self.last = last
        }
    }

    public var ranges: [Range]
    /// `$`: the result of the last SEARCH with RETURN (SAVE).
    public var isSavedResult: Bool

    public init(ranges: [Range]) {
        self.ranges = ranges
        self.isSavedResult = false
    }

    public static let savedResult: SequenceSet = {
        var s = SequenceSet(ranges: [])
        s.isSavedResult = true
        return s
    }()

    public static let all = SequenceSet(ranges: [Range(.number(1), .star)])

    /// The closed ranges meant, with `*` standing for `star`, each range ordered low to high.
    public func resolved(star: UInt32) -> [ClosedRange<UInt32>] {
        ranges.map { r in
            let a = r.first.value(star: star), b = r.last.value(star: star)
            return min(a, b)...max(a, b)
        }
    }

    /// Whether `*` is in it: sets a client must spell out in numbers (RFC 7162 known-uids) refuse it.
    public var mentionsStar: Bool { ranges.contains { $0.first == .star || $0.last == .star } }

    public var description: String {
        if isSavedResult { return "$" }
        return ranges.map { r in r.first == r.last ? r.first.description : "\(r.first):\(r.last)" }.joined(separator: ",")
    }
}

extension SequenceSet.Bound: CustomStringConvertible {
    func value(star: UInt32) -> UInt32 {
        switch self {
        case .number(let n): return n
        case .star: return star
        }
    }

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .star: return "*"
        }
    }
}
