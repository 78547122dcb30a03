/// A PARTIAL range (RFC 9394 §4): positions among the results of a SEARCH, SORT or FETCH,
/// counted from the first (1 is the lowest UID) or, with `-`, back from the last.
public struct PartialRange: Equatable, Sendable, CustomStringConvertible {
    /// The two ends as the client wrote them: 500:400 means 400:500, and the answer
    /// repeats the range as it was asked for (§3.1).
    public var first: UInt32
    public var last: UInt32
    /// `-1:-100`: counted back from the last result.
    public var fromEnd: Bool

    public init(_ first: UInt32, _ last: UInt32, fromEnd: Bool = false) {
        self.first = first
        self.last = last
        self.fromEnd = fromEnd
    }

    public var description: String {
        fromEnd ? "-\(first):-\(last)" : "\(first):\(last)"
    }

    /// The indices of `count` ordered results the range covers; empty when it lies past
    /// them (§3.1: the server returns the results that are in the set).
    public func positions(in count: Int) -> Range<Int> {
        let low = Int(Swift.min(first, last)), high = Int(Swift.max(first, last))
        if fromEnd { return Swift.max(count - high, 0)..<Swift.max(count - low + 1, 0) }
        return Swift.min(low - 1, count)..<Swift.min(high, count)
    }
}
