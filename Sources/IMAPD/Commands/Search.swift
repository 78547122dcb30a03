import Foundation
import Store

/// SEARCH and UID SEARCH (RFC 9051 §6.4.4), answered as SEARCH or, with RETURN options
/// or IMAP4rev2, as ESEARCH (RFC 4731, PARTIAL of RFC 9394), saving results for `$` (RFC 5182).
struct SearchCommand: CommandJob {
    var chains: Bool { true }
    let arguments: SearchArguments
    let byUID: Bool
    let tag: String

    var allowsExpunge: Bool { byUID }

    /// Charsets whose strings can be searched for; any ICU knows works, these are listed
    /// when one is refused.
    static let advertisedCharsets = ["UTF-8", "US-ASCII"]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let view = try session.readableSelection(services)
        let completed = byUID ? "UID SEARCH completed" : "SEARCH completed"
        let found = try SearchMatches(arguments.key, charset: arguments.charset, view: view, session: &session)
        // RFC 9051 §6.4.4: in IMAP4rev2 a plain SEARCH is RETURN (ALL).
        guard let options = arguments.returning ?? (session.options.rev2 ? [] : nil) else {
            out.write(.search(found.uids.map { view.number(of: $0, byUID: byUID) },
                              highestModSeq: try found.highestModSeq(view: view)))
            return .done(.ok(completed))
        }
        try ESearchAnswer(tag: tag, byUID: byUID, options: options, partial: arguments.partial, inSortOrder: false)
            .write(found.uids, of: found, view: view, session: &session, &out)
        return .done(.ok(completed))
    }
}

/// The answer to RETURN options: an ESEARCH response (RFC 4731 §3.1; for SORT RFC 5267
/// §3.2, where MIN, MAX, ALL and PARTIAL follow the sort order), and the result saved for
/// `$` (RFC 5182).
struct ESearchAnswer {
    let tag: String
    let byUID: Bool
    let options: SearchArguments.Return
    let partial: PartialRange?
    /// Whether the matches come in sort order rather than in mailbox order.
    let inSortOrder: Bool

    /// Writes the answer for `matches`, the results of `found` in the order they are counted in.
    func write(_ matches: [UID], of found: SearchMatches, view: SelectedMailbox, session: inout SessionContext,
               _ out: inout ResponseEncoder) throws {
        var options = options
        if options.isEmpty && partial == nil { options.insert(.all) }
        // Only the page is numbered and encoded, however many messages match.
        let page = partial.map { matches[$0.positions(in: matches.count)] } ?? []
        // RFC 5182 §2.4, RFC 9394 §3.2: an answer of only MIN, MAX and PARTIAL stands for
        // those messages, any other for every match. SAVE keeps these, and MODSEQ is
        // theirs (RFC 4731 §3.2).
        let returned: UIDSet
        if options.isDisjoint(with: [.all, .count]) && (partial != nil || !options.isDisjoint(with: [.min, .max])) {
            var some = UIDSet(page)
            if options.contains(.min), let first = matches.first { some.insert(first) }
            if options.contains(.max), let last = matches.last { some.insert(last) }
            returned = some
        } else {
            returned = UIDSet(matches)
        }
        if options.contains(.save) {
            session.savedSearch = returned
            // SAVE alone answers nothing (RFC 5182 §2.1).
            if options == [.save] && partial == nil { return }
        }
        func number(_ uid: UID) -> UInt32 { view.number(of: uid, byUID: byUID) }
        var items: [ESearchItem] = []
        if options.contains(.min), let first = matches.first { items.append(.min(number(first))) }
        if options.contains(.max), let last = matches.last { items.append(.max(number(last))) }
        if options.contains(.all), !matches.isEmpty {
            items.append(inSortOrder ? .allInOrder(matches.map(number)) : .all(UIDSet(matches.map { UID(number($0)) })))
        }
        if let partial {
            items.append(inSortOrder ? .partialInOrder(partial, page.map(number)) : .partial(partial, UIDSet(page.map { UID(number($0)) })))
        }
        if options.contains(.count) { items.append(.count(matches.count)) }
        if let highestModSeq = try found.highestModSeq(of: returned, view: view) { items.append(.modSeq(highestModSeq)) }
        out.write(.esearch(tag: tag, uid: byUID, items: items))
    }
}

extension SelectedMailbox {
    /// How a response names a message of the view: its UID, or its sequence number.
    func number(of uid: UID, byUID: Bool) -> UInt32 {
        byUID ? uid.rawValue : UInt32(sequenceNumber(of: uid)!)
    }
}

/// The messages of the selected mailbox a search program matches, in UID order: where
/// SEARCH, SORT and THREAD start.
struct SearchMatches {
    var uids: [UID]
    /// Whether the program had MODSEQ, so that the answer reports a mod-sequence.
    let usesModSeq: Bool

