import Store

/// One client command with its tag (RFC 9051 §2.2.1).
public struct TaggedCommand: Equatable, Sendable {
    public var tag: String
    public var command: Command

    public init(tag: String, command: Command) {
        self.tag = tag
        self.command = command
    }
}

/// Every command Roost understands, as parsed: pure values, no store, no channel.
public enum Command: Equatable, Sendable {
    // Any state (RFC 9051 §6.1)
    case capability
    case noop
    case logout
    case id([IDField]?)
    // Not authenticated (§6.2)
    case startTLS
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    case login(user: [UInt8], password: [UInt8])
    // Authenticated (§6.3)
    case enable([String])
    case select(MailboxName, SelectParameters)
    case examine(MailboxName, SelectParameters)
    case create(MailboxName, specialUse: [String])
    case delete(MailboxName)
    case rename(MailboxName, MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    case list(ListArguments)
    case lsub(reference: MailboxName, pattern: MailboxName)
    case namespace
    case status(MailboxName, [StatusAttribute])
    case append(MailboxName, [AppendMessage])
    case idle
    case compress(String)
    // ACL (RFC 4314) and QUOTA (RFC 9208)
    case setACL(MailboxName, identifier: [UInt8], rights: [UInt8])
    case deleteACL(MailboxName, identifier: [UInt8])
    case getACL(MailboxName)
    case listRights(MailboxName, identifier: [UInt8])
    case myRights(MailboxName)
    case getQuota(root: [UInt8])
    case getQuotaRoot(MailboxName)
    case setQuota(root: [UInt8])
    /// NOTIFY SET or, with nil, NOTIFY NONE (RFC 5465).
    case notify(NotifySettings?)
    // METADATA (RFC 5464); the empty mailbox name means the server.
    case getMetadata(MailboxName, [MetadataEntryName], MetadataOptions)
    case setMetadata(MailboxName, [MetadataValue])
    // Selected (§6.4)
    case check
    case close
    case unselect
    case expunge
    case uidExpunge(SequenceSet)
    case search(SearchArguments, uid: Bool)
    /// SORT and THREAD (RFC 5256).
    case sort(SortArguments, uid: Bool)
    case thread(ThreadArguments, uid: Bool)
    case fetch(SequenceSet, [FetchAttribute], FetchModifiers, uid: Bool)
    case store(SequenceSet, StoreAction, unchangedSince: UInt64?, uid: Bool)
    case copy(SequenceSet, MailboxName, uid: Bool)
    case move(SequenceSet, MailboxName, uid: Bool)

    /// The command name as a client writes it, for responses ("SELECT completed").
    public var name: String {
        switch self {
        case .capability: return "CAPABILITY"
        case .noop: return "NOOP"
        case .logout: return "LOGOUT"
        case .id: return "ID"
        case .startTLS: return "STARTTLS"
        case .authenticate: return "AUTHENTICATE"
        case .login: return "LOGIN"
        case .enable: return "ENABLE"
        case .select: return "SELECT"
        case .examine: return "EXAMINE"
        case .create: return "CREATE"
        case .delete: return "DELETE"
        case .rename: return "RENAME"
        case .subscribe: return "SUBSCRIBE"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .list(let l): return l.isXList ? "XLIST" : "LIST"
        case .lsub: return "LSUB"
        case .namespace: return "NAMESPACE"
        case .status: return "STATUS"
        case .append: return "APPEND"
        case .idle: return "IDLE"
        case .compress: return "COMPRESS"
        case .setACL: return "SETACL"
        case .deleteACL: return "DELETEACL"
        case .getACL: return "GETACL"
        case .listRights: return "LISTRIGHTS"
        case .myRights: return "MYRIGHTS"
        case .getQuota: return "GETQUOTA"
        case .getQuotaRoot: return "GETQUOTAROOT"
        case .setQuota: return "SETQUOTA"
        case .notify: return "NOTIFY"
        case .getMetadata: return "GETMETADATA"
        case .setMetadata: return "SETMETADATA"
        case .check: return "CHECK"
        case .close: return "CLOSE"
        case .unselect: return "UNSELECT"
        case .expunge: return "EXPUNGE"
        case .uidExpunge: return "UID EXPUNGE"
        case .search(_, let uid): return uid ? "UID SEARCH" : "SEARCH"
        case .sort(_, let uid): return uid ? "UID SORT" : "SORT"
        case .thread(_, let uid): return uid ? "UID THREAD" : "THREAD"
        case .fetch(_, _, _, let uid): return uid ? "UID FETCH" : "FETCH"
        case .store(_, _, _, let uid): return uid ? "UID STORE" : "STORE"
        case .copy(_, _, let uid): return uid ? "UID COPY" : "COPY"
        case .move(_, _, let uid): return uid ? "UID MOVE" : "MOVE"
        }
    }
}

/// A mailbox name as it came on the wire: modified UTF-7 (RFC 3501 §5.1.3) from most
/// clients, UTF-8 from those that enabled it. Decoded by the session, which knows which.
public struct MailboxName: Equatable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// One field of an ID command (RFC 2971): a name and a value or NIL.
public struct IDField: Equatable, Sendable {
    public var name: String
    public var value: String?
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// What NOTIFY SET asks to be told (RFC 5465 §3): groups of mailboxes, each with events.
public struct NotifySettings: Equatable, Sendable {
    public enum Mailboxes: Equatable, Sendable {
        case selected
        /// Expunges in the selected mailbox wait for a command that allows them (§5.2).
        case selectedDelayed
        case inboxes
        case personal
        case subscribed
        case subtree([MailboxName])
        case mailboxes([MailboxName])

