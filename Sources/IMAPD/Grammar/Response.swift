import Store

/// The condition of a status response (RFC 9051 §7.1).
public enum Condition: String, Sendable, Equatable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
    case bye = "BYE"
    case preauth = "PREAUTH"
}

/// Response codes (RFC 9051 §7.1, RFC 5530, RFC 4315, RFC 7162, RFC 7889).
public enum ResponseCode: Sendable, Equatable {
    case alert
    case alreadyExists
    case appendUID(uidValidity: UInt32, uids: UIDSet)
    case authenticationFailed
    case authorizationFailed
    case badCharset([String])
    case badURL(String)
    case badEvent([String])
    case cannot
    case capability([String])
    case clientBug
    case closed
    case compressionActive
    case contactAdmin
    case copyUID(uidValidity: UInt32, source: UIDSet, destination: UIDSet)
    case corruption
    case expired
    case expungeIssued
    case hasChildren
    case highestModSeq(UInt64)
    case inUse
    case limit
    case mailboxID(String)
    /// `METADATA LONGENTRIES n`, `METADATA MAXSIZE n`, `METADATA TOOMANY` (RFC 5464 §4.2.1, §4.3).
    case metadata(String)
    case modified(UIDSet)
    case noModSeq
    case nonexistent
    case noPerm
    case overQuota
    case parse
    case permanentFlags([String])
    case privacyRequired
    case readOnly
    case readWrite
    case serverBug
    case tooBig
    case tryCreate
    case uidNext(UInt32)
    case uidValidity(UInt32)
    case unavailable
    case unknownCTE
    case unseen(Int)
    case useAttr

    var text: String {
        switch self {
        case .alert: return "ALERT"
        case .alreadyExists: return "ALREADYEXISTS"
        case .badURL(let url): return "BADURL \(url)"
        case .badEvent(let events): return "BADEVENT (\(events.joined(separator: " ")))"
        case .mailboxID(let id): return "MAILBOXID (\(id))"
        case .metadata(let text): return "METADATA " + text
        case .appendUID(let v, let uids): return "APPENDUID \(v) \(uids)"
        case .authenticationFailed: return "AUTHENTICATIONFAILED"
        case .authorizationFailed: return "AUTHORIZATIONFAILED"
        case .badCharset(let names): return names.isEmpty ? "BADCHARSET" : "BADCHARSET (\(names.joined(separator: " ")))"
        case .cannot: return "CANNOT"
        case .capability(let caps): return "CAPABILITY " + caps.joined(separator: " ")
        case .clientBug: return "CLIENTBUG"
        case .closed: return "CLOSED"
        case .compressionActive: return "COMPRESSIONACTIVE"
        case .contactAdmin: return "CONTACTADMIN"
        case .copyUID(let v, let s, let d): return "COPYUID \(v) \(s) \(d)"
        case .corruption: return "CORRUPTION"
        case .expired: return "EXPIRED"
        case .expungeIssued: return "EXPUNGEISSUED"
        case .hasChildren: return "HASCHILDREN"
        case .highestModSeq(let m): return "HIGHESTMODSEQ \(m)"
        case .inUse: return "INUSE"
        case .limit: return "LIMIT"
        case .modified(let set): return "MODIFIED \(set)"
        case .noModSeq: return "NOMODSEQ"
        case .nonexistent: return "NONEXISTENT"
        case .noPerm: return "NOPERM"
        case .overQuota: return "OVERQUOTA"
        case .parse: return "PARSE"
        case .permanentFlags(let flags): return "PERMANENTFLAGS (\(flags.joined(separator: " ")))"
        case .privacyRequired: return "PRIVACYREQUIRED"
        case .readOnly: return "READ-ONLY"
        case .readWrite: return "READ-WRITE"
        case .serverBug: return "SERVERBUG"
        case .tooBig: return "TOOBIG"
        case .tryCreate: return "TRYCREATE"
        case .uidNext(let n): return "UIDNEXT \(n)"
        case .uidValidity(let n): return "UIDVALIDITY \(n)"
        case .unavailable: return "UNAVAILABLE"
        case .unknownCTE: return "UNKNOWN-CTE"
        case .unseen(let n): return "UNSEEN \(n)"
        case .useAttr: return "USEATTR"
        }
    }
}

