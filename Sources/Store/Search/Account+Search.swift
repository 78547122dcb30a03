import Foundation

extension Account {
    /// The UIDs among `candidates` in `mailbox` that match `query`, ascending. Flags,
    /// sizes, dates and UIDs come from the index; text keys read the message bytes of the
    /// messages the full-text index cannot rule out. For a `reader` who is not the owner,
    /// \Seen is theirs.
    public func search(_ query: SearchQuery, in mailbox: MailboxID, among candidates: UIDSet, reader: String? = nil) throws -> [UID] {
        if reader == nil, let indexed = try indexedSearch(query, in: mailbox, among: candidates) { return indexed }
        var query = query
        query.foldTexts()
        var matches: [UID] = []
        guard query.needsContent else {
            try messages(in: mailbox, uids: candidates, details: query.needsDetails, reader: reader) { record, details in
                var subject = SearchSubject(record: record, details: details, account: nil, narrowing: nil)
                if subject.matches(query) { matches.append(record.uid) }
            }
            return matches
        }
        // Text keys read bytes, which needs the account unlocked: collect the records first,
        // and the details apart, only when asked for (an entry with room for them took some
        // 250 bytes even without, copied as the array grew: a third of a SEARCH FROM).
        let needsDetails = query.needsDetails
        var records: [MessageRecord] = []
        var details: [MessageDetails] = []
        try messages(in: mailbox, uids: candidates, details: needsDetails, reader: reader) { record, parsed in
            records.append(record)
            if let parsed { details.append(parsed) }
        }
        // Asked after the records are read: the hashes it compares are then those of the
        // bodies the records point at (an id can be handed out again after an expunge).
        let narrowing = try textNarrowing(for: query, in: mailbox)
        for (i, record) in records.enumerated() {
            var subject = SearchSubject(record: record, details: needsDetails ? details[i] : nil, account: self, narrowing: narrowing)
            if subject.matches(query) { matches.append(record.uid) }
        }
        return matches
    }

    /// UNSEEN and DELETED, the searches clients repeat most, answered from the partial
    /// indexes without reading a message row; nil for any other query.
    private func indexedSearch(_ query: SearchQuery, in mailbox: MailboxID, among candidates: UIDSet) throws -> [UID]? {
        let sql: String
        switch query {
        case .and(let qs) where qs.count == 1:
            return try indexedSearch(qs[0], in: mailbox, among: candidates)
        case .lacksFlags(let f) where f == .seen:
            sql = "SELECT uid FROM message INDEXED BY message_unseen WHERE mailbox = ? AND uid BETWEEN ? AND ? AND flags & 1 = 0 ORDER BY uid"
        case .hasFlags(let f) where f == .deleted:
            sql = "SELECT uid FROM message INDEXED BY message_deleted WHERE mailbox = ? AND uid BETWEEN ? AND ? AND flags & 8 != 0 ORDER BY uid"
        default:
            return nil
        }
        return try withDatabase {
            let s = try db.statement(sql)
            var result: [UID] = []
            for range in candidates.ranges {
                s.reset()
                s.bind(.int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
                while try s.step() { result.append(UID(UInt32(truncatingIfNeeded: s.int64(0)))) }
            }
            return result
        }
    }

    /// What the full-text index says about the query's text keys for the bodies of
    /// `mailbox`, nil when it has nothing to say. Bodies it does not hold yet (new ones,
    /// another process's deliveries) are indexed in the background; until then they are read.
    private func textNarrowing(for query: SearchQuery, in mailbox: MailboxID) throws -> FullTextIndex.Narrowing? {
        guard usesFullTextIndex else { return nil }
        let keys = query.indexKeys
        guard keys.contains(where: { $0.match != nil }) else { return nil }
        let blobs = try blobHashes(in: mailbox)
        let narrowing = fullText.narrowing(keys, blobs: blobs)
        if (narrowing?.indexedCount ?? 0) < blobs.count { fullText.scheduleCatchUp(self) }
        return narrowing
    }
}

extension SearchQuery {
    /// Folds every text once, so each message only folds its own side.
    mutating func foldTexts() {
        switch self {
        case .header(let name, let text): self = .header(name, SearchQuery.folded(text))
        case .body(let text): self = .body(SearchQuery.folded(text))
        case .text(let text): self = .text(SearchQuery.folded(text))
        case .not(var q):
            q.foldTexts()
            self = .not(q)
        case .and(var qs):
            for i in qs.indices { qs[i].foldTexts() }
            self = .and(qs)
        case .or(var a, var b):
            a.foldTexts()
            b.foldTexts()
            self = .or(a, b)
        default: break
        }
    }

