import Store

/// FETCH and UID FETCH (RFC 9051 §6.4.5; BINARY of RFC 3516, CHANGEDSINCE and VANISHED of
/// RFC 7162, PARTIAL of RFC 9394).
/// Answers go out in parts of about a megabyte: a batch of messages, or a piece of a large
/// body, per step, so neither a big mailbox nor a big message is ever held whole.
struct FetchCommand: CommandJob {
    var chains: Bool { true }
    let set: SequenceSet
    let attributes: [FetchAttribute]
    let changedSince: UInt64?
    /// Also report the UIDs of the set expunged since `changedSince` (RFC 7162 §3.2.6).
    let vanished: Bool
    /// Answer only for this range of the messages that would be answered for (RFC 9394 §3.3).
    let partial: PartialRange?
    let byUID: Bool

    var allowsExpunge: Bool { byUID }

    /// Literals up to this size are read whole; larger ones are streamed.
    static let wholeLiteral = 256 << 10

    /// View positions still to answer.
    private var targets: [Int]?
    private var next = 0
    /// Messages read from the store and not yet answered: a step ends once it has written
    /// `CommandRunner.stepBytes`, within a batch (2,000 whole bodies were one 25 MB step).
    private var pending: ArraySlice<MessageRecord> = []
    /// Their details or their layouts, one for each, when the attributes need them (kept
    /// apart, so that a FLAGS fetch does not copy an empty value with every record).
    private var pendingDetails: ArraySlice<MessageDetails> = []
    private var pendingLayouts: ArraySlice<MessageLayout> = []
    /// UIDs whose \Seen this FETCH set (their FLAGS are reported).
    private var seenSet = Set<UID>()
    private var streaming: Streaming?
    private var expunged = false
    private var unknownEncoding = false
    /// Per attribute index, what every message's answer repeats: a section's response
    /// name and the names of its header fields, made once per command.
    private var sectionNames: [SectionName?] = []
    /// Where the chosen fields of one header lie, reused from message to message.
    private var fieldRanges: [Range<Int>] = []

    private struct SectionName {
        var name: String
        /// The names of HEADER.FIELDS or HEADER.FIELDS.NOT (then `not` is set).
        var fields: HeaderFieldNames?
        var not = false
    }

    /// A body literal being sent in pieces, and where the message's answer goes on after it.
    private struct Streaming {
        var message: Message
        var range: Range<Int>
        var sent: Int
        var nextItem: Int
    }

    private struct Message {
        var record: MessageRecord
        var layout: MessageLayout?
        /// Boxed: the details are some 300 bytes, which every message of a FETCH of flags
        /// alone moved about (as nil), a tenth of that FETCH's time.
        private var box: DetailsBox?
        var sequenceNumber: Int
        var details: MessageDetails? { box?.value }

        init(record: MessageRecord, layout: MessageLayout?, details: MessageDetails?, sequenceNumber: Int) {
            self.record = record
            self.layout = layout
            self.box = details.map(DetailsBox.init)
            self.sequenceNumber = sequenceNumber
        }
    }

    private final class DetailsBox: Sendable {
        let value: MessageDetails
        init(_ value: MessageDetails) { self.value = value }
    }

    init(set: SequenceSet, attributes: [FetchAttribute], changedSince: UInt64?, vanished: Bool = false,
         partial: PartialRange? = nil, byUID: Bool) {
        self.set = set
        self.attributes = attributes
        self.changedSince = changedSince
        self.vanished = vanished
        self.partial = partial
        self.byUID = byUID
    }

    /// What the store reads for each message beside its record.
    private enum Reading: Comparable {
        /// UID, flags and mod-sequence alone (a flag sync: `UID FETCH 1:* (FLAGS)`).
        case flags
        case records
        /// Where its header ends and its bytes lie: for the whole message, its header,
        /// its text and its header fields (Thunderbird's header sync).
        case layouts
        /// The parsed details too: envelope, structures, parts, hash, thread, preview.
        case details
    }