        var isSelected: Bool { self == .selected || self == .selectedDelayed }
    }

    public enum Event: Equatable, Sendable {
        /// With FETCH attributes for new messages in the selected mailbox (§5.1).
        case messageNew([FetchAttribute])
        case messageExpunge
        case flagChange
        case annotationChange
        case mailboxName
        case subscriptionChange
        case mailboxMetadataChange
        case serverMetadataChange
    }

    public struct Group: Equatable, Sendable {
        public var mailboxes: Mailboxes
        /// Empty for NONE: nothing is told of these mailboxes.
        public var events: [Event]
        public init(mailboxes: Mailboxes, events: [Event]) {
            self.mailboxes = mailboxes
            self.events = events
        }
    }

    /// `NOTIFY SET STATUS`: a STATUS of each mailbox at once.
    public var status: Bool
    public var groups: [Group]

    public init(status: Bool, groups: [Group]) {
        self.status = status
        self.groups = groups
    }
}

/// GETMETADATA options (RFC 5464 §4.2.1, §4.2.2).
public struct MetadataOptions: Equatable, Sendable {
    /// Values longer than this are left out (and the longest such size reported).
    public var maxSize: Int?
    public var depth: MetadataDepth
    public init(maxSize: Int? = nil, depth: MetadataDepth = .zero) {
        self.maxSize = maxSize
        self.depth = depth
    }
}

/// One entry of a SETMETADATA: a value, or NIL to remove it (RFC 5464 §4.3).
public struct MetadataValue: Equatable, Sendable {
    public var name: MetadataEntryName
    public var value: [UInt8]?
    public init(name: MetadataEntryName, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// SELECT/EXAMINE parameters (RFC 4466 §2.1; CONDSTORE and QRESYNC of RFC 7162).
public struct SelectParameters: Equatable, Sendable {
    public var condstore = false
    public var qresync: QResyncParameters?
    public init(condstore: Bool = false, qresync: QResyncParameters? = nil) {
        self.condstore = condstore
        self.qresync = qresync
    }
}

/// What a client remembers of a mailbox it resynchronizes (RFC 7162 §3.2.5):
/// `QRESYNC (uidvalidity modseq [known-uids [(known-sequence-set known-uid-set)]])`.
public struct QResyncParameters: Equatable, Sendable {
    public var uidValidity: UInt32
    public var modSeq: UInt64
    /// The UIDs the client holds; nil means every UID.
    public var knownUIDs: SequenceSet?
    /// Sequence numbers and the UIDs the client had for them; used only to check syntax,
    /// since every expunge leaves a tombstone here and VANISHED (EARLIER) is always exact.
    public var sequenceMatch: SequenceMatch?

    public struct SequenceMatch: Equatable, Sendable {
        public var sequences: SequenceSet
        public var uids: SequenceSet
        public init(sequences: SequenceSet, uids: SequenceSet) {
            self.sequences = sequences
            self.uids = uids
        }
    }

    public init(uidValidity: UInt32, modSeq: UInt64, knownUIDs: SequenceSet? = nil, sequenceMatch: SequenceMatch? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.sequenceMatch = sequenceMatch
    }
}

/// LIST in all its forms (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS,
/// RFC 6154 SPECIAL-USE), and Outlook's XLIST.
public struct ListArguments: Equatable, Sendable {
    public struct Selection: OptionSet, Equatable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let subscribed = Selection(rawValue: 1)
        public static let remote = Selection(rawValue: 2)
        public static let recursiveMatch = Selection(rawValue: 4)
        public static let specialUse = Selection(rawValue: 8)
    }

    public struct Return: OptionSet, Equatable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let subscribed = Return(rawValue: 1)
        public static let children = Return(rawValue: 2)
        public static let specialUse = Return(rawValue: 4)
    }

