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

    /// The right a flag needs (RFC 4314 §4): \Seen `s`, \Deleted `t`, the others `w`.
    static func right(for flag: SystemFlags) -> Rights {
        flag == .seen ? .seen : flag == .deleted ? .deleteMessages : .write
    }

    /// The part of `flags` that `rights` allow to be set; the rest is dropped, not refused
    /// (RFC 4314 §4, APPEND, COPY and STORE).
    static func allowed(_ flags: Flags, by rights: Rights) -> Flags {
        var system: SystemFlags = []
        for (flag, _) in SystemFlags.all where flags.system.contains(flag) && rights.contains(right(for: flag)) {
            system.insert(flag)
        }
        return Flags(system: system, keywords: rights.contains(.write) ? flags.keywords : [])
    }

    /// The flags `rights` let a STORE change: what it may touch.
    static func changeable(by rights: Rights) -> SystemFlags {
        SystemFlags.all.map(\.0).reduce(into: SystemFlags()) { if rights.contains(right(for: $1)) { $0.insert($1) } }
    }
}
