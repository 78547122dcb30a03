/// METADATA entries (RFC 5464): annotations on a mailbox or on the server, each either
/// shared by everyone who may see the object or private to one account.
///
/// Mailbox entries live in the owner's index (shared ones for everyone, private ones per
/// reader); the server's shared entries in the directory, its private ones in each
/// account's index.

/// An entry name (RFC 5464 §3.2): `/shared` or `/private`, then a path of `/`-separated
/// parts; case-insensitive, so kept lowercased.
public struct MetadataEntryName: Hashable, Sendable, CustomStringConvertible {
    public enum Scope: Sendable, Hashable {
        case shared
        case `private`
    }

    public let scope: Scope
    /// What follows the scope, `/`-led (`/comment`); empty for the scope itself.
    public let path: String

    /// Nil when the name breaks §3.2's rules: no `*` or `%`, no octet below 0x20 or above
    /// 0x7E, no `//`, no trailing `/`, and a `/shared` or `/private` start.
    public init?(_ text: String) {
        guard text.utf8.allSatisfy({ $0 > 0x19 && $0 < 0x7F && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "%") }),
              !text.contains("//"), !text.hasSuffix("/") else { return nil }
        let lower = text.lowercased()
        if lower == "/shared" || lower.hasPrefix("/shared/") {
            scope = .shared
            path = String(lower.dropFirst("/shared".count))
        } else if lower == "/private" || lower.hasPrefix("/private/") {
            scope = .private
            path = String(lower.dropFirst("/private".count))
        } else {
            return nil
        }
    }

    public init(scope: Scope, path: String) {
        self.scope = scope
        self.path = path
    }

    public var description: String { (scope == .shared ? "/shared" : "/private") + path }
}

/// How far below each named entry GETMETADATA reaches (RFC 5464 §4.2.2).
public enum MetadataDepth: Sendable, Equatable {
    case zero
    case one
    case infinity
}

public struct MetadataEntry: Sendable, Equatable {
    public var name: MetadataEntryName
    public var value: [UInt8]

    public init(name: MetadataEntryName, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// Why a SETMETADATA was refused (RFC 5464 §4.3); nothing of it was stored.
public enum MetadataError: Error, Equatable, Sendable {
    /// A value is larger than `maxSize` bytes.
    case tooLarge(maxSize: Int)
    /// The object would carry more than `MetadataRows.maxEntries` entries.
    case tooMany
}

/// The rows of the `metadata` table that the account index and the directory share:
/// `(mailbox, reader, name, value)`, mailbox 0 for the server, reader '' for shared entries.
enum MetadataRows {
    /// RFC 5464 §4.3 asks for at least 1024 bytes and 10 entries.
    static let maxValueSize = 32 << 10
    static let maxEntries = 1000

    static func reader(_ scope: MetadataEntryName.Scope, _ account: String) -> String {
        scope == .shared ? "" : account
    }

    /// The entries of `names` and, to `depth`, below them; in name order, each once.
    static func read(_ db: Database, mailbox: Int64, account: String, names: [MetadataEntryName],
                     depth: MetadataDepth) throws -> [MetadataEntry] {
        let exact = try db.statement("SELECT value FROM metadata WHERE mailbox = ? AND reader = ? AND name = ?")
        // Descendants of "/a" sort between "/a/" and "/a0" ('0' follows '/').
        let below = try db.statement("SELECT name, value FROM metadata WHERE mailbox = ? AND reader = ? AND name > ? AND name < ? ORDER BY name")
        var found: [MetadataEntryName: [UInt8]] = [:]
        for name in names {
            let reader = reader(name.scope, account)
            exact.reset()
            exact.bind(.int(mailbox), .text(reader), .text(name.path))
            if try exact.step() { found[name] = exact.blob(0) }
            guard depth != .zero else { continue }
            below.reset()
            below.bind(.int(mailbox), .text(reader), .text(name.path + "/"), .text(name.path + "0"))
            while try below.step() {
                let path = below.text(0) ?? ""
                if depth == .one && path.dropFirst(name.path.count + 1).contains("/") { continue }
                found[MetadataEntryName(scope: name.scope, path: path)] = below.blob(1)
            }
        }
        return found.map { MetadataEntry(name: $0.key, value: $0.value) }.sorted { $0.name.description < $1.name.description }
    }

    /// Sets (or, for nil, removes) entries; all of them or, on a limit, none.
    static func write(_ db: Database, mailbox: Int64, account: String, _ changes: [(MetadataEntryName, [UInt8]?)]) throws {
        for (_, value) in changes {
            if let value, value.count > maxValueSize { throw MetadataError.tooLarge(maxSize: maxValueSize) }
        }
        try db.transaction {
            let set = try db.statement("INSERT OR REPLACE INTO metadata(mailbox, reader, name, value) VALUES(?, ?, ?, ?)")
            let remove = try db.statement("DELETE FROM metadata WHERE mailbox = ? AND reader = ? AND name = ?")
            var readers = Set<String>()
            for (name, value) in changes where !name.path.isEmpty {
                let reader = reader(name.scope, account)
                readers.insert(reader)
                let s = value == nil ? remove : set
                s.reset()
                s.bind(.int(mailbox), .text(reader), .text(name.path))
                if let value { s.bind(.blob(value), at: 4) }
                try s.run()
            }
            let count = try db.statement("SELECT count(*) FROM metadata WHERE mailbox = ? AND reader = ?")
            for reader in readers {
                count.reset()
                count.bind(.int(mailbox), .text(reader))
                if try count.step(), count.int(0) > maxEntries { throw MetadataError.tooMany }
            }
        }
    }
}