    public var selection: Selection = []
    public var reference: MailboxName
    public var patterns: [MailboxName]
    public var returning: Return = []
    /// RETURN (STATUS (...)), RFC 5819.
    public var status: [StatusAttribute] = []
    /// Whether the command used the extended syntax (selection options, several
    /// patterns or RETURN), which changes some answers (RFC 5258 §3).
    public var isExtended = false
    /// XLIST (Outlook 2013/2016): LIST with special-use attributes and INBOX as \Inbox.
    public var isXList = false

    public init(reference: MailboxName, patterns: [MailboxName]) {
        self.reference = reference
        self.patterns = patterns
    }
}

/// STATUS data items (RFC 9051 §6.3.11, RFC 7162, RFC 8438, RFC 7889, RFC 8474).
public enum StatusAttribute: String, Equatable, Sendable, CaseIterable {
    case messages = "MESSAGES"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case deleted = "DELETED"
    case size = "SIZE"
    case recent = "RECENT"
    case highestModSeq = "HIGHESTMODSEQ"
    case appendLimit = "APPENDLIMIT"
    case mailboxID = "MAILBOXID"
}

/// One message of an APPEND (several with MULTIAPPEND, RFC 3502).
public struct AppendMessage: Equatable, Sendable {
    public var flags: [Flag]
    /// Seconds since 1970 UTC; nil for now.
    public var internalDate: Int64?
    public var content: AppendContent

    public init(flags: [Flag], internalDate: Int64?, content: AppendContent) {
        self.flags = flags
        self.internalDate = internalDate
        self.content = content
    }

    public init(flags: [Flag], internalDate: Int64?, bytes: [UInt8]) {
        self.init(flags: flags, internalDate: internalDate, content: .literal(bytes))
    }
}

/// Where an appended message's bytes come from.
public enum AppendContent: Equatable, Sendable {
    case literal([UInt8])
    /// `UTF8 (literal8)` (RFC 6855 §4): a message with UTF-8 headers, once UTF8=ACCEPT is on.
    case utf8([UInt8])
    /// `CATENATE (...)` (RFC 4469): text and pieces of messages already here, joined.
    case catenate([CatenatePart])
}

public enum CatenatePart: Equatable, Sendable {
    case text([UInt8])
    /// An IMAP URL (RFC 5092) of a message or a part of one on this server.
    case url(String)
}

/// A flag as a client writes it (RFC 9051 §2.3.2).
public enum Flag: Hashable, Sendable {
    case system(SystemFlags)
    /// `\Recent`: a session property, never stored.
    case recent
    case keyword(String)
    /// A `\Name` that is no flag Roost knows.
    case unknownSystem(String)
}

/// STORE's action (RFC 9051 §6.4.6): add, remove or replace, with or without the
/// untagged FETCH answers.
public struct StoreAction: Equatable, Sendable {
    public var operation: Flags.Operation
    public var silent: Bool
    public var flags: [Flag]

    public init(operation: Flags.Operation, silent: Bool, flags: [Flag]) {
        self.operation = operation
        self.silent = silent
        self.flags = flags
    }
}

/// FETCH modifiers (RFC 4466 §2.4; CHANGEDSINCE and VANISHED of RFC 7162, PARTIAL of RFC 9394).
public struct FetchModifiers: Equatable, Sendable {
    public var changedSince: UInt64?
    /// UID FETCH also reports the UIDs of the set expunged since CHANGEDSINCE (§3.2.6).
    public var vanished = false
    /// Only this range of the messages the FETCH would answer for (RFC 9394 §3.3).
    public var partial: PartialRange?
    public init(changedSince: UInt64? = nil, vanished: Bool = false, partial: PartialRange? = nil) {
        self.changedSince = changedSince
        self.vanished = vanished
        self.partial = partial
    }
}

/// What a FETCH asks for of each message (RFC 9051 §6.4.5).
public enum FetchAttribute: Equatable, Sendable {
    case envelope
    case flags
    case internalDate
    case rfc822Size
    case rfc822
    case rfc822Header
    case rfc822Text
    /// BODY without a section: BODYSTRUCTURE without extension data.
    case body
    case bodyStructure
    case uid
    case modSeq
    case bodySection(Section, partial: Partial?, peek: Bool)
    /// BINARY[...] (RFC 3516): the part with its transfer encoding removed.
    case binary(part: [Int], partial: Partial?, peek: Bool)
    case binarySize(part: [Int])
    /// SAVEDATE (RFC 8514): when the message was put in this mailbox.
    case saveDate
    /// EMAILID and THREADID (RFC 8474 §5).
    case emailID
    case threadID
    /// PREVIEW (RFC 8970); LAZY lets the server answer NIL rather than work for it.
    case preview(lazy: Bool)