/// A status response: condition, optional code, human-readable text.
public struct StatusResponse: Sendable, Equatable {
    public var condition: Condition
    public var code: ResponseCode?
    public var text: String

    public init(_ condition: Condition, _ code: ResponseCode? = nil, _ text: String) {
        self.condition = condition
        self.code = code
        self.text = text
    }

    public static func ok(_ text: String, _ code: ResponseCode? = nil) -> StatusResponse { StatusResponse(.ok, code, text) }
    public static func no(_ text: String, _ code: ResponseCode? = nil) -> StatusResponse { StatusResponse(.no, code, text) }
    public static func bad(_ text: String, _ code: ResponseCode? = nil) -> StatusResponse { StatusResponse(.bad, code, text) }
}

/// The untagged and tagged responses commands send, apart from FETCH data, which
/// `FetchResponseWriter` streams (RFC 9051 §7).
public enum Response: Sendable {
    case tagged(String, StatusResponse)
    case untagged(StatusResponse)
    case continuation(String)
    case capability([String])
    case enabled([String])
    case id([IDField]?)
    case flags([String])
    case exists(Int)
    case recent(Int)
    case expunge(Int)
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10): expunges by UID once QRESYNC is on.
    case vanished(UIDSet, earlier: Bool)
    /// `* LIST (attributes) "/" name [extended items]`; `kind` is LIST, LSUB or XLIST.
    case list(kind: String, attributes: [String], name: String, childInfo: Bool)
    /// `* LIST () "/" name ("OLDNAME" ("old"))` (RFC 5465 §5.4, RFC 5258 §3.6 OLDNAME).
    case listRenamed(name: String, oldName: String)
    case status(name: String, items: [(StatusAttribute, StatusValue)])
    case search([UInt32], highestModSeq: UInt64?)
    case esearch(tag: String, uid: Bool, items: [ESearchItem])
    /// `* SORT n...` in sort order (RFC 5256 §4), with MODSEQ as RFC 7162 §3.1.5 adds.
    case sort([UInt32], highestModSeq: UInt64?)
    /// `* THREAD (...)...` (RFC 5256 §4).
    case thread(ThreadForest<UInt32>)
    case namespace(personal: [(String, Character)], otherUsers: [(String, Character)], shared: [(String, Character)])
    /// `* ACL mailbox identifier rights ...` (RFC 4314 §3.6).
    case acl(name: String, entries: [(String, String)])
    /// `* LISTRIGHTS mailbox identifier required optional...` (RFC 4314 §3.7).
    case listRights(name: String, identifier: String, required: String, optional: [String])
    case myRights(name: String, rights: String)
    /// `* QUOTAROOT mailbox root...` (RFC 9208 §5.2).
    case quotaRoot(name: String, roots: [String])
    /// `* QUOTA root (resource usage limit ...)` (RFC 9208 §5.1).
    case quota(root: String, resources: [(String, UInt64, UInt64)])
    /// `* METADATA mailbox (entry value ...)` (RFC 5464 §4.4.1); NIL for entries without one.
    case metadata(name: String, entries: [(MetadataEntryName, [UInt8]?)])
}

/// A STATUS item's value: a number, or MAILBOXID's object id (RFC 8474 §4.2).
public enum StatusValue: Sendable, Equatable, CustomStringConvertible {
    case number(UInt64)
    case objectID(String)

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .objectID(let id): return "(\(id))"
        }
    }
}

/// One result item of an ESEARCH response (RFC 4731 §3.1).
public enum ESearchItem: Sendable, Equatable {
    case min(UInt32)
    case max(UInt32)
    case all(UIDSet)
    /// ALL of a SORT with RETURN: the numbers in sort order, not as a set (RFC 5267 §3.2).
    case allInOrder([UInt32])
    /// `PARTIAL (range set)` (RFC 9394 §3.1): the range as asked and the results in it,
    /// NIL when there are none.
    case partial(PartialRange, UIDSet)
    /// PARTIAL of a SORT: the page in sort order, as ALL of a SORT is.
    case partialInOrder(PartialRange, [UInt32])
    case count(Int)
    case modSeq(UInt64)
}