    private var reading: Reading {
        attributes.reduce(.flags) { needed, a in
            let this: Reading
            switch a {
            case .uid, .flags, .modSeq: this = .flags
            case .envelope, .body, .bodyStructure, .emailID, .threadID, .preview: this = .details
            case .rfc822, .rfc822Header, .rfc822Text: this = .layouts
            case .bodySection(let s, _, _): this = s.part.isEmpty ? .layouts : .details
            case .binary(let part, _, _), .binarySize(let part): this = part.isEmpty ? .layouts : .details
            default: this = .records
            }
            return max(needed, this)
        }
    }

    private var setsSeen: Bool {
        attributes.contains { a in
            switch a {
            case .rfc822, .rfc822Text: return true
            case .bodySection(_, _, let peek), .binary(_, _, let peek): return !peek
            default: return false
            }
        }
    }

    /// MODSEQ goes with every answer once CONDSTORE is on, or when CHANGEDSINCE asks (RFC 7162 §3.1.4).
    private func includesModSeq(_ session: SessionContext) -> Bool {
        session.options.condstore || changedSince != nil || attributes.contains(.modSeq)
    }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        guard session.selected != nil else { return .done(.bad("No mailbox selected")) }
        if targets == nil { _ = try session.readableSelection(services) }
        var view = session.selected!
        let account = view.account
        if targets == nil {
            if vanished && !session.options.qresync { return .done(.bad("QRESYNC must be enabled first", .clientBug)) }
            if changedSince != nil || attributes.contains(.modSeq) { session.options.condstore = true }
            if vanished, let since = changedSince {
                // `*` reaches past the last message left: `1:*` must also cover UIDs expunged above it.
                let named = set.isSavedResult ? (session.savedSearch ?? UIDSet()) : UIDSet(ranges: set.resolved(star: UInt32.max))
                let gone = try account.expunged(in: view.id, since: ModSequence(since), within: named)
                if !gone.isEmpty { out.write(.vanished(gone, earlier: true)) }
            }
            var indices = try view.indices(for: set, byUID: byUID, saved: session.savedSearch)
            if let partial { indices = try page(partial, of: indices, in: view) }
            targets = indices
            // RFC 4314 §4: without the `s` right a FETCH does not set \Seen.
            if setsSeen && !view.readOnly && view.rights.contains(.seen) && !indices.isEmpty,
               let result = try unlessDiskIsFull({ try account.store(view.uidSet(indices), in: view.id, .add, Flags(system: [.seen]), reader: view.reader) }) {
                view.noteOwnFlagChanges(result.updated, reported: true)  // the FETCH answer gives the new FLAGS
                seenSet = Set(result.updated.map(\.uid))
                session.selected = view
            }
        }
        let targets = self.targets!
        let startSize = out.buffer.readableBytes
        func full() -> Bool { out.buffer.readableBytes - startSize >= CommandRunner.stepBytes }

