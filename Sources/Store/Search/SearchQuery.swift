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
    /// Internal date at or after, or at or before, a moment (seconds since 1970): RFC 5032 WITHIN.
    case arrivedAtOrAfter(Int64)
    case arrivedAtOrBefore(Int64)
    /// The day the message was put in its mailbox (RFC 8514 SAVEDATE).
    case savedBefore(Int)
    case savedOn(Int)
    case savedSince(Int)
    /// The stored message (RFC 8474 EMAILID): its row and content hash.
    case email(blob: Int64, hash: UInt64)
    /// The messages of a thread (RFC 8474 THREADID).
    case thread(UInt64)
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

    /// Whether answering needs what was parsed at append (the Date: header's value, the
    /// content hash, the thread) from the index.
    var needsDetails: Bool {
        switch self {
        case .sentBefore, .sentOn, .sentSince, .email, .thread: return true
        case .not(let q): return q.needsDetails
        case .and(let qs): return qs.contains { $0.needsDetails }
        case .or(let a, let b): return a.needsDetails || b.needsDetails
        default: return false
        }
    }
}
