/// Why an import or export could not run at all (a bad message or file inside the source
/// is not an error: it is reported as an `ImportProblem` and skipped).
public enum MigrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The source cannot be opened or read.
    case unreadable(String)
    /// The source is not in the format asked for.
    case badFormat(String)
    /// The export target exists already; exports never overwrite.
    case targetExists(String)
    /// Writing the export failed.
    case io(String)

    public var description: String {
        switch self {
        case .unreadable(let s), .badFormat(let s), .targetExists(let s), .io(let s): return s
        }
    }
}

/// A message or file of the source that was not imported, and why.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where it is: a file path, or "FILE message N (line L)" for an mbox.
    public var location: String
    public var reason: String

    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}

/// What an import did, per mailbox and in total.
public struct ImportReport: Sendable, Equatable {
    public struct Mailbox: Sendable, Equatable {
        public var name: String
        /// Messages stored by this run.
        public var imported = 0
        /// Messages skipped because the mailbox holds them already (an earlier run).
        public var alreadyPresent = 0
        public var uidValidity: UInt32 = 0
        /// Whether the source's UIDVALIDITY and UIDs were kept.
        public var uidsKept = false
        /// Messages that had a UID in the source but got a new one (it was taken, or the
        /// mailbox was in use with another UIDVALIDITY).
        public var renumbered = 0
        /// Why UIDs were not kept, when the source had them.
        public var note: String?

        public init(name: String) { self.name = name }
    }

    public var mailboxes: [Mailbox] = []
    public var problems: [ImportProblem] = []

    public init() {}

    public var imported: Int { mailboxes.reduce(0) { $0 + $1.imported } }
    public var alreadyPresent: Int { mailboxes.reduce(0) { $0 + $1.alreadyPresent } }
}

/// What an export wrote.
public struct ExportReport: Sendable, Equatable {
    public var mailboxes = 0
    public var messages = 0
    public var bytes: Int64 = 0
    /// Things the target format could not hold (more than 26 keywords in a Maildir folder).
    public var warnings: [String] = []

    public init() {}
}

/// Progress of a long import or export: `done` of `total` units (messages, or bytes of an mbox).
public typealias MigrationProgress = (_ done: Int64, _ total: Int64) -> Void