    /// FAST, ALL and FULL (RFC 9051 §6.4.5).
    public static let fast: [FetchAttribute] = [.flags, .internalDate, .rfc822Size]
    public static let all: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope]
    public static let full: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope, .body]
}

/// `<origin.length>` of a partial fetch.
public struct Partial: Equatable, Sendable {
    public var origin: Int
    public var length: Int
    public init(origin: Int, length: Int) {
        self.origin = origin
        self.length = length
    }
}

/// A body section (RFC 9051 §6.4.5 `section`): a part path, then what of it.
public struct Section: Equatable, Sendable {
    public enum Text: Equatable, Sendable {
        /// The whole part (or the whole message for an empty path).
        case none
        case header
        case headerFields([String])
        case headerFieldsNot([String])
        case text
        case mime
    }

    public var part: [Int]
    public var text: Text

    public init(part: [Int] = [], text: Text = .none) {
        self.part = part
        self.text = text
    }

    /// The section as a response names it: `1.2.HEADER.FIELDS (FROM TO)`.
    public var description: String {
        var s = part.map(String.init).joined(separator: ".")
        let suffix: String
        switch text {
        case .none: suffix = ""
        case .header: suffix = "HEADER"
        case .headerFields(let names): suffix = "HEADER.FIELDS (\(Self.headerList(names)))"
        case .headerFieldsNot(let names): suffix = "HEADER.FIELDS.NOT (\(Self.headerList(names)))"
        case .text: suffix = "TEXT"
        case .mime: suffix = "MIME"
        }
        if !suffix.isEmpty { s += s.isEmpty ? suffix : "." + suffix }
        return s
    }

    /// Field names as astrings: an atom when every byte is an ATOM-CHAR, else a quoted
    /// string (the parser admits only printable ASCII names, so one always fits).
    static func headerList(_ names: [String]) -> String {
        names.map { name in
            if name.utf8.allSatisfy(\.isAtomChar), name.uppercased() != "NIL" { return name }
            var quoted = "\""
            for c in name {
                if c == "\"" || c == "\\" { quoted.append("\\") }
                quoted.append(c)
            }
            return quoted + "\""
        }.joined(separator: " ")
    }
}

/// SEARCH with its options (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES, RFC 9394 PARTIAL).
public struct SearchArguments: Equatable, Sendable {
    public struct Return: OptionSet, Equatable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let min = Return(rawValue: 1)
        public static let max = Return(rawValue: 2)
        public static let all = Return(rawValue: 4)
        public static let count = Return(rawValue: 8)
        public static let save = Return(rawValue: 16)
    }

    /// Nil for the old form (an untagged SEARCH answer); a set, possibly empty, for
    /// `RETURN (...)` (an ESEARCH answer; empty, without `partial`, means ALL).
    public var returning: Return?
    /// `RETURN (PARTIAL range)` (RFC 9394 §3.1); only with `returning`.
    public var partial: PartialRange?
    public var charset: String?
    public var key: SearchKey

    public init(returning: Return? = nil, partial: PartialRange? = nil, charset: String? = nil, key: SearchKey) {
        self.returning = returning
        self.partial = partial
        self.charset = charset
        self.key = key
    }
}

/// The search-key grammar (RFC 9051 §6.4.4). Strings are kept as sent; the charset
/// decides how they are read.
public indirect enum SearchKey: Equatable, Sendable {
    case all
    case flag(SystemFlags)
    case notFlag(SystemFlags)
    case keyword(String)
    case notKeyword(String)
    case new
    case old
    case recent
    case header(String, [UInt8])
    case body([UInt8])
    case text([UInt8])
    case before(Int)       // days since 1970, internal date
    case on(Int)
    case since(Int)
    case sentBefore(Int)
    case sentOn(Int)
    case sentSince(Int)
    /// RFC 8514: the day the message was saved in this mailbox.
    case savedBefore(Int)
    case savedOn(Int)
    case savedSince(Int)
    /// RFC 8514 §4.2: every message of a mailbox that keeps save dates.
    case saveDateSupported
    /// RFC 5032 WITHIN: arrived more, or fewer, than this many seconds ago.
    case older(UInt32)
    case younger(UInt32)
    /// RFC 8474 §6: by object identifier.
    case emailID(String)
    case threadID(String)
    case larger(UInt32)
    case smaller(UInt32)
    case uid(SequenceSet)
    case sequence(SequenceSet)
    case not(SearchKey)
    case or(SearchKey, SearchKey)
    case and([SearchKey])
    case modSeq(UInt64)
}