    init(_ key: SearchKey, charset: String?, view: SelectedMailbox, session: inout SessionContext) throws {
        if let charset, !Charset.isKnown(charset) {
            throw CommandFailure(.no("Unknown charset", .badCharset(SearchCommand.advertisedCharsets)))
        }
        var translator = SearchTranslator(view: view, saved: session.savedSearch, charset: charset)
        let query = try translator.query(key)
        usesModSeq = translator.usesModSeq
        if usesModSeq { session.options.condstore = true }
        let candidates = UIDSet(ranges: view.uids.isEmpty ? [] : [view.uids[0].rawValue...view.uids[view.count - 1].rawValue])
        uids = SearchMatches.announced(try view.account.search(query, in: view.id, among: candidates, reader: view.reader), view)
    }

    /// Those of `found` that the session has been told of. The store answers in ascending
    /// order, so each is looked for from where the last was found.
    static func announced(_ found: [UID], _ view: SelectedMailbox) -> [UID] {
        var kept: [UID] = []
        kept.reserveCapacity(found.count)
        var at = 0
        var last: UID?
        for uid in found {
            if let last, uid <= last { at = 0 }
            at = view.lowerBound(uid, from: at)
            if at < view.count && view.uids[at] == uid { kept.append(uid) }
            last = uid
        }
        return kept
    }

    /// `highestModSeq(of:view:)` of all the UIDs found.
    func highestModSeq(view: SelectedMailbox) throws -> UInt64? {
        guard usesModSeq else { return nil }
        return try highestModSeq(of: UIDSet(uids), view: view)
    }

    /// RFC 7162 §3.1.5: a search with MODSEQ reports the highest mod-sequence of the
    /// messages its answer returns; nil without MODSEQ or when it returns none.
    func highestModSeq(of returned: UIDSet, view: SelectedMailbox) throws -> UInt64? {
        guard usesModSeq, !returned.isEmpty else { return nil }
        var highest: UInt64 = 0
        try view.account.messageFlags(in: view.id, uids: returned, reader: view.reader) { record in
            highest = max(highest, record.modSeq.rawValue)
        }
        return highest
    }
}

/// SEARCH keys in store terms: sequence numbers become UIDs through the session's view,
/// \Recent the session's own, strings text in their charset.
struct SearchTranslator {
    let view: SelectedMailbox
    let saved: UIDSet?
    let charset: String?
    /// The moment OLDER and YOUNGER count back from.
    let now = Int64(Date().timeIntervalSince1970)
    private(set) var usesModSeq = false

    init(view: SelectedMailbox, saved: UIDSet?, charset: String?) {
        self.view = view
        self.saved = saved
        self.charset = charset
    }

    mutating func query(_ key: SearchKey) throws -> SearchQuery {
        switch key {
        case .all: return .all
        case .flag(let f): return .hasFlags(f)
        case .notFlag(let f): return .lacksFlags(f)
        case .keyword(let k): return .keyword(k)
        case .notKeyword(let k): return .lacksKeyword(k)
        case .recent: return .uids(view.recent)
        case .new: return .and([.uids(view.recent), .lacksFlags(.seen)])
        case .old: return .not(.uids(view.recent))
        case .header(let name, let value): return .header(name, text(value))
        case .body(let value): return .body(text(value))
        case .text(let value): return .text(text(value))
        case .before(let d): return .arrivedBefore(d)
        case .on(let d): return .arrivedOn(d)
        case .since(let d): return .arrivedSince(d)
        case .sentBefore(let d): return .sentBefore(d)
        case .sentOn(let d): return .sentOn(d)
        case .sentSince(let d): return .sentSince(d)
        case .savedBefore(let d): return .savedBefore(d)
        case .savedOn(let d): return .savedOn(d)
        case .savedSince(let d): return .savedSince(d)
        case .saveDateSupported: return .all  // every mailbox keeps save dates
        case .older(let s): return .arrivedAtOrBefore(now - Int64(s))
        case .younger(let s): return .arrivedAtOrAfter(now - Int64(s))
        // An identifier this server never gave matches nothing.
        case .emailID(let id): return ObjectID.parseEmail(id).map { .email(blob: $0.blob, hash: $0.hash) } ?? .not(.all)
        case .threadID(let id): return ObjectID.parseThread(id).map { .thread($0) } ?? .not(.all)
        case .larger(let n): return .larger(Int(n))
        case .smaller(let n): return .smaller(Int(n))
        case .uid(let set): return .uids(view.uidSet(try view.indices(for: set, byUID: true, saved: saved)))
        case .sequence(let set): return .uids(view.uidSet(try view.indices(for: set, byUID: false, saved: saved)))
        case .not(let k): return .not(try query(k))
        case .or(let a, let b): return .or(try query(a), try query(b))
        case .and(let keys): return .and(try keys.map { try query($0) })
        case .modSeq(let m):
            usesModSeq = true
            return .modSeqAtLeast(m)
        }
    }

    func text(_ bytes: [UInt8]) -> String {
        Charset.decode(bytes, charset: charset)
    }
}
