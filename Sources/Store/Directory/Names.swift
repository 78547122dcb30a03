import Foundation

/// A domain name as the directory keys it: lowercase, dot-separated labels of letters,
/// digits and hyphens.
public struct DomainName: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws {
        let v = raw.lowercased()
        let labels = v.split(separator: ".", omittingEmptySubsequences: false)
        guard !v.isEmpty, v.utf8.count <= 253, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }) else {
            throw StoreError.invalidName("'\(raw)' is not a valid domain name")
        }
        value = v
    }

    public var description: String { value }
}

/// An account's full name, `name@domain`. The local part is lowercase letters, digits,
/// '.', '-' and '_' (no '+', which separates an address detail, no '%' or '@', which
/// name domains in logins).
public struct AccountName: Hashable, Sendable, CustomStringConvertible {
    public let local: String
    public let domain: DomainName

    public init(local raw: String, domain: DomainName) throws {
        let v = raw.lowercased()
        guard !v.isEmpty, v.utf8.count <= 64, !v.hasPrefix("."), !v.hasSuffix("."), !v.contains(".."),
              v.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) })
        else {
            throw StoreError.invalidName("'\(raw)' is not a valid account name (letters, digits, '.', '-', '_')")
        }
        local = v
        self.domain = domain
    }

    /// Parses `name@domain` (or `name%domain`); both parts are required.
    public init(parsing text: String) throws {
        guard let at = text.lastIndex(where: { $0 == "@" || $0 == "%" }) else {
            throw StoreError.invalidName("'\(text)' needs a domain: name@domain")
        }
        try self.init(local: String(text[..<at]), domain: try DomainName(String(text[text.index(after: at)...])))
    }

    public var description: String { "\(local)@\(domain.value)" }
}

/// An address as a client or a delivery names it: `name@domain`, `name%domain`, or a bare
/// `name` whose domain comes from the connection. The local part may carry a `+detail`.
public struct Address: Sendable, Equatable {
    public var local: String
    public var domain: String?
    public var detail: String?

    public init(_ text: String) {
        var s = text.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("<") && s.hasSuffix(">") { s = String(s.dropFirst().dropLast()) }
        var name = s
        if let at = s.lastIndex(where: { $0 == "@" || $0 == "%" }) {
            name = String(s[..<at])
            domain = String(s[s.index(after: at)...]).lowercased()
        } else {
            domain = nil
        }
        // The detail keeps its case: it may name a mailbox, and mailbox names are case-sensitive.
        if let plus = name.firstIndex(of: "+") {
            detail = String(name[name.index(after: plus)...])
            name = String(name[..<plus])
        } else {
            detail = nil
        }
        local = name.lowercased()
    }
}