    /// The text keys, folded, as the full-text index looks them up. An empty header text
    /// asks only whether the field is there, which the index does not know.
    var indexKeys: Set<FullTextIndex.Key> {
        switch self {
        case .header(_, let text) where !text.isEmpty: return [.field(Array(text.utf8))]
        case .body(let text): return [.body(Array(text.utf8))]
        case .text(let text): return [.text(Array(text.utf8))]
        case .not(let q): return q.indexKeys
        case .and(let qs): return qs.reduce(into: []) { $0.formUnion($1.indexKeys) }
        case .or(let a, let b): return a.indexKeys.union(b.indexKeys)
        default: return []
        }
    }

    /// Folded text kept in the String as its UTF-8 bytes.
    static func folded(_ text: String) -> String {
        String(decoding: TextFolding.fold(text), as: UTF8.self)
    }
}

/// One message being tested against a query; its text is read on first need.
struct SearchSubject {
    let record: MessageRecord
    /// What was parsed at append, when the query needs it.
    let details: MessageDetails?
    let account: Account?
    let narrowing: FullTextIndex.Narrowing?
    private var text: MessageText?
    private var unreadable = false

    init(record: MessageRecord, details: MessageDetails?, account: Account?, narrowing: FullTextIndex.Narrowing?) {
        self.record = record
        self.details = details
        self.account = account
        self.narrowing = narrowing
    }

    /// Whether the full-text index proves this message's body free of `needle` in `scope`.
    private func ruledOut(_ scope: FullTextIndex.Key.Scope, _ needle: String) -> Bool {
        narrowing?.rulesOut(scope, needle, blob: record.blob) ?? false
    }

    var sentDate: Int64? { details?.fields.date }

    static func day(_ seconds: Int64) -> Int { Int((seconds >= 0 ? seconds : seconds - 86_399) / 86_400) }

    mutating func matches(_ query: SearchQuery) -> Bool {
        switch query {
        case .all: return true
        case .uids(let set): return set.contains(record.uid)
        case .hasFlags(let f): return record.flags.system.isSuperset(of: f)
        case .lacksFlags(let f): return record.flags.system.isDisjoint(with: f)
        case .keyword(let k): return record.flags.keywords.contains { $0.caseInsensitiveCompare(k) }
        case .lacksKeyword(let k): return !record.flags.keywords.contains { $0.caseInsensitiveCompare(k) }
        case .arrivedBefore(let d): return SearchSubject.day(record.internalDate) < d
        case .arrivedOn(let d): return SearchSubject.day(record.internalDate) == d
        case .arrivedSince(let d): return SearchSubject.day(record.internalDate) >= d
        case .sentBefore(let d): return SearchSubject.day(sentDate ?? record.internalDate) < d
        case .sentOn(let d): return SearchSubject.day(sentDate ?? record.internalDate) == d
        case .sentSince(let d): return SearchSubject.day(sentDate ?? record.internalDate) >= d
        case .arrivedAtOrAfter(let t): return record.internalDate >= t
        case .arrivedAtOrBefore(let t): return record.internalDate <= t
        case .savedBefore(let d): return SearchSubject.day(record.saveDate) < d
        case .savedOn(let d): return SearchSubject.day(record.saveDate) == d
        case .savedSince(let d): return SearchSubject.day(record.saveDate) >= d
        case .email(let blob, let hash): return record.blob == blob && details?.hash == hash
        case .thread(let key): return details?.thread == key
        case .larger(let n): return record.size > n
        case .smaller(let n): return record.size < n
        case .modSeqAtLeast(let m): return record.modSeq.rawValue >= m
        case .header(let name, let needle):
            if !needle.isEmpty && ruledOut(.field, needle) { return false }
            return withText { text in
                let values = text.header(name)
                return needle.isEmpty ? !values.isEmpty : values.contains { TextFolding.contains($0, Array(needle.utf8)) }
            } ?? false
        case .body(let needle):
            if ruledOut(.body, needle) { return false }
            return withText { TextFolding.contains($0.bodyText(), Array(needle.utf8)) } ?? false
        case .text(let needle):
            if ruledOut(.text, needle) { return false }
            return withText { text in
                TextFolding.contains(text.headerText(), Array(needle.utf8)) || TextFolding.contains(text.bodyText(), Array(needle.utf8))
            } ?? false
        case .not(let q): return !matches(q)
        case .and(let qs):
            for q in qs where !matches(q) { return false }
            return true
        case .or(let a, let b): return matches(a) || matches(b)
        }
    }

    /// Runs `body` on the message text, read on first use; nil when the bytes cannot be
    /// read (the message then matches no text key).
    private mutating func withText(_ body: (inout MessageText) -> Bool) -> Bool? {
        if unreadable { return nil }
        var current: MessageText
        if let cached = text {
            current = cached
            text = nil  // one owner while it grows its caches
        } else {
            guard let account, let bytes = try? account.bytes(blob: record.blob) else {
                unreadable = true
                return nil
            }
            current = MessageText(bytes: bytes)
        }
        let result = body(&current)
        text = current
        return result
    }
}
