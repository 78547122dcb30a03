/// RFC 4314 access rights on a mailbox.
public struct Rights: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let lookup = Rights(rawValue: 1 << 0)          // l: visible to LIST, LSUB, SUBSCRIBE
    public static let read = Rights(rawValue: 1 << 1)            // r: SELECT, EXAMINE, STATUS
    public static let seen = Rights(rawValue: 1 << 2)            // s: keep \Seen
    public static let write = Rights(rawValue: 1 << 3)           // w: flags other than \Seen and \Deleted
    public static let insert = Rights(rawValue: 1 << 4)          // i: APPEND, COPY into
    public static let post = Rights(rawValue: 1 << 5)            // p: send to the submission address
    public static let createMailbox = Rights(rawValue: 1 << 6)   // k: CREATE below, RENAME into
    public static let deleteMailbox = Rights(rawValue: 1 << 7)   // x: DELETE, RENAME away
    public static let deleteMessages = Rights(rawValue: 1 << 8)  // t: \Deleted
    public static let expunge = Rights(rawValue: 1 << 9)         // e: EXPUNGE, expunge at CLOSE
    public static let administer = Rights(rawValue: 1 << 10)     // a: SETACL, DELETEACL, GETACL, LISTRIGHTS

    public static let all: Rights = [.lookup, .read, .seen, .write, .insert, .post, .createMailbox, .deleteMailbox,
                                     .deleteMessages, .expunge, .administer]
    /// The rights MYRIGHTS asks for one of (RFC 4314 §4 "Any"); without any, a mailbox is
    /// treated as if it did not exist.
    public static let any: Rights = [.lookup, .read, .insert, .createMailbox, .deleteMailbox, .administer]

    /// The letters in RFC 4314 order.
    static let letters: [(Character, Rights)] = [
        ("l", .lookup), ("r", .read), ("s", .seen), ("w", .write), ("i", .insert), ("p", .post),
        ("k", .createMailbox), ("x", .deleteMailbox), ("t", .deleteMessages), ("e", .expunge), ("a", .administer),
    ]

    /// Parses a rights string. The obsolete virtual rights of RFC 4314 §2.1.1 are taken as
    /// their members: `c` as `k`, `d` as `x t e`. Nil for any other character, uppercase
    /// included (RFC 4314 §3.1: an unknown right is an error, never ignored).
    public init?(letters text: some StringProtocol) {
        var rights: Rights = []
        for c in text {
            if let r = Rights.letters.first(where: { $0.0 == c })?.1 {
                rights.insert(r)
            } else if c == "c" {
                rights.insert(.createMailbox)
            } else if c == "d" {
                rights.formUnion([.deleteMailbox, .deleteMessages, .expunge])
            } else {
                return nil
            }
        }
        self = rights
    }

    /// The letters as stored: the standard rights only.
    public var letters: String {
        String(Rights.letters.filter { contains($0.1) }.map(\.0))
    }

    /// The letters as ACL and MYRIGHTS answers show them: with the virtual `c` and `d`
    /// when any of their members is there, for RFC 2086 clients (RFC 4314 §2.1.1).
    public var lettersWithVirtual: String {
        var s = letters
        if contains(.createMailbox) { s.append("c") }
        if !isDisjoint(with: [.deleteMailbox, .deleteMessages, .expunge]) { s.append("d") }
        return s
    }

    public var description: String { letters }
}

/// One entry of a mailbox's access control list: who, and which rights. An identifier
/// is an account id, `anyone`, or either prefixed with `-` for rights taken away.
public struct ACLEntry: Hashable, Sendable {
    public var identifier: String
    public var rights: Rights

    public init(identifier: String, rights: Rights) {
        self.identifier = identifier
        self.rights = rights
    }

    public static let anyone = "anyone"

    public var isNegative: Bool { identifier.hasPrefix("-") }
    /// The identifier without the `-` of a negative entry.
    public var subject: String { isNegative ? String(identifier.dropFirst()) : identifier }
}

extension Array where Element == ACLEntry {
    /// What `accountID` may do: the union of its entries and `anyone`'s, less what the
    /// negative entries for either take away (RFC 4314 §2).
    public func rights(for accountID: String) -> Rights {
        var granted: Rights = [], denied: Rights = []
        for entry in self where entry.subject == accountID || entry.subject == ACLEntry.anyone {
            if entry.isNegative { denied.formUnion(entry.rights) } else { granted.formUnion(entry.rights) }
        }
        return granted.subtracting(denied)
    }
}
