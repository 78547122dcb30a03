import Store

/// GETMETADATA and SETMETADATA (RFC 5464): annotations on a mailbox, or with the empty
/// name on the server. Mailbox entries need the `l` and `r` rights, and changing a shared
/// one also `w` (§3.3); the server's shared entries are changed by server administrators
/// only. Entries asked for by name that have no value come back as NIL (without DEPTH).
struct MetadataCommand: CommandJob {
    var chains: Bool { true }
    enum Kind {
        case get([MetadataEntryName], MetadataOptions)
        case set([MetadataValue])
    }

    let mailbox: MailboxName
    let kind: Kind

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let server = mailbox.bytes.isEmpty
        do {
            switch kind {
            case .get(let names, let options):
                return try get(names, options, server: server, &session, services, &out)
            case .set(let values):
                return try set(values, server: server, session, services)
            }
        } catch let e as MetadataError {
            switch e {
            case .tooLarge(let size): return .done(.no("Value too large", .metadata("MAXSIZE \(size)")))
            case .tooMany: return .done(.no("Too many entries", .metadata("TOOMANY")))
            }
        }
    }

    private func get(_ names: [MetadataEntryName], _ options: MetadataOptions, server: Bool, _ session: inout SessionContext,
                     _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        var found: [MetadataEntry]
        if server {
            found = try services.store.directory.serverMetadata(names, depth: options.depth)
            found += try session.account.metadata(names.filter { $0.scope == .private }, depth: options.depth, of: nil, for: session.user.id)
        } else {
            let target = try MailboxResolver.resolve(mailbox, in: session, services)
            let status = try target.require([.lookup, .read])
            found = try target.account.metadata(names, depth: options.depth, of: status.id, for: session.user.id)
        }
        var values: [MetadataEntryName: [UInt8]] = [:]
        for entry in found { values[entry.name] = entry.value }
        var longest = 0
        var entries: [(MetadataEntryName, [UInt8]?)] = []
        // The entries named first, in the client's order, NIL for those without a value when
        // no depth was asked for (§4.2.2's example leaves a bare parent out); then those below.
        for name in names where !name.path.isEmpty && !entries.contains(where: { $0.0 == name }) {
            if let value = values[name] { entries.append((name, value)) } else if options.depth == .zero { entries.append((name, nil)) }
        }
        for entry in found.sorted(by: { $0.name.description < $1.name.description }) where !names.contains(entry.name) {
            entries.append((entry.name, entry.value))
        }
        if let limit = options.maxSize {
            // RFC 5464 §4.2.1: longer values are left out, and the longest is reported.
            entries.removeAll { _, value in
                guard let value, value.count > limit else { return false }
                longest = max(longest, value.count)
                return true
            }
        }
        if !entries.isEmpty {
            let name = server ? "" : try MailboxResolver.decode(mailbox, utf8: session.options.utf8)
            out.write(.metadata(name: name, entries: entries))
        }
        return .done(.ok("GETMETADATA completed", longest > 0 ? .metadata("LONGENTRIES \(longest)") : nil))
    }

    private func set(_ values: [MetadataValue], server: Bool, _ session: SessionContext, _ services: IMAPServices) throws -> StepResult {
        let changes = values.map { ($0.name, $0.value) }
        if server {
            let shared = changes.filter { $0.0.scope == .shared }
            if !shared.isEmpty {
                let admin = try services.store.directory.grants(of: session.user.id).contains { $0.right == .allAccounts }
                guard admin else { return .done(.no("Server entries are set by the administrator", .noPerm)) }
            }
            // Two stores: the shared entries first, so a refusal there leaves the private ones
            // untouched. (A private TOOMANY after them cannot undo them.)
            try services.store.directory.setServerMetadata(shared)
            try session.account.setMetadata(changes.filter { $0.0.scope == .private }, of: nil, for: session.user.id)
        } else {
            let target = try MailboxResolver.resolve(mailbox, in: session, services)
            let needed: Rights = changes.contains { $0.0.scope == .shared } ? [.lookup, .read, .write] : [.lookup, .read]
            let status = try target.require(needed)
            try target.account.setMetadata(changes, of: status.id, for: session.user.id)
        }
        return .done(.ok("SETMETADATA completed"))
    }
}
