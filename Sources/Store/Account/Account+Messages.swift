import Foundation

/// A message as the index lists it: enough for FLAGS, UID, INTERNALDATE, RFC822.SIZE,
/// MODSEQ, and to find its bytes.
public struct MessageRecord: Sendable, Equatable {
    public var uid: UID
    public var flags: Flags
    public var modSeq: ModSequence
    public var internalDate: Int64
    public var saveDate: Int64
    public var size: Int
    public var blob: Int64
}

/// What was parsed once at append time: pre-encoded IMAP text and the part table.
public struct MessageDetails: Sendable, Equatable {
    public var headerLength: Int
    public var envelope: String
    public var bodyStructure: String
    public var body: String
    public var structure: [UInt8]
    public var hash: UInt64
    public var fields: ListingFields
    /// PREVIEW (RFC 8970): empty when the message has no readable text, nil when it was
    /// stored before previews were made (`preview(blob:)` makes it then).
    public var preview: String?
    /// The thread the message belongs to: the content hash of its first message (RFC 8474).
    public var thread: UInt64
    /// Where the bytes were when the details were read: a read of them needs no look-up.
    public var place: StoredPlace

    public var layout: MessageLayout { MessageLayout(headerLength: headerLength, place: place) }
}

/// Where a message's header ends and where its bytes lie: all that a FETCH of the whole
/// message, of its header, its text or some of its header fields needs beside the record.
/// Read without the parsed details, which are most of a details row: the header sync of
/// 100,000 messages made some fifteen strings per message it never used.
public struct MessageLayout: Sendable, Equatable {
    public var headerLength: Int
    public var place: StoredPlace
}

/// Where a message's bytes lie in the account's segments, opaque to the protocols.
public struct StoredPlace: Sendable, Equatable {
    let segment: Int64
    let offset: Int64
    let length: Int
}

public struct AppendResult: Sendable, Equatable {
    public var uidValidity: UInt32
    public var uids: [UID]
}

public struct CopyResult: Sendable, Equatable {
    public var uidValidity: UInt32
    public var source: [UID]
    public var destination: [UID]

    public init(uidValidity: UInt32, source: [UID], destination: [UID]) {
        self.uidValidity = uidValidity
        self.source = source
        self.destination = destination
    }
}

public struct FlagUpdate: Sendable, Equatable {
    public var uid: UID
    public var flags: Flags
    public var modSeq: ModSequence
    /// Nil when the shared flags changed (`flags` has \Seen as the owner has it); a
    /// reader's account id when only that reader's own \Seen changed (`flags` as that
    /// reader sees them).
    public var reader: String?

    public init(uid: UID, flags: Flags, modSeq: ModSequence, reader: String? = nil) {
        self.uid = uid
        self.flags = flags
        self.modSeq = modSeq
        self.reader = reader
    }
}

public struct StoreResult: Sendable, Equatable {
    /// Messages whose flags changed, with their new flags.
    public var updated: [FlagUpdate]
    /// Messages left alone because they changed after UNCHANGEDSINCE (RFC 7162 §3.1.3).
    public var modified: UIDSet
    /// The mod-sequence of a change recorded as ranges (`updated` is then empty: which
    /// messages it changed is read from the store, `flagChanges(in:since:)`).
    public var recorded: ModSequence?

    public init(updated: [FlagUpdate], modified: UIDSet, recorded: ModSequence? = nil) {
        self.updated = updated
        self.modified = modified
        self.recorded = recorded
    }
}

/// A message handed to `append`. The bytes are stored exactly as given.
public struct NewMessage: Sendable {
    public var bytes: [UInt8]
    public var flags: Flags
    /// Seconds since 1970; nil means now.
    public var internalDate: Int64?
    /// The UID to keep (a migration from a server that handed it out); nil takes UIDNEXT.
    /// It must not be below UIDNEXT: a UID is never given twice.
    public var uid: UID?

    public init(bytes: [UInt8], flags: Flags = Flags(), internalDate: Int64? = nil, uid: UID? = nil) {
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
        self.uid = uid
    }
}

extension Account {
    // MARK: Reading the index

    /// The UIDs of a mailbox in ascending order: what a session maps sequence numbers through.
    public func uids(in mailbox: MailboxID) throws -> [UID] {
        try withDatabase {
            // The mailbox row's statement stays open until `finishUse`, so the reads below
            // see the same snapshot as the counters they are checked against.
            try uidsLocked(mailbox, box: try mailboxLocked(id: mailbox))
        }
    }

    /// What SELECT and EXAMINE show of a mailbox, read in one snapshot (one read
    /// transaction, where reading each part by itself took five): its row, its UIDs, the
    /// keywords used in it, and the lowest UID without \Seen (`reader`'s own \Seen when
    /// the mailbox is someone else's).
    public func selection(of mailbox: MailboxID, reader: String? = nil) throws -> MailboxSelection {
        try withDatabase {
            try db.snapshot {
                let box = try mailboxLocked(id: mailbox)
                return MailboxSelection(status: box, uids: try uidsLocked(mailbox, box: box),
                                        keywords: try keywordsLocked(mailbox), firstUnseen: try firstUnseenLocked(mailbox, reader: reader))
            }
        }
    }

