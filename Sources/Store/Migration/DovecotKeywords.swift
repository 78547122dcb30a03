/// A Maildir folder's `dovecot-keywords` file: keyword names for the lowercase letters
/// `a`-`z` of Maildir file names, one `index name` line each (index 0 is `a`).
public struct DovecotKeywords: Sendable, Equatable {
    public static let fileName = "dovecot-keywords"
    public static let capacity = 26

    /// The name of each letter's keyword, by index.
    public private(set) var names: [Int: String] = [:]

    public init() {}

    /// Parses the file's text; lines that are not `index name` with 0 <= index < 26 are ignored.
    public init(parsing text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), (0..<Self.capacity).contains(index),
                  let keyword = IMAPKeyword.valid(String(parts[1])) else { continue }
            names[index] = keyword
        }
    }

    /// Letters for `keywords` (the first 26, in the order given); the rest do not fit.
    public init(assigning keywords: [String]) {
        for (index, keyword) in keywords.prefix(Self.capacity).enumerated() { names[index] = keyword }
    }

    public func keyword(for letter: UInt8) -> String? {
        guard letter >= UInt8(ascii: "a"), letter <= UInt8(ascii: "z") else { return nil }
        return names[Int(letter - UInt8(ascii: "a"))]
    }

    public func letter(for keyword: String) -> UInt8? {
        let wanted = keyword.lowercased()
        return names.first { $0.value.lowercased() == wanted }.map { UInt8(ascii: "a") + UInt8($0.key) }
    }

    /// The file's text.
    public var text: String {
        names.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
    }
}

/// Keyword names as IMAP allows them (RFC 9051 §9 `flag-keyword` = atom).
public enum IMAPKeyword {
    /// `name` if it is an atom that is not a system flag, else nil.
    public static func valid(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix("\\") else { return nil }
        let specials = Set("(){ %*\"\\]".utf8)
        guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !specials.contains($0) }) else { return nil }
        return name
    }
}
