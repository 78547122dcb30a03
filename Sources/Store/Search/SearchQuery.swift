/// What a search asks of each message, in store terms: UIDs, flags, dates as days since
/// 1970 (UTC), sizes, and text to find (any case, RFC 5051 comparison) in headers and bodies.
/// Protocols translate their own grammar into this (IMAP SEARCH keys, sequence numbers
/// resolved to UIDs, \Recent to the session's UIDs).
public indirect enum SearchQuery: Sendable, Equatable {
    case all
    case uids(UIDSet)
    case hasFlags(SystemFlags)
    case lacksFlags(SystemFlags)
    case keyword(String)
    case lacksKeyword(String)
    /// Internal date (arrival) on a day before, on, or on and after a day.
    case arrivedBefore(Int)
    case arrivedOn(Int)
    case arrivedSince(Int)
    /// The Date: header's day.
    case sentBefore(Int)
    case sentOn(Int)
    case sentSince(Int)
    case larger(Int)
    case smaller(Int)
    case modSeqAtLeast(UInt64)
    /// A header field whose decoded value contains the text; an empty text matches any
    /// message that has the field.
    case header(String, String)
    /// The decoded text of the body parts.
    case body(String)
    /// Header and body.
    case text(String)
    case not(SearchQuery)
    case and([SearchQuery])
    case or(SearchQuery, SearchQuery)

    /// Whether answering needs the message bytes, not only the index.
    var needsContent: Bool {
        switch self {
        case .header, .body, .text: return true
        case .not(let q): return q.needsContent
        case .and(let qs): return qs.contains { $0.needsContent }
        case .or(let a, let b): return a.needsContent || b.needsContent
        default: return false
        }
    }

    /// Whether answering needs the Date: header's value from the index.
    var needsSentDate: Bool {
        switch self {
        case .sentBefore, .sentOn, .sentSince: return true
        case .not(let q): return q.needsSentDate
        case .and(let qs): return qs.contains { $0.needsSentDate }
        case .or(let a, let b): return a.needsSentDate || b.needsSentDate
        default: return false
        }
    }
}
