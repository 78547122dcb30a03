/// What SORT and THREAD order a message by (RFC 5256, RFC 5957), as the index holds it
/// from append time: no message bytes are read. Header values are raw (unfolded, encoded
/// words still encoded); nil when the header is absent or was not asked for.
public struct SortFields: Sendable, Equatable {
    /// Which header values to read; the internal date and the size always come.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let subject = Parts(rawValue: 1)
        public static let from = Parts(rawValue: 2)
        public static let to = Parts(rawValue: 4)
        public static let cc = Parts(rawValue: 8)
        /// Message-ID, In-Reply-To and References.
        public static let references = Parts(rawValue: 16)
        /// The Date: header.
        public static let sentDate = Parts(rawValue: 32)
    }

    public var uid: UID
    public var internalDate: Int64
    public var size: Int
    /// The Date: header in seconds since 1970 UTC; nil when absent or unreadable.
    public var sentDate: Int64?
    public var subject: String?
    public var from: String?
    public var to: String?
    public var cc: String?
    public var messageID: String?
    public var inReplyTo: String?
    public var references: String?

    public init(uid: UID, internalDate: Int64, size: Int, sentDate: Int64? = nil, subject: String? = nil,
                from: String? = nil, to: String? = nil, cc: String? = nil,
                messageID: String? = nil, inReplyTo: String? = nil, references: String? = nil) {
        self.uid = uid
        self.internalDate = internalDate
        self.size = size
        self.sentDate = sentDate
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
    }

    /// The sent date of RFC 5256 §2.2: the Date: header in UTC, else the internal date
    /// (read with `.sentDate`).
    public var sentOrInternalDate: Int64 { sentDate ?? internalDate }
}

extension Account {
    /// The sort fields of the messages of `uids` in `mailbox`, in ascending UID order, read
    /// in one query. Header values not in `parts` stay nil; with none, the query reads only
    /// the message table, not the larger rows of the parsed messages.
    public func sortFields(in mailbox: MailboxID, uids: UIDSet, parts: SortFields.Parts) throws -> [SortFields] {
        guard let first = uids.ranges.first, let last = uids.ranges.last else { return [] }
        func column(_ part: SortFields.Parts, _ name: String) -> String { parts.contains(part) ? name : "NULL" }
        let sql = """
            SELECT m.uid, m.internaldate, m.size, \(column(.sentDate, "b.sent_date")), \(column(.subject, "b.subject")),
                   \(column(.from, "b.from_")), \(column(.to, "b.to_")), \(column(.cc, "b.cc")),
                   \(column(.references, "b.message_id")), \(column(.references, "b.in_reply_to")),
                   \(column(.references, "b.refs_header"))
            FROM message m \(parts.isEmpty ? "" : "JOIN blob b ON b.id = m.blob")
            WHERE m.mailbox = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid
            """
        // One pass over the span of the set, filtered here: a scattered set (UNSEEN) would
        // otherwise cost one query per range.
        let scattered = uids.ranges.count > 1
        return try withDatabase {
            let s = try db.statement(sql).bind(.int(mailbox), .int(Int64(first.lowerBound)), .int(Int64(last.upperBound)))
            var result: [SortFields] = []
            result.reserveCapacity(min(uids.count, 1 << 20))
            while try s.step() {
                let uid = UID(UInt32(truncatingIfNeeded: s.int64(0)))
                if scattered && !uids.contains(uid) { continue }
                result.append(SortFields(
                    uid: uid, internalDate: s.int64(1), size: s.int(2), sentDate: s.isNull(3) ? nil : s.int64(3),
                    subject: s.text(4), from: s.text(5), to: s.text(6), cc: s.text(7),
                    messageID: s.text(8), inReplyTo: s.text(9), references: s.text(10)))
            }
            return result
        }
    }
}