    /// The UIDs of `mailbox`, whose row `box` was read in the same snapshot.
    func uidsLocked(_ mailbox: MailboxID, box: MailboxStatus) throws -> [UID] {
        if let known = uidCache.uids(of: box) { return known }
        let s = try db.statement("SELECT uid FROM message WHERE mailbox = ? AND uid >= ? ORDER BY uid")
        func read(from first: UInt32, into result: inout [UID]) throws {
            s.reset()
            s.bind(.int(mailbox), .int(Int64(first)))
            while try s.step() { result.append(UID(UInt32(truncatingIfNeeded: s.int64(0)))) }
        }
        if var result = uidCache.stale(box) {
            try read(from: (result.last?.rawValue ?? 0) + 1, into: &result)
            if result.count == box.messages {
                uidCache.keep(result, of: box)
                return result
            }
        }
        var result = try uidsFromRunsLocked(mailbox, expecting: box.messages)
        if result.count != box.messages {
            // Runs that disagree with the counters (`roost check` reports which):
            // the message rows decide.
            result.removeAll(keepingCapacity: true)
            try read(from: 0, into: &result)
        }
        uidCache.keep(result, of: box)
        return result
    }

    /// Messages whose flags changed after `modSeq` (for a session catching up with another
    /// process's changes, and for CONDSTORE), as `reader` sees them (nil: the owner).
    public func flagChanges(in mailbox: MailboxID, since modSeq: ModSequence, reader: String? = nil) throws -> [FlagUpdate] {
        try withDatabase {
            let s: Statement
            if let reader {
                s = try db.statement("""
                    SELECT \(Account.readerColumns) FROM message m \(Account.readerJoin)
                    WHERE m.mailbox = ? AND (m.modseq > ? OR p.modseq > ?) ORDER BY m.uid
                    """).bind(.text(reader), .int(mailbox), .int(Int64(modSeq.rawValue)), .int(Int64(modSeq.rawValue)))
            } else {
                s = try db.statement("SELECT \(Account.recordColumns) FROM message m WHERE m.mailbox = ? AND m.modseq > ? ORDER BY m.uid")
                    .bind(.int(mailbox), .int(Int64(modSeq.rawValue)))
            }
            var result: [FlagUpdate] = []
            while try s.step() {
                let r = Account.record(s)
                result.append(FlagUpdate(uid: r.uid, flags: r.flags, modSeq: r.modSeq, reader: reader))
            }
            return result
        }
    }

