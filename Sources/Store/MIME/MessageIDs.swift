/// The message identifiers (RFC 5322 §3.6.4 `msg-id`, angle brackets included) in a
/// Message-ID, In-Reply-To or References value, in the order written. Text between them
/// (comments, phrases old mailers put in In-Reply-To) is skipped.
enum MessageIDs {
    /// How many of a new message's references its thread is looked up by, nearest first.
    static let lookupLimit = 20

    static func all(in value: String?) -> [String] {
        guard let value else { return [] }
        var ids: [String] = []
        var rest = value[...]
        while let close = rest.firstIndex(of: ">") {
            if let open = rest[..<close].lastIndex(of: "<") {
                let id = rest[open...close]
                if id.count > 2 && !id.contains(where: \.isWhitespace) { ids.append(String(id)) }
            }
            rest = rest[rest.index(after: close)...]
        }
        return ids
    }
}
