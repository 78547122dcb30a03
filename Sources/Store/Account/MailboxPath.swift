/// Validation and canonical form of personal mailbox names ("Sent", "Projects/2026").
/// Names are only ever keys in the index, never file paths, but they are still held to
/// rules a client and an administrator can rely on.
public enum MailboxPath {
    public static let separator: Character = "/"
    public static let inbox = "INBOX"
    static let maxLength = 1000
    static let maxDepth = 40

    /// The canonical spelling: INBOX (any case) as first level becomes "INBOX".
    public static func canonical(_ name: String) throws -> String {
        guard !name.isEmpty else { throw StoreError.invalidName("mailbox name is empty") }
        guard name.utf8.count <= maxLength else { throw StoreError.invalidName("mailbox name is too long") }
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return try canonicalASCII(name) }
        var levels = name.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        guard levels.count <= maxDepth else { throw StoreError.invalidName("mailbox name is nested too deeply") }
        for level in levels {
            guard !level.isEmpty else { throw StoreError.invalidName("mailbox name has an empty level") }
            guard level != "." && level != ".." else { throw StoreError.invalidName("mailbox name has a '\(level)' level") }
            // A combining mark after "/" (or a prepended mark before it) makes one Character
            // of both, which this split keeps in a level and a byte-wise reader would not.
            guard !level.unicodeScalars.contains("/") else {
                throw StoreError.invalidName("mailbox name has a '/' joined to the character next to it")
            }
            guard !level.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw StoreError.invalidName("mailbox name contains a control character")
            }
        }
        guard !levels[0].hasPrefix("~") else { throw StoreError.invalidName("mailbox names starting with '~' name other users' mailboxes") }
        if levels[0].uppercased() == inbox { levels[0] = inbox }
        return levels.joined(separator: String(separator))
    }

    /// `canonical` for a name all in ASCII, where every character is one byte: the same
    /// checks in the same order, byte by byte, without splitting the name into strings
    /// (every STATUS and SELECT passes here).
    private static func canonicalASCII(_ name: String) throws -> String {
        let bytes = name.utf8
        let slash = UInt8(ascii: "/")
        guard bytes.count(where: { $0 == slash }) < maxDepth else { throw StoreError.invalidName("mailbox name is nested too deeply") }
        var length = 0
        var dots = 0
        for b in bytes {
            if b == slash {
                try checkLevel(length: length, dots: dots)
                length = 0
                dots = 0
                continue
            }
            length += 1
            if b == UInt8(ascii: ".") { dots += 1 }
            guard b >= 0x20, b != 0x7f else { throw StoreError.invalidName("mailbox name contains a control character") }
        }
        try checkLevel(length: length, dots: dots)
        guard bytes.first != UInt8(ascii: "~") else { throw StoreError.invalidName("mailbox names starting with '~' name other users' mailboxes") }
        let first = bytes.prefix { $0 != slash }
        guard first.count == inbox.utf8.count, first.elementsEqual(inbox.utf8, by: { $0 & 0xDF == $1 }) else { return name }
        return inbox + String(name.dropFirst(inbox.count))
    }

    private static func checkLevel(length: Int, dots: Int) throws {
        guard length > 0 else { throw StoreError.invalidName("mailbox name has an empty level") }
        guard dots != length || length > 2 else {
            throw StoreError.invalidName("mailbox name has a '\(String(repeating: ".", count: length))' level")
        }
    }

    public static func isInbox(_ canonicalName: String) -> Bool { canonicalName == inbox }

    /// The names of all ancestors, outermost first: "a/b/c" -> ["a", "a/b"].
    public static func ancestors(of name: String) -> [String] {
        var result: [String] = []
        var index = name.startIndex
        while let slash = name[index...].firstIndex(of: separator) {
            result.append(String(name[..<slash]))
            index = name.index(after: slash)
        }
        return result
    }
}
