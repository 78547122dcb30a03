/// One message from an import source, as it will be stored.
struct ImportedMessage {
    var bytes: [UInt8]
    var flags: Flags
    var internalDate: Int64?
    /// The UID the source gave it, to keep when the mailbox keeps the source's UIDs.
    var uid: UID?
}

/// Stores the messages of one source mailbox into a mailbox of the account: skips those the
/// mailbox already holds (by content, so a second run adds only what is missing), keeps the
/// source's UIDs where it can, and appends in batches that share one fsync.
final class MailboxImport {
    static let batchMessages = 1000
    static let batchBytes = 16 << 20

    let account: Account
    private(set) var mailbox: MailboxStatus
    private(set) var report: ImportReport.Mailbox
    private var present: [ContentKey: Int]
    /// The UID the next appended message takes, as the store will assign it.
    private(set) var nextUID: UID
    private var pending: [NewMessage] = []
    private var pendingBytes = 0

    /// `uidValidity` is the source's when it has UIDs to keep.
    init(account: Account, mailbox name: String, uidValidity: UInt32?) throws {
        self.account = account
        mailbox = try account.mailboxForImport(named: name, uidValidity: uidValidity)
        report = ImportReport.Mailbox(name: mailbox.name)
        report.uidValidity = mailbox.uidValidity
        report.uidsKept = uidValidity != nil && mailbox.uidValidity == uidValidity
        if uidValidity != nil && !report.uidsKept {
            report.note = "UIDs not kept: the mailbox already held messages under UIDVALIDITY \(mailbox.uidValidity)"
        }
        present = try account.contentKeys(in: mailbox.id)
        nextUID = mailbox.uidNext
    }

    /// Whether a message with `uid` from the source would keep it if it came now.
    func wouldKeep(_ uid: UID) -> Bool { report.uidsKept && uid >= nextUID }

    /// Queues a message unless the mailbox holds it already; appends when a batch is full.
    func add(_ message: ImportedMessage) throws {
        let key = ContentKey(bytes: message.bytes)
        if let count = present[key], count > 0 {
            present[key] = count - 1
            report.alreadyPresent += 1
            return
        }
        var uid: UID?
        if let given = message.uid {
            if wouldKeep(given) { uid = given } else { report.renumbered += 1 }
        }
        nextUID = UID((uid ?? nextUID).rawValue &+ 1)
        pending.append(NewMessage(bytes: message.bytes, flags: message.flags, internalDate: message.internalDate, uid: uid))
        pendingBytes += message.bytes.count
        if pending.count >= Self.batchMessages || pendingBytes >= Self.batchBytes { try flush() }
    }

    /// Keeps UIDs below the source's next UID from ever being given (they were used there).
    func reserveUIDs(below next: UID) throws {
        guard report.uidsKept, next > nextUID else { return }
        try flush()
        try account.reserveUIDs(below: next, in: mailbox.id)
        nextUID = next
    }

    /// Appends what is queued: all of it is on disk when this returns.
    func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            _ = try account.append(pending, to: mailbox.id)
        } catch StoreError.alreadyExists where pending.contains(where: { $0.uid != nil }) {
            // A delivery took UIDs meanwhile: what can no longer keep its UID takes the next one.
            mailbox = try account.mailbox(id: mailbox.id)
            var next = mailbox.uidNext
            for i in pending.indices {
                if let uid = pending[i].uid, uid < next {
                    pending[i].uid = nil
                    report.renumbered += 1
                }
                next = UID((pending[i].uid ?? next).rawValue &+ 1)
            }
            nextUID = next
            _ = try account.append(pending, to: mailbox.id)
        }
        report.imported += pending.count
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
    }

    func finish() throws -> ImportReport.Mailbox {
        try flush()
        try account.subscribe(mailbox.name)
        return report
    }
}

/// Whether bytes read from a source look like a message, and the form they are stored in.
enum MessageCheck {
    /// The message as stored: a leading mbox "From " envelope line dropped (as `roost
    /// deliver` does), and a message whose lines all end in a bare LF (the Unix convention
    /// of Maildir and mbox files) given CRLF; one that has CRLF already is kept byte for
    /// byte. Throws the reason when the bytes are not a message.
    static func stored(_ bytes: [UInt8]) throws(Refusal) -> [UInt8] {
        var bytes = bytes
        if bytes.starts(with: Array("From ".utf8)) {
            bytes.removeSubrange(0...(bytes.firstIndex(of: 10) ?? bytes.count - 1))
        }
        guard !bytes.isEmpty else { throw .empty }
        guard startsWithHeaderField(bytes) else { throw .noHeader }
        return hasCRLF(bytes) ? bytes : LineEnds.crlf(bytes)
    }

    enum Refusal: Error {
        case empty
        case noHeader

        /// Why, of a "file" or a "message".
        func reason(_ noun: String) -> String {
            switch self {
            case .empty: return "empty \(noun)"
            case .noHeader: return "not a message: it does not start with a header field"
            }
        }
    }

    /// RFC 5322 §3.6.8: a field name of printable ASCII but ":", then ":" (with the
    /// obsolete syntax's white space before it allowed).
    static func startsWithHeaderField(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count, bytes[i] > 0x20, bytes[i] < 0x7F, bytes[i] != UInt8(ascii: ":") { i += 1 }
        guard i > 0 else { return false }
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        return i < bytes.count && bytes[i] == UInt8(ascii: ":")
    }

    static func hasCRLF(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            guard b.count > 1 else { return false }
            for i in 1..<b.count where b[i] == 10 && b[i - 1] == 13 { return true }
            return false
        }
    }
}