        if var s = streaming {
            streaming = nil
            if try !continueStream(&s, account, &out) {
                streaming = s
                return .more
            }
            out.fetchItems = 1  // the literal was an item of the answer begun in an earlier step
            if try !emit(s.message, from: s.nextItem, session, &out) { return .more }
            if full() { return .more }
        }
        let reading = self.reading
        let batchSize = reading <= .records ? 2000 : 200
        while !pending.isEmpty || next < targets.count {
            if pending.isEmpty {
                let batch = targets[next..<min(next + batchSize, targets.count)]
                next = batch.endIndex
                var records: [MessageRecord] = []
                var details: [MessageDetails] = []
                var layouts: [MessageLayout] = []
                records.reserveCapacity(batch.count)
                let uids = view.uidSet(Array(batch))
                switch reading {
                case .flags:
                    try account.messageFlags(in: view.id, uids: uids, reader: view.reader) { records.append($0) }
                case .records:
                    try account.messages(in: view.id, uids: uids, reader: view.reader) { record, _ in records.append(record) }
                case .layouts:
                    layouts.reserveCapacity(batch.count)
                    try account.messageLayouts(in: view.id, uids: uids, reader: view.reader) {
                        records.append($0)
                        layouts.append($1)
                    }
                case .details:
                    details.reserveCapacity(batch.count)
                    try account.messages(in: view.id, uids: uids, details: true, reader: view.reader) {
                        records.append($0)
                        if let d = $1 { details.append(d) }
                    }
                }
                if records.count < batch.count { expunged = true }
                pending = records[...]
                pendingDetails = details[...]
                pendingLayouts = layouts[...]
            }
            while let record = pending.popFirst() {
                let details = reading == .details ? pendingDetails.popFirst() : nil
                let layout = details?.layout ?? (reading == .layouts ? pendingLayouts.popFirst() : nil)
                if let since = changedSince, record.modSeq.rawValue <= since { continue }
                guard let seq = view.sequenceNumber(of: record.uid) else { continue }
                let message = Message(record: record, layout: layout, details: details, sequenceNumber: seq)
                out.beginFetch(seq)
                // A streamed literal goes on in the next step, then the rest of `pending`.
                if try !emit(message, from: 0, session, &out) { return .more }
                if full() && (!pending.isEmpty || next < targets.count) { return .more }
            }
        }
        if unknownEncoding { return .done(.no("Unknown content transfer encoding", .unknownCTE)) }
        // RFC 2180 §4.1.2: by sequence number, a message expunged elsewhere and not yet told
        // is reported missing. A UID FETCH ignores UIDs that no longer exist (RFC 9051
        // §6.4.9) and the EXPUNGE responses follow at once.
        if expunged && !byUID { return .done(.no("Some of the requested messages no longer exist", .expungeIssued)) }
        return .done(.ok(byUID ? "UID FETCH completed" : "FETCH completed"))
    }

    /// The view positions among `indices` that `partial` covers, counted in mailbox order
    /// (RFC 9394 §3.3); with CHANGEDSINCE, among those changed since (§3.4), which the
    /// store finds before any message is read for the answer.
    private func page(_ partial: PartialRange, of indices: [Int], in view: SelectedMailbox) throws -> [Int] {
        var answered = indices
        if let since = changedSince {
            let changed = try view.account.search(.modSeqAtLeast(since + 1), in: view.id, among: view.uidSet(indices), reader: view.reader)
            answered = view.indices(of: UIDSet(changed))
        }
        return Array(answered[partial.positions(in: answered.count)])
    }

    /// Writes the message's items from `first` on and closes its answer; false when a
    /// literal is being streamed (`streaming` is set and the rest waits for the next step).
    private mutating func emit(_ m: Message, from first: Int, _ session: SessionContext, _ out: inout ResponseEncoder) throws -> Bool {
        let record = m.record
        guard let account = session.selected?.account else { return true }
        let recent = !session.options.rev2 && session.selected?.recent.contains(record.uid) == true
        if first == 0 && (byUID || attributes.contains(.uid)) { out.fetchUID(record.uid) }
        for index in first..<attributes.count {
            switch attributes[index] {
            case .uid: continue  // written first
            case .flags: out.fetchFlags(record.flags, recent: recent)
            case .internalDate: out.fetchInternalDate(record.internalDate)
            case .rfc822Size: out.fetchSize(record.size)
            case .modSeq: out.fetchModSeq(record.modSeq)
            case .saveDate: out.fetchDate("SAVEDATE", record.saveDate)
            case .emailID: out.fetchObjectID("EMAILID", m.details.map { ObjectID.email(blob: record.blob, hash: $0.hash) })
            case .threadID: out.fetchObjectID("THREADID", m.details.map { ObjectID.thread($0.thread) })
            case .preview(let lazy):
                var text = m.details?.preview
                // Messages stored before previews were made get theirs now, unless LAZY (RFC 8970 §3.1).
                if text == nil && !lazy { text = try account.preview(blob: record.blob) }
                out.fetchPreview(text?.isEmpty == false ? text : nil)
            case .envelope: out.fetchStored("ENVELOPE", m.details?.envelope ?? "NIL")
            case .bodyStructure: out.fetchStored("BODYSTRUCTURE", m.details?.bodyStructure ?? "NIL")
            case .body: out.fetchStored("BODY", m.details?.body ?? "NIL")
            case .rfc822:
                if try !literal("RFC822", 0..<record.size, m, next: index + 1, account, &out) { return false }
            case .rfc822Header:
                if try !literal("RFC822.HEADER", 0..<(m.layout?.headerLength ?? 0), m, next: index + 1, account, &out) { return false }
            case .rfc822Text:
                if try !literal("RFC822.TEXT", (m.layout?.headerLength ?? 0)..<record.size, m, next: index + 1, account, &out) { return false }
            case .bodySection(let section, let partial, _):
                let named = sectionName(index, section, partial)
                let name = named.name
                if partial == nil, section.part.isEmpty, let fields = named.fields, let layout = m.layout {
                    try writeHeaderFields(name, fields, not: named.not, m.record, layout, account, &out)
                    continue
                }
                switch try FetchCommand.locate(section, m.record, m.layout, m.details, account, fields: named.fields) {
                case .none: out.fetchNil(name)
                case .bytes(let bytes):
                    let slice = FetchCommand.cut(0..<bytes.count, partial)
                    out.beginFetchLiteral(name, count: slice.count)
                    out.buffer.writeBytes(bytes[slice])
                case .range(let range):
                    if try !literal(name, FetchCommand.cut(range, partial), m, next: index + 1, account, &out) { return false }
                }
            case .binary(let part, let partial, _):
                let name = "BINARY[\(part.map(String.init).joined(separator: "."))]" + (partial.map { "<\($0.origin)>" } ?? "")
                switch try FetchCommand.decodedPart(part, m.record, m.layout, m.details, account) {
                case .none: out.fetchNil(name)
                case .unknownEncoding:
                    unknownEncoding = true
                    out.fetchNil(name)
                case .bytes(let bytes):
                    let slice = FetchCommand.cut(0..<bytes.count, partial)
                    out.beginFetchLiteral(name, count: slice.count, binary: bytes[slice].contains(0))
                    out.buffer.writeBytes(bytes[slice])
                }
            case .binarySize(let part):
                let name = "BINARY.SIZE[\(part.map(String.init).joined(separator: "."))]"
                switch try FetchCommand.decodedPart(part, m.record, m.layout, m.details, account) {
                case .none: out.fetchNil(name)
                case .unknownEncoding:
                    unknownEncoding = true
                    out.fetchNil(name)
                case .bytes(let bytes): out.fetchNumber(name, bytes.count)
                }
            }
        }
        if seenSet.contains(record.uid) && !attributes.contains(.flags) {
            // RFC 9051 §6.4.5: the \Seen this FETCH set is reported.
            out.fetchFlags(record.flags, recent: recent)
        }
        if includesModSeq(session) && !attributes.contains(.modSeq) { out.fetchModSeq(record.modSeq) }
        out.endFetch()
        return true
    }

    /// A body literal from the stored bytes: whole when small, else its first piece now and
    /// the rest in later steps. False when streaming has begun.
    private mutating func literal(_ name: String, _ range: Range<Int>, _ m: Message, next: Int, _ account: Account,
                                  _ out: inout ResponseEncoder) throws -> Bool {
        out.beginFetchLiteral(name, count: range.count)
        if range.count <= FetchCommand.wholeLiteral {
            try FetchCommand.copy(range, of: m, account, &out)
            return true
        }
        var s = Streaming(message: m, range: range, sent: 0, nextItem: next)
        if try continueStream(&s, account, &out) { return true }
        streaming = s
        return false
    }

    /// Sends the next piece of a streamed literal; true when it is complete.
    private func continueStream(_ s: inout Streaming, _ account: Account, _ out: inout ResponseEncoder) throws -> Bool {
        let start = s.range.lowerBound + s.sent
        let end = min(s.range.upperBound, start + CommandRunner.stepBytes)
        try FetchCommand.copy(start..<end, of: s.message, account, &out)
        s.sent = end - s.range.lowerBound
        return end >= s.range.upperBound
    }

    /// Appends `range` of a message's stored bytes to the answer, read straight into it.
    private static func copy(_ range: Range<Int>, of m: Message, _ account: Account, _ out: inout ResponseEncoder) throws {
        guard !range.isEmpty else { return }
        try out.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: range.count) { raw in
            try account.read(blob: m.record.blob, at: range.lowerBound, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<range.count]),
                             known: m.layout?.place)
            return range.count
        }
    }

    /// `<origin.length>` applied to a range (RFC 9051 §6.4.5: an origin past the end gives
    /// an empty string).
    static func cut(_ range: Range<Int>, _ partial: Partial?) -> Range<Int> {
        guard let partial else { return range }
        let start = min(range.upperBound, range.lowerBound + partial.origin)
        let end = min(range.upperBound, start + partial.length)
        return start..<end
    }

    enum SectionData {
        case none
        case range(Range<Int>)
        case bytes([UInt8])
    }

    private mutating func sectionName(_ index: Int, _ section: Section, _ partial: Partial?) -> SectionName {
        if sectionNames.isEmpty { sectionNames = Array(repeating: nil, count: attributes.count) }
        if let known = sectionNames[index] { return known }
        var made = SectionName(name: "BODY[\(section.description)]" + (partial.map { "<\($0.origin)>" } ?? ""))
        if case .headerFields(let names) = section.text { made.fields = HeaderFieldNames(names) }
        if case .headerFieldsNot(let names) = section.text {
            made.fields = HeaderFieldNames(names)
            made.not = true
        }
        sectionNames[index] = made
        return made
    }

    /// BODY[HEADER.FIELDS ...] of the message itself, written straight into the answer:
    /// the chosen fields are found first, so that the literal's length goes before them
    /// without the answer being assembled apart and copied.
    private mutating func writeHeaderFields(_ name: String, _ fields: HeaderFieldNames, not: Bool, _ record: MessageRecord,
                                            _ layout: MessageLayout, _ account: Account, _ out: inout ResponseEncoder) throws {
        var ranges = fieldRanges
        fieldRanges = []
        defer { fieldRanges = ranges }
        try account.withBytes(blob: record.blob, range: 0..<layout.headerLength, known: layout.place) { header in
            ranges.removeAll(keepingCapacity: true)
            let count = HeaderFields.selected(header, fields, not: not, into: &ranges)
            out.beginFetchLiteral(name, count: count)
            out.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                HeaderFields.copy(header, ranges, into: raw)
            }
        }
    }

    /// Where a section lies in the message, or its bytes when they have to be assembled
    /// (HEADER.FIELDS; `fields` may give its names already prepared). A section of the message
    /// itself needs its `layout`; one of a part, its `details`.
    static func locate(_ section: Section, _ record: MessageRecord, _ layout: MessageLayout?, _ details: MessageDetails?,
                       _ account: Account, fields: HeaderFieldNames? = nil) throws -> SectionData {
        func select(_ header: Range<Int>, _ place: StoredPlace?, _ names: [String]) throws -> [UInt8] {
            var not = false
            if case .headerFieldsNot = section.text { not = true }
            let prepared = fields ?? HeaderFieldNames(names)
            return try account.withBytes(blob: record.blob, range: header, known: place) {
                HeaderFields.select($0, prepared, not: not)
            }
        }
        if section.part.isEmpty, let layout {
            switch section.text {
            case .none: return .range(0..<record.size)
            case .header: return .range(0..<layout.headerLength)
            case .text: return .range(layout.headerLength..<record.size)
            case .headerFields(let names), .headerFieldsNot(let names):
                return .bytes(try select(0..<layout.headerLength, layout.place, names))
            case .mime: return .none
            }
        }
        if section.part.isEmpty && section.text == .none { return .range(0..<record.size) }
        guard let details, let structure = try? MessageStructure(encoded: details.structure),
              let location = structure.locate(section.part) else { return .none }
        switch section.text {
        case .none: return .range(location.body)
        case .mime: return .range(location.header)
        case .header: return location.message.map { .range($0.header) } ?? .none
        case .text: return location.message.map { .range($0.text) } ?? .none
        case .headerFields(let names), .headerFieldsNot(let names):
            guard let header = location.message?.header else { return .none }
            return .bytes(try select(header, details.place, names))
        }
    }

    enum DecodedPart {
        case none
        case unknownEncoding
        case bytes([UInt8])
    }

    /// A part with its transfer encoding undone (RFC 3516 §4.2); `[]` is the whole message.
    static func decodedPart(_ part: [Int], _ record: MessageRecord, _ layout: MessageLayout?, _ details: MessageDetails?,
                            _ account: Account) throws -> DecodedPart {
        if part.isEmpty { return .bytes(try account.bytes(blob: record.blob, known: layout?.place)) }
        guard let details, let structure = try? MessageStructure(encoded: details.structure),
              let location = structure.locate(part) else { return .none }
        let raw = try account.bytes(blob: record.blob, range: location.body, known: details.place)
        guard let decoded = TransferEncoding.decode(raw, encoding: location.contentTransferEncoding) else { return .unknownEncoding }
        return .bytes(decoded)
    }
}