    /// UIDs of `within` expunged from a mailbox after `modSeq`, from the tombstones every
    /// expunge leaves (RFC 7162 §3.2.5, §3.2.6: VANISHED (EARLIER)). Tombstones are kept for
    /// the life of the mailbox, so the answer is exact, never a guess.
    public func expunged(in mailbox: MailboxID, since modSeq: ModSequence, within: UIDSet) throws -> UIDSet {
        try withDatabase {
            _ = try mailboxLocked(id: mailbox)
            let s = try db.statement("SELECT uid FROM expunged WHERE mailbox = ? AND uid BETWEEN ? AND ? AND modseq > ? ORDER BY uid")
            var result = UIDSet()
            for range in within.ranges {
                s.reset()
                s.bind(.int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)), .int(Int64(modSeq.rawValue)))
                while try s.step() { result.insert(UID(UInt32(truncatingIfNeeded: s.int64(0)))) }
            }
            return result
        }
    }

    static let recordColumns = "m.uid, m.flags, m.keywords, m.modseq, m.internaldate, m.savedate, m.size, m.blob"
    /// The record as a reader who is not the owner sees it: \Seen and the mod-sequence from
    /// their own row. Binds the reader first.
    static let readerColumns = "m.uid, (m.flags & ~1) | coalesce(p.seen, 0), m.keywords, max(m.modseq, coalesce(p.modseq, 0)), m.internaldate, m.savedate, m.size, m.blob"
    /// The first four of each: uid, flags, keywords, modseq.
    static let flagColumns = "m.uid, m.flags, m.keywords, m.modseq"
    static let readerFlagColumns = "m.uid, (m.flags & ~1) | coalesce(p.seen, 0), m.keywords, max(m.modseq, coalesce(p.modseq, 0))"
    static let readerJoin = "LEFT JOIN private_seen p ON p.mailbox = m.mailbox AND p.reader = ? AND p.uid = m.uid"
    static let detailColumns = "b.header_length, b.envelope, b.bodystructure, b.body, b.structure, b.hash, b.sent_date, b.subject, b.from_, b.to_, b.cc, b.message_id, b.in_reply_to, b.refs_header, b.preview, coalesce(b.thread, b.hash), b.segment, b.offset, b.length"

    static func record(_ s: Statement) -> MessageRecord {
        MessageRecord(
            uid: UID(UInt32(truncatingIfNeeded: s.int64(0))), flags: Flags(system: s.int(1), stored: s.text(2)),
            modSeq: ModSequence(UInt64(s.int64(3))), internalDate: s.int64(4), saveDate: s.int64(5),
            size: s.int(6), blob: s.int64(7))
    }

    static func details(_ s: Statement, from c: Int32) -> MessageDetails {
        MessageDetails(
            headerLength: s.int(c), envelope: s.text(c + 1) ?? "NIL", bodyStructure: s.text(c + 2) ?? "NIL",
            body: s.text(c + 3) ?? "NIL", structure: s.blob(c + 4), hash: UInt64(bitPattern: s.int64(c + 5)),
            fields: ListingFields(
                subject: s.text(c + 7), from: s.text(c + 8), to: s.text(c + 9), cc: s.text(c + 10),
                messageID: s.text(c + 11), inReplyTo: s.text(c + 12), references: s.text(c + 13),
                date: s.isNull(c + 6) ? nil : s.int64(c + 6)),
            preview: s.text(c + 14), thread: UInt64(bitPattern: s.int64(c + 15)),
            place: StoredPlace(segment: s.int64(c + 16), offset: s.int64(c + 17), length: s.int(c + 18)))
    }

    /// Calls `body` for each message of `uids` in ascending UID order, with the parsed
    /// details when asked for, as `reader` sees it (nil: the owner). `body` runs while the
    /// account is locked: it must not call back into this account.
    public func messages(in mailbox: MailboxID, uids: UIDSet, details: Bool = false, reader: String? = nil,
                         _ body: (MessageRecord, MessageDetails?) throws -> Void) throws {
        try eachMessage(in: mailbox, uids: uids, joining: details ? Account.detailColumns : nil, reader: reader) { s in
            try body(Account.record(s), details ? Account.details(s, from: 8) : nil)
        }
    }

    /// Calls `body` for each message of `uids` in ascending UID order with its layout, as
    /// `reader` sees it; as `messages(in:uids:details:reader:_:)`, reading less.
    public func messageLayouts(in mailbox: MailboxID, uids: UIDSet, reader: String? = nil,
                               _ body: (MessageRecord, MessageLayout) throws -> Void) throws {
        // The blob row's first columns: its long text columns and their overflow pages are not read.
        try eachMessage(in: mailbox, uids: uids, joining: "b.header_length, b.segment, b.offset, b.length", reader: reader) { s in
            try body(Account.record(s), MessageLayout(headerLength: s.int(8),
                                                      place: StoredPlace(segment: s.int64(9), offset: s.int64(10), length: s.int(11))))
        }
    }

    /// Calls `body` for each message of `uids` in ascending UID order, as `reader` sees it,
    /// with a record of which only `uid`, `flags` and `modSeq` are read (the other fields
    /// are zero): what a FETCH of FLAGS, UID and MODSEQ alone needs. Half the columns of
    /// `messages(in:uids:details:reader:_:)`, a tenth of `UID FETCH 1:* (FLAGS)`'s time.
    public func messageFlags(in mailbox: MailboxID, uids: UIDSet, reader: String? = nil,
                             _ body: (MessageRecord) throws -> Void) throws {
        try eachMessage(in: mailbox, uids: uids, joining: nil, reader: reader, flagsOnly: true) { s in
            try body(MessageRecord(uid: UID(UInt32(truncatingIfNeeded: s.int64(0))), flags: Flags(system: s.int(1), stored: s.text(2)),
                                   modSeq: ModSequence(UInt64(s.int64(3))), internalDate: 0, saveDate: 0, size: 0, blob: 0))
        }
    }

    /// Steps through the message rows of `uids`, with `joining` (columns of the blob row
    /// `b`) after the record's eight columns; `flagsOnly`, the record's first four alone.
    private func eachMessage(in mailbox: MailboxID, uids: UIDSet, joining: String?, reader: String?, flagsOnly: Bool = false,
                             _ row: (Statement) throws -> Void) throws {
        try withDatabase {
            let columns = flagsOnly ? (reader == nil ? Account.flagColumns : Account.readerFlagColumns)
                : reader == nil ? Account.recordColumns : Account.readerColumns
            let join = reader == nil ? "" : Account.readerJoin
            let sql = joining.map {
                "SELECT \(columns), \($0) FROM message m \(join) JOIN blob b ON b.id = m.blob WHERE m.mailbox = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid"
            } ?? "SELECT \(columns) FROM message m \(join) WHERE m.mailbox = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid"
            let s = try db.statement(sql)
            for range in uids.ranges {
                s.reset()
                if let reader {
                    s.bind(.text(reader), .int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
                } else {
                    s.bind(.int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
                }
                while try s.step() { try row(s) }
            }
        }
    }

    /// Streams the stored bytes of a message (or `range` of them) in chunks.
    public func read(blob: Int64, range: Range<Int>? = nil, chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        try located(blob) { location in
            let wanted = (range ?? 0..<location.length).clamped(to: 0..<location.length)
            try segments.read(segment: location.segment, offset: location.offset + Int64(wanted.lowerBound),
                              length: wanted.count, chunk: chunk)
        }
    }

    /// Reads the stored bytes of a message from `offset` straight into `destination`,
    /// which the message must fill (a FETCH literal being written out). `known` is where the
    /// message's details said they were.
    public func read(blob: Int64, at offset: Int, into destination: UnsafeMutableRawBufferPointer, known: StoredPlace? = nil) throws {
        try located(blob, known: known) { location in
            guard offset >= 0, offset + destination.count <= location.length else {
                throw StoreError.invalidArgument("bytes \(offset)..<\(offset + destination.count) are beyond message \(blob)")
            }
            try segments.read(segment: location.segment, offset: location.offset + Int64(offset), into: destination)
        }
    }

    /// Runs `body` with where a message's bytes are (`known`, when the caller read it with
    /// the message's details); once more, looked up, when compaction moved them since.
    private func located(_ blob: Int64, known: StoredPlace? = nil, _ body: ((segment: Int64, offset: Int64, length: Int)) throws -> Void) throws {
        for attempt in 0..<2 {
            let location: (segment: Int64, offset: Int64, length: Int)
            if attempt == 0, let known {
                location = (known.segment, known.offset, known.length)
            } else {
                location = try withDatabase {
                    let s = try db.statement("SELECT segment, offset, length FROM blob WHERE id = ?").bind(.int(blob))
                    guard try s.step() else { throw StoreError.nonexistent("message \(blob) no longer exists") }
                    return (s.int64(0), s.int64(1), s.int(2))
                }
            }
            do {
                try body(location)
                return
            } catch is SegmentFiles.SegmentMissing where attempt == 0 {
                continue
            } catch is SegmentFiles.SegmentMissing {
                throw StoreError.corrupted("segment file of message \(blob) is missing")
            }
        }
    }

    /// The PREVIEW of a message stored before previews were made at append: made from its
    /// bytes now and kept. Nil when it has no readable text.
    public func preview(blob: Int64) throws -> String? {
        let text = MessagePreview.text(of: try bytes(blob: blob))
        try withDatabase {
            try db.statement("UPDATE blob SET preview = ? WHERE id = ?").bind(.text(text ?? ""), .int(blob)).run()
        }
        return text
    }

    /// Runs `body` with the bytes of `range` of a message, without copying them out when
    /// they are small (a header whose fields are picked out). `known` is where the
    /// message's details said they were.
    public func withBytes<T>(blob: Int64, range: Range<Int>, known: StoredPlace? = nil,
                             _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        var result: T?
        try located(blob, known: known) { location in
            let wanted = range.clamped(to: 0..<location.length)
            result = try segments.withBytes(segment: location.segment, offset: location.offset + Int64(wanted.lowerBound),
                                            count: wanted.count, body)
        }
        return result!
    }

    /// The bytes of a message (or part of them) in one array; for headers and small parts.
    /// `known` is where the message's details said they were.
    public func bytes(blob: Int64, range: Range<Int>? = nil, known: StoredPlace? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        try located(blob, known: known) { location in
            let wanted = (range ?? 0..<location.length).clamped(to: 0..<location.length)
            out = try [UInt8](unsafeUninitializedCapacity: wanted.count) { raw, count in
                try segments.read(segment: location.segment, offset: location.offset + Int64(wanted.lowerBound),
                                  into: UnsafeMutableRawBufferPointer(raw))
                count = wanted.count
            }
        }
        return out
    }

    // MARK: Appending

    /// Appends messages to a mailbox as one unit: all are stored or none (RFC 3502).
    /// Returns once the bytes and the index rows are on disk.
    public func append(_ messages: [NewMessage], to mailbox: MailboxID) throws -> AppendResult {
        guard !messages.isEmpty else { throw StoreError.invalidArgument("nothing to append") }
        let now = Int64(Date().timeIntervalSince1970)
        let prepared = messages.map { m in
            PreparedMessage(message: m, parsed: MessageParser.parse(m.bytes), hash: XXHash64.hash(m.bytes),
                            internalDate: m.internalDate ?? now)
        }
        let result = try committer.submit(mailbox: mailbox, messages: prepared)
        if usesFullTextIndex { fullText.noteAppend(self) }
        return result
    }

    /// Inside the group commit's transaction: inserts index rows for bytes already synced.
    func insertLocked(_ batch: [PreparedMessage], locations: [(segment: Int64, offset: Int64)], into mailbox: MailboxID) throws -> AppendResult {
        let box = try mailboxLocked(id: mailbox)
        if let quota = quotaLocked {
            let adding = batch.reduce(Int64(0)) { $0 + Int64($1.message.bytes.count) }
            if try usageLocked() + adding > quota {
                throw StoreError.overQuota("mailbox storage quota exceeded")
            }
        }
        let modseq = Int64(box.highestModSeq.rawValue) + 1
        var uid = Int64(box.uidNext.rawValue)
        var uids: [UID] = []
        var unseen = 0
        var size: Int64 = 0
        let insertMessage = try db.statement(
            "INSERT INTO message(mailbox, uid, blob, flags, keywords, modseq, internaldate, savedate, size) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let now = Int64(Date().timeIntervalSince1970)
        for (p, location) in zip(batch, locations) {
            if let kept = p.message.uid {
                guard Int64(kept.rawValue) >= uid else { throw StoreError.alreadyExists("UID \(kept) is below UIDNEXT \(uid) of mailbox \(box.name)") }
                uid = Int64(kept.rawValue)
            }
            guard uid <= Int64(UInt32.max) else { throw StoreError.notPermitted("mailbox has run out of UIDs") }
            let blob = try putBlobLocked(id: nil, segment: location.segment, offset: location.offset, length: p.message.bytes.count,
                                         hash: p.hash, parsed: p.parsed, refs: 1)
            insertMessage.reset()
            insertMessage.bind(.int(mailbox), .int(uid), .int(blob), .int(p.message.flags.system.rawValue),
                               .optionalText(p.message.flags.storedKeywords), .int(modseq), .int(p.internalDate),
                               .int(now), .int(p.message.bytes.count))
            try insertMessage.run()
            try noteKeywordsLocked(p.message.flags, in: mailbox)
            uids.append(UID(UInt32(uid)))
            if !p.message.flags.system.contains(.seen) { unseen += 1 }
            size += Int64(p.message.bytes.count)
            uid += 1
        }
        try noteAddedLocked(uids.map { Int64($0.rawValue) }, in: mailbox)
        try db.statement("""
            UPDATE mailbox SET uidnext = ?, highestmodseq = ?, messages = messages + ?, unseen = unseen + ?,
                               recent = recent + ?, size = size + ? WHERE id = ?
            """).bind(.int(uid), .int(modseq), .int(batch.count), .int(unseen), .int(batch.count), .int(size), .int(mailbox)).run()
        return AppendResult(uidValidity: box.uidValidity, uids: uids)
    }

    /// Writes the index row of stored bytes: where they lie, their hash, and what was parsed
    /// from them. A nil `id` takes a new one; an existing `id` has its row replaced.
    func putBlobLocked(id: Int64?, segment: Int64, offset: Int64, length: Int, hash: UInt64, parsed: ParsedMessage, refs: Int) throws -> Int64 {
        let f = parsed.fields
        try db.statement("""
            INSERT OR REPLACE INTO blob(id, segment, offset, length, hash, refs, header_length, envelope, bodystructure, body, structure,
                                        sent_date, subject, from_, to_, cc, message_id, in_reply_to, refs_header, preview)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind(.optionalInt(id), .int(segment), .int(offset), .int(length), .int(Int64(bitPattern: hash)), .int(refs),
                      .int(parsed.headerLength), .text(parsed.envelope), .text(parsed.bodyStructure), .text(parsed.body),
                      .blob(parsed.structure.encoded), .optionalInt(f.date), .optionalText(f.subject),
                      .optionalText(f.from), .optionalText(f.to), .optionalText(f.cc), .optionalText(f.messageID),
                      .optionalText(f.inReplyTo), .optionalText(f.references), .text(parsed.preview ?? "")).run()
        let blob = db.lastInsertRowID
        try db.statement("UPDATE blob SET thread = ? WHERE id = ?")
            .bind(.int(try threadLocked(of: f) ?? Int64(bitPattern: hash)), .int(blob)).run()
        return blob
    }

    /// The thread a new message joins: that of the nearest message it replies to or
    /// references which this account holds (RFC 8474 §5.2: THREADID), nil for a new thread.
    func threadLocked(of fields: ListingFields) throws -> Int64? {
        var ids = MessageIDs.all(in: fields.inReplyTo)
        ids += MessageIDs.all(in: fields.references).reversed()
        guard !ids.isEmpty else { return nil }
        let s = try db.statement("SELECT coalesce(thread, hash) FROM blob WHERE message_id = ? LIMIT 1")
        for id in ids.prefix(MessageIDs.lookupLimit) {
            s.reset()
            s.bind(.text(id))
            if try s.step() { return s.int64(0) }
        }
        return nil
    }

    // MARK: Flags

    /// Adds, removes or replaces flags on the messages of `uids` (RFC 9051 §6.4.6),
    /// all changed messages getting one new mod-sequence. For a `reader` who is not the
    /// owner, \Seen is that reader's own; the other flags are shared. `listing` false
    /// when the caller needs no list of the changed messages (a .SILENT STORE without
    /// CONDSTORE): the owner's change of system flags on many messages is then recorded
    /// as ranges (Account+FlagRanges.swift) and sessions told `.flagRange`.
    public func store(_ uids: UIDSet, in mailbox: MailboxID, _ operation: Flags.Operation, _ change: Flags,
                      unchangedSince: ModSequence? = nil, reader: String? = nil, listing: Bool = true) throws -> StoreResult {
        if reader == nil && unchangedSince == nil && operation != .replace && change.keywords.isEmpty {
            if !listing && Account.recordsAsRanges(uids, change.system) {
                let modSeq = try withDatabase(folding: false) { () -> ModSequence in
                    let modSeq = try recordFlagRangesLocked(uids, in: mailbox, adding: operation == .add, change.system)
                    hub.publish(.flagRange(modSeq), to: mailbox)
                    return modSeq
                }
                return StoreResult(updated: [], modified: UIDSet(), recorded: modSeq)
            }
            return try storeSystemFlags(uids, in: mailbox, adding: operation == .add, change.system)
        }
        var shared: [FlagUpdate] = [], own: [FlagUpdate] = []
        let result: StoreResult = try withDatabase {
            let result = try db.transaction {
                let box = try mailboxLocked(id: mailbox)
                let modseq = Int64(box.highestModSeq.rawValue) + 1
                var updates: [FlagUpdate] = []
                var modified = UIDSet()
                var unseenDelta = 0
                let select = try db.statement(reader == nil
                    ? "SELECT m.uid, m.flags, m.keywords, m.modseq, 0 FROM message m WHERE m.mailbox = ? AND m.uid BETWEEN ? AND ?"
                    : "SELECT m.uid, m.flags, m.keywords, max(m.modseq, coalesce(p.modseq, 0)), coalesce(p.seen, 0) FROM message m \(Account.readerJoin) WHERE m.mailbox = ? AND m.uid BETWEEN ? AND ?")
                let update = try db.statement("UPDATE message SET flags = ?, keywords = ?, modseq = ? WHERE mailbox = ? AND uid = ?")
                let privateSeen = try db.statement("""
                    INSERT INTO private_seen(mailbox, reader, uid, seen, modseq) VALUES(?, ?, ?, ?, ?)
                    ON CONFLICT(mailbox, reader, uid) DO UPDATE SET seen = excluded.seen, modseq = excluded.modseq
                    """)
                // (uid, the stored flags, the flags as the caller saw them, the flags after)
                var pending: [(UID, Flags, Flags, Flags)] = []
                for range in uids.ranges {
                    select.reset()
                    if let reader {
                        select.bind(.text(reader), .int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
                    } else {
                        select.bind(.int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
                    }
                    while try select.step() {
                        let uid = UID(UInt32(truncatingIfNeeded: select.int64(0)))
                        let stored = Flags(system: select.int(1), stored: select.text(2))
                        var old = stored
                        if reader != nil {
                            old.system.remove(.seen)
                            if select.int(4) != 0 { old.system.insert(.seen) }
                        }
                        if let limit = unchangedSince, UInt64(select.int64(3)) > limit.rawValue {
                            modified.insert(uid)
                            continue
                        }
                        let new = old.applying(operation, change)
                        if new != old { pending.append((uid, stored, old, new)) }
                    }
                }
                if operation != .remove && !pending.isEmpty { try noteKeywordsLocked(change, in: mailbox) }
                let newModSeq = ModSequence(UInt64(modseq))
                for (uid, stored, old, new) in pending {
                    var newStored = new
                    if let reader {
                        // The reader's \Seen is theirs; the owner's stays as it was.
                        newStored.system.remove(.seen)
                        newStored.system.formUnion(stored.system.intersection(.seen))
                        if old.system.contains(.seen) != new.system.contains(.seen) {
                            privateSeen.reset()
                            try privateSeen.bind(.int(mailbox), .text(reader), .int(Int64(uid.rawValue)),
                                                 .int(new.system.contains(.seen) ? 1 : 0), .int(modseq)).run()
                            own.append(FlagUpdate(uid: uid, flags: new, modSeq: newModSeq, reader: reader))
                        }
                    }
                    if newStored != stored {
                        update.reset()
                        update.bind(.int(newStored.system.rawValue), .optionalText(newStored.storedKeywords), .int(modseq), .int(mailbox), .int(Int64(uid.rawValue)))
                        try update.run()
                        if stored.system.contains(.seen) != newStored.system.contains(.seen) {
                            unseenDelta += newStored.system.contains(.seen) ? -1 : 1
                        }
                        shared.append(FlagUpdate(uid: uid, flags: newStored, modSeq: newModSeq))
                    }
                    updates.append(FlagUpdate(uid: uid, flags: new, modSeq: newModSeq, reader: reader))
                }
                if !updates.isEmpty {
                    try db.statement("UPDATE mailbox SET highestmodseq = ?, unseen = unseen + ? WHERE id = ?")
                        .bind(.int(modseq), .int(unseenDelta), .int(mailbox)).run()
                }
                return StoreResult(updated: updates, modified: modified)
            }
            // Told while the account is still held, so sessions learn changes in the order they were made.
            if !shared.isEmpty { hub.publish(.flags(shared), to: mailbox) }
            if !own.isEmpty { hub.publish(.flags(own), to: mailbox) }
            return result
        }
        return result
    }

    /// The owner adding or removing system flags, the common STORE (\Seen, \Deleted,
    /// \Flagged on a selection): one statement per range changes only the rows that
    /// change, instead of reading and writing each message.
    private func storeSystemFlags(_ uids: UIDSet, in mailbox: MailboxID, adding: Bool, _ change: SystemFlags) throws -> StoreResult {
        let bits = Int64(change.rawValue)
        let updates: [FlagUpdate] = try withDatabase {
            let updates = try db.transaction { () -> [FlagUpdate] in
                let box = try mailboxLocked(id: mailbox)
                let modseq = Int64(box.highestModSeq.rawValue) + 1
                let changed = try db.statement("SELECT uid, flags, keywords FROM message WHERE mailbox = ?1 AND uid BETWEEN ?2 AND ?3 AND modseq = ?4")
                func unseenCount() throws -> Int64 {
                    guard change.contains(.seen) else { return 0 }
                    return try uids.ranges.reduce(0) { try $0 + unseenCountLocked(in: mailbox, Int64($1.lowerBound), Int64($1.upperBound)) }
                }
                let unseenBefore = try unseenCount()
                var updates: [FlagUpdate] = []
                let newModSeq = ModSequence(UInt64(modseq))
                for range in uids.ranges where !change.isEmpty {
                    let first = Int64(range.lowerBound), last = Int64(range.upperBound)
                    guard try changeSystemFlagsLocked(in: mailbox, first, last, bits: bits, adding: adding, modseq: modseq) > 0 else { continue }
                    // The changed rows are the range's rows that have the new mod-sequence.
                    changed.reset()
                    changed.bind(.int(mailbox), .int(first), .int(last), .int(modseq))
                    while try changed.step() {
                        updates.append(FlagUpdate(uid: UID(UInt32(truncatingIfNeeded: changed.int64(0))),
                                                  flags: Flags(system: changed.int(1), stored: changed.text(2)), modSeq: newModSeq))
                    }
                }
                guard !updates.isEmpty else { return [] }
                try db.statement("UPDATE mailbox SET highestmodseq = ?, unseen = unseen + ? WHERE id = ?")
                    .bind(.int(modseq), .int(try unseenCount() - unseenBefore), .int(mailbox)).run()
                updates.sort { $0.uid < $1.uid }
                return updates
            }
            if !updates.isEmpty { hub.publish(.flags(updates), to: mailbox) }
            return updates
        }
        return StoreResult(updated: updates, modified: UIDSet())
    }

    /// Adds or removes the system flags `bits` on the messages of `first...last` it changes,
    /// giving them `modseq`, and leaves rows changed at or after `modseq` alone; returns how
    /// many it changed. No RETURNING: with it SQLite collects the rows to change before
    /// changing them, more than twice the time for 100k rows.
    func changeSystemFlagsLocked(in mailbox: MailboxID, _ first: Int64, _ last: Int64, bits: Int64, adding: Bool, modseq: Int64) throws -> Int {
        try db.statement(adding
            ? "UPDATE message SET flags = flags | ?1, modseq = ?2 WHERE mailbox = ?3 AND uid BETWEEN ?4 AND ?5 AND flags & ?1 != ?1 AND modseq < ?2"
            : "UPDATE message SET flags = flags & ~?1, modseq = ?2 WHERE mailbox = ?3 AND uid BETWEEN ?4 AND ?5 AND flags & ?1 != 0 AND modseq < ?2")
            .bind(.int(bits), .int(modseq), .int(mailbox), .int(first), .int(last)).run()
        return db.changes
    }

    /// The unseen messages of `first...last`, counted on the unseen index (at the cost of
    /// the unseen ones only): which rows had \Seen before a change is not returned by it.
    func unseenCountLocked(in mailbox: MailboxID, _ first: Int64, _ last: Int64) throws -> Int64 {
        let s = try db.statement("SELECT count(*) FROM message INDEXED BY message_unseen WHERE mailbox = ? AND uid BETWEEN ? AND ? AND flags & 1 = 0")
            .bind(.int(mailbox), .int(first), .int(last))
        _ = try s.step()
        return s.int64(0)
    }

    // MARK: Expunge, copy, move

    /// Removes messages of `uids` (every message when nil) that carry \Deleted, or all of
    /// them when `onlyDeleted` is false; leaves tombstones for QRESYNC. Returns the UIDs removed.
    @discardableResult
    public func expunge(_ uids: UIDSet? = nil, in mailbox: MailboxID, onlyDeleted: Bool = true) throws -> [UID] {
        try withDatabase {
            let removed = try db.transaction { try expungeLocked(uids, in: mailbox, onlyDeleted: onlyDeleted) }
            if !removed.isEmpty { hub.publish(.expunged(removed), to: mailbox) }
            return removed
        }
    }

    private func expungeLocked(_ uids: UIDSet?, in mailbox: MailboxID, onlyDeleted: Bool) throws -> [UID] {
        let box = try mailboxLocked(id: mailbox)
        let ranges = uids?.ranges ?? [1...UInt32.max]
        let select = try db.statement(onlyDeleted
            ? "SELECT uid, flags, size, blob FROM message INDEXED BY message_deleted WHERE mailbox = ? AND uid BETWEEN ? AND ? AND flags & 8 != 0"
            : "SELECT uid, flags, size, blob FROM message WHERE mailbox = ? AND uid BETWEEN ? AND ?")
        var victims: [(uid: Int64, seen: Bool, size: Int64, blob: Int64)] = []
        for range in ranges {
            select.reset()
            select.bind(.int(mailbox), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
            while try select.step() {
                let flags = SystemFlags(rawValue: select.int(1))
                if onlyDeleted && !flags.contains(.deleted) { continue }
                victims.append((select.int64(0), flags.contains(.seen), select.int64(2), select.int64(3)))
            }
        }
        guard !victims.isEmpty else { return [] }
        let modseq = Int64(box.highestModSeq.rawValue) + 1
        let firstRecent = try recentBoundaryLocked(mailbox)
        let delete = try db.statement("DELETE FROM message WHERE mailbox = ? AND uid = ?")
        let forget = try db.statement("DELETE FROM private_seen WHERE mailbox = ? AND uid = ?")
        let tombstone = try db.statement("INSERT OR REPLACE INTO expunged(mailbox, uid, modseq) VALUES(?, ?, ?)")
        var unseen = 0, recent = 0
        var size: Int64 = 0
        for v in victims {
            delete.reset()
            try delete.bind(.int(mailbox), .int(v.uid)).run()
            forget.reset()
            try forget.bind(.int(mailbox), .int(v.uid)).run()
            tombstone.reset()
            try tombstone.bind(.int(mailbox), .int(v.uid), .int(modseq)).run()
            try releaseBlobLocked(v.blob)
            if !v.seen { unseen += 1 }
            if v.uid >= firstRecent { recent += 1 }
            size += v.size
        }
        try noteRemovedLocked(victims.map(\.uid).sorted(), in: mailbox)
        try db.statement("""
            UPDATE mailbox SET highestmodseq = ?, messages = messages - ?, unseen = unseen - ?, recent = recent - ?,
                               size = size - ? WHERE id = ?
            """).bind(.int(modseq), .int(victims.count), .int(unseen), .int(recent), .int(size), .int(mailbox)).run()
        return victims.map { UID(UInt32(truncatingIfNeeded: $0.uid)) }
    }

    func recentBoundaryLocked(_ mailbox: MailboxID) throws -> Int64 {
        let s = try db.statement("SELECT first_recent_uid FROM mailbox WHERE id = ?").bind(.int(mailbox))
        return try s.step() ? s.int64(0) : Int64.max
    }

    /// Drops one reference to a blob; its bytes become reclaimable when none is left.
    func releaseBlobLocked(_ blob: Int64) throws {
        let s = try db.statement("UPDATE blob SET refs = refs - 1 WHERE id = ? RETURNING refs").bind(.int(blob))
        if try s.step(), s.int64(0) <= 0 {
            s.reset()
            try db.statement("DELETE FROM blob WHERE id = ?").bind(.int(blob)).run()
        }
        s.reset()
    }

    func releaseBlobsLocked(of query: String, _ argument: SQLValue) throws {
        let s = try db.statement(query).bind(argument)
        var blobs: [Int64] = []
        while try s.step() { blobs.append(s.int64(0)) }
        for blob in blobs { try releaseBlobLocked(blob) }
    }

    /// Copies messages into another mailbox; the copies share the stored bytes (RFC 4315 COPYUID).
    public func copy(_ uids: UIDSet, from source: MailboxID, to destination: MailboxID) throws -> CopyResult {
        try withDatabase {
            let result = try db.transaction { try copyLocked(uids, from: source, to: destination) }
            if !result.destination.isEmpty { hub.publish(.appended(result.destination), to: destination) }
            return result
        }
    }

    /// Moves messages (RFC 6851): copy and expunge in one transaction.
    public func move(_ uids: UIDSet, from source: MailboxID, to destination: MailboxID) throws -> CopyResult {
        try withDatabase {
            let result = try db.transaction {
                let copied = try copyLocked(uids, from: source, to: destination, moving: true)
                _ = try expungeLocked(UIDSet(copied.source), in: source, onlyDeleted: false)
                return copied
            }
            if !result.destination.isEmpty {
                hub.publish(.appended(result.destination), to: destination)
                hub.publish(.expunged(result.source), to: source)
            }
            return result
        }
    }

    /// `moving`: the source rows go in the same transaction, so the account's usage does not
    /// grow and the quota has nothing to refuse.
    private func copyLocked(_ uids: UIDSet, from source: MailboxID, to destination: MailboxID, moving: Bool = false) throws -> CopyResult {
        _ = try mailboxLocked(id: source)
        let target = try mailboxLocked(id: destination)
        let select = try db.statement("SELECT uid, blob, flags, keywords, internaldate, size FROM message WHERE mailbox = ? AND uid BETWEEN ? AND ? ORDER BY uid")
        var rows: [(uid: Int64, blob: Int64, flags: Int, keywords: String?, date: Int64, size: Int64)] = []
        for range in uids.ranges {
            select.reset()
            select.bind(.int(source), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)))
            while try select.step() {
                rows.append((select.int64(0), select.int64(1), select.int(2), select.text(3), select.int64(4), select.int64(5)))
            }
        }
        guard !rows.isEmpty else { return CopyResult(uidValidity: target.uidValidity, source: [], destination: []) }
        if !moving, let quota = quotaLocked {
            let adding = rows.reduce(Int64(0)) { $0 + $1.size }
            if try usageLocked() + adding > quota { throw StoreError.overQuota("mailbox storage quota exceeded") }
        }
        let modseq = Int64(target.highestModSeq.rawValue) + 1
        var uid = Int64(target.uidNext.rawValue)
        guard uid + Int64(rows.count) - 1 <= Int64(UInt32.max) else { throw StoreError.notPermitted("mailbox has run out of UIDs") }
        let insert = try db.statement(
            "INSERT INTO message(mailbox, uid, blob, flags, keywords, modseq, internaldate, savedate, size) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let addRef = try db.statement("UPDATE blob SET refs = refs + 1 WHERE id = ?")
        let now = Int64(Date().timeIntervalSince1970)
        var sourceUIDs: [UID] = [], destinationUIDs: [UID] = []
        var unseen = 0
        var size: Int64 = 0
        for row in rows {
            insert.reset()
            try insert.bind(.int(destination), .int(uid), .int(row.blob), .int(row.flags), .optionalText(row.keywords),
                            .int(modseq), .int(row.date), .int(now), .int(row.size)).run()
            addRef.reset()
            try addRef.bind(.int(row.blob)).run()
            if row.keywords != nil { try noteKeywordsLocked(Flags(system: 0, stored: row.keywords), in: destination) }
            if !SystemFlags(rawValue: row.flags).contains(.seen) { unseen += 1 }
            size += row.size
            sourceUIDs.append(UID(UInt32(truncatingIfNeeded: row.uid)))
            destinationUIDs.append(UID(UInt32(truncatingIfNeeded: uid)))
            uid += 1
        }
        try noteAddedLocked(destinationUIDs.map { Int64($0.rawValue) }, in: destination)
        try db.statement("""
            UPDATE mailbox SET uidnext = ?, highestmodseq = ?, messages = messages + ?, unseen = unseen + ?,
                               recent = recent + ?, size = size + ? WHERE id = ?
            """).bind(.int(uid), .int(modseq), .int(rows.count), .int(unseen), .int(rows.count), .int(size), .int(destination)).run()
        return CopyResult(uidValidity: target.uidValidity, source: sourceUIDs, destination: destinationUIDs)
    }

    // MARK: \Recent

    /// Gives the calling session the \Recent messages of a mailbox (RFC 3501 §2.3.2): the UIDs
    /// that arrived since the last session claimed them. Later sessions see them as not recent.
    public func claimRecent(in mailbox: MailboxID) throws -> ClosedRange<UInt32>? {
        try withDatabase {
            // Most openings find nothing new: a read says so without the write lock, and
            // the transaction reads again, since a delivery may come in between.
            let box = try mailboxLocked(id: mailbox)
            guard Int64(box.uidNext.rawValue) > (try recentBoundaryLocked(mailbox)) else { return nil }
            db.finishUse()
            return try db.transaction {
                let box = try mailboxLocked(id: mailbox)
                let first = try recentBoundaryLocked(mailbox)
                let next = Int64(box.uidNext.rawValue)
                guard next > first else { return nil }
                try db.statement("UPDATE mailbox SET first_recent_uid = ?, recent = 0 WHERE id = ?").bind(.int(next), .int(mailbox)).run()
                return box.recent > 0 ? UInt32(first)...UInt32(next - 1) : nil
            }
        }
    }
}

/// A message parsed and hashed before it joins a group commit.
struct PreparedMessage {
    var message: NewMessage
    var parsed: ParsedMessage
    var hash: UInt64
    var internalDate: Int64
}
