import Store

/// SORT and UID SORT (RFC 5256 §3) with ESORT's RETURN options (RFC 5267 §3, PARTIAL as
/// RFC 9394 updates it).
public struct SortArguments: Equatable, Sendable {
    /// Nil for a plain SORT (an untagged SORT answer); a set, possibly empty, for
    /// `RETURN (...)` (an ESEARCH answer; empty, without `partial`, means ALL).
    public var returning: SearchArguments.Return?
    /// `RETURN (PARTIAL range)`: a range of the sorted results; only with `returning`.
    public var partial: PartialRange?
    public var criteria: [SortCriterion]
    /// Mandatory in SORT, unlike SEARCH.
    public var charset: String
    public var key: SearchKey

    public init(returning: SearchArguments.Return? = nil, partial: PartialRange? = nil, criteria: [SortCriterion],
                charset: String, key: SearchKey) {
        self.returning = returning
        self.partial = partial
        self.criteria = criteria
        self.charset = charset
        self.key = key
    }
}

/// THREAD and UID THREAD (RFC 5256 §3).
public struct ThreadArguments: Equatable, Sendable {
    public var algorithm: ThreadAlgorithm
    public var charset: String
    public var key: SearchKey

    public init(algorithm: ThreadAlgorithm, charset: String, key: SearchKey) {
        self.algorithm = algorithm
        self.charset = charset
        self.key = key
    }
}
