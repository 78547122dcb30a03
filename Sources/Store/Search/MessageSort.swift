/// What messages are ordered by (RFC 5256 §3, RFC 5957 §3).
public enum SortKey: Sendable, Equatable, CaseIterable {
    /// The internal date and time.
    case arrival
    /// The addr-mailbox of the first Cc address.
    case cc
    /// The sent date (RFC 5256 §2.2).
    case date
    /// The addr-mailbox of the first From address.
    case from
    case size
    /// The base subject (RFC 5256 §2.1).
    case subject
    /// The addr-mailbox of the first To address.
    case to
    /// The display name of the first From address, else its address (RFC 5957).
    case displayFrom
    case displayTo

    /// The header columns the key needs.
    public var parts: SortFields.Parts {
        switch self {
        case .arrival, .size: return []
        case .date: return .sentDate
        case .subject: return .subject
        case .from, .displayFrom: return .from
        case .to, .displayTo: return .to
        case .cc: return .cc
        }
    }
}

/// One key of a sort program, ascending or (`reverse`) descending.
public struct SortCriterion: Sendable, Equatable {
    public var key: SortKey
    public var reverse: Bool

    public init(_ key: SortKey, reverse: Bool = false) {
        self.key = key
        self.reverse = reverse
    }
}

/// SORT's ordering (RFC 5256 §3): by each criterion in turn, strings in i;unicode-casemap
/// with an absent header as the empty string, and messages equal under every criterion in
/// mailbox (UID) order, which REVERSE does not turn.
public enum MessageSort {
    /// The UIDs of `messages` (in ascending UID order) sorted by `criteria`.
    public static func sorted(_ messages: [SortFields], by criteria: [SortCriterion]) -> [UID] {
        // Every criterion becomes one integer a message: its value, or its rank among the
        // strings; descending ones are complemented, so the comparison below is plain.
        let columns: [[Int64]] = criteria.map { criterion in
            let values = column(criterion.key, messages)
            return criterion.reverse ? values.map { ~$0 } : values
        }
        var order = Array(messages.indices)
        order.sort { a, b in
            for column in columns where column[a] != column[b] { return column[a] < column[b] }
            return a < b
        }
        return order.map { messages[$0].uid }
    }

    static func column(_ key: SortKey, _ messages: [SortFields]) -> [Int64] {
        switch key {
        case .arrival: return messages.map(\.internalDate)
        case .date: return messages.map(\.sentOrInternalDate)
        case .size: return messages.map { Int64($0.size) }
        case .subject: return ranks(messages.map { UnicodeCasemap.key(BaseSubject(subject: $0.subject).text) })
        case .from: return ranks(messages.map { UnicodeCasemap.key(FirstAddress($0.from).mailbox) })
        case .to: return ranks(messages.map { UnicodeCasemap.key(FirstAddress($0.to).mailbox) })
        case .cc: return ranks(messages.map { UnicodeCasemap.key(FirstAddress($0.cc).mailbox) })
        case .displayFrom: return ranks(messages.map { UnicodeCasemap.key(FirstAddress($0.from).displayName) })
        case .displayTo: return ranks(messages.map { UnicodeCasemap.key(FirstAddress($0.to).displayName) })
        }
    }

    /// Each key's place in the order of all keys; equal keys share one.
    static func ranks(_ keys: [[UInt8]]) -> [Int64] {
        let order = keys.indices.sorted { UnicodeCasemap.compare(keys[$0], keys[$1]) < 0 }
        var ranks = [Int64](repeating: 0, count: keys.count)
        var rank: Int64 = 0
        for (i, index) in order.enumerated() {
            if i > 0, UnicodeCasemap.compare(keys[order[i - 1]], keys[index]) != 0 { rank += 1 }
            ranks[index] = rank
        }
        return ranks
    }
}

/// The first address of an address header as SORT compares it.
struct FirstAddress {
    /// The IMAP addr-mailbox (RFC 5256 §3); a group's name when the list opens with a group.
    var mailbox = ""
    /// RFC 5957 §3: the decoded display name, or the addr-spec when there is none.
    var displayName = ""

    init(_ header: String?) {
        guard let header, let first = AddressList.parse(Array(header.utf8)).first else { return }
        switch first {
        case .mailbox(let name, _, let mailbox, let host):
            self.mailbox = String(decoding: mailbox, as: UTF8.self)
            let decoded = name.map { FirstAddress.trimmed(EncodedWords.decodeIfEncoded(String(decoding: $0, as: UTF8.self))) } ?? ""
            displayName = !decoded.isEmpty ? decoded : host.map { self.mailbox + "@" + String(decoding: $0, as: UTF8.self) } ?? self.mailbox
        case .groupStart(let name):
            mailbox = String(decoding: name, as: UTF8.self)
            displayName = FirstAddress.trimmed(EncodedWords.decodeIfEncoded(mailbox))
        case .groupEnd:
            break
        }
    }

    /// `text` without the spaces an encoded word may have left at either end.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != .space && $0 != .tab }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != .space && $0 != .tab })!
        return String(text[first...last])
    }
}
