import Store

/// Flags as a client gives them, turned into what the store keeps.
enum StoredFlags {
    /// The store's flags for a list from STORE or APPEND. \Recent cannot be set by a client
    /// and is ignored; a `\Name` that is no system flag is refused (RFC 9051 §2.3.2).
    static func from(_ flags: [Flag]) throws -> Flags {
        var system: SystemFlags = []
        var keywords: [String] = []
        for flag in flags {
            switch flag {
            case .system(let f): system.formUnion(f)
            case .recent: continue
            case .keyword(let k): keywords.append(k)
            case .unknownSystem(let name): throw CommandFailure(.bad("Invalid system flag \(name.prefix(40))"))
            }
        }
        return Flags(system: system, keywords: keywords)
    }
}
