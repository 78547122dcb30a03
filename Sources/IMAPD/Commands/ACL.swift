import Store

/// The ACL commands (RFC 4314 §3): SETACL, DELETEACL, GETACL and LISTRIGHTS need the `a`
/// right, MYRIGHTS any right; a mailbox the session has no right on answers like a missing
/// one (§6). Identifiers are account names (bare in the owner's domain), `anyone`, and
/// either with `-` for rights taken away. An owner always holds every right.
struct ACLCommand: CommandJob {
    var chains: Bool { true }
    enum Kind {
        case set(identifier: [UInt8], rights: [UInt8])
        case delete(identifier: [UInt8])
        case get
        case listRights(identifier: [UInt8])
        case myRights
    }

    let mailbox: MailboxName
    let kind: Kind

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        let name = try MailboxResolver.decode(mailbox, utf8: session.options.utf8)
        let store = services.store
        switch kind {
        case .myRights:
            _ = try target.require([])
            out.write(.myRights(name: name, rights: target.rights.lettersWithVirtual))
            return .done(.ok("MYRIGHTS completed"))
        case .get:
            let status = try target.require(.administer)
            var entries: [(String, String)] = []
            for entry in try target.account.acl(of: status.id) {
                guard let shown = try store.aclIdentifierName(entry.identifier, owner: target.owner) else { continue }
                entries.append((shown, entry.rights.lettersWithVirtual))
            }
            // The owner first, then by name.
            let owner = (MailboxResolver.ownerName(target.owner, for: target.owner), Rights.all.lettersWithVirtual)
            out.write(.acl(name: name, entries: [owner] + entries.sorted { $0.0 < $1.0 }))
            return .done(.ok("GETACL completed"))
        case .listRights(let identifier):
            _ = try target.require(.administer)
            let text = String(decoding: identifier, as: UTF8.self)
            guard let id = try store.aclIdentifier(text, owner: target.owner) else { return .done(.no("No such account", .cannot)) }
            if id == target.owner.id {
                out.write(.listRights(name: name, identifier: text, required: Rights.all.letters, optional: []))
            } else {
                // No rights are tied together; the virtual c and d stand alone (RFC 4314 §2.1.1).
                out.write(.listRights(name: name, identifier: text, required: "",
                                      optional: Rights.all.letters.map(String.init) + ["c", "d"]))
            }
            return .done(.ok("LISTRIGHTS completed"))
        case .set(let identifier, let rightsText):
            let status = try target.require(.administer)
            let (id, current) = try entry(identifier, target, status, store)
            var text = String(decoding: rightsText, as: UTF8.self)
            var mode = Flags.Operation.replace
            if text.hasPrefix("+") { mode = .add } else if text.hasPrefix("-") { mode = .remove }
            if mode != .replace { text.removeFirst() }
            guard let rights = Rights(letters: text) else {
                // RFC 4314 §3.1: an unknown right is an error, never ignored.
                return .done(.bad("Unknown right in \(text.prefix(40))"))
            }
            let updated: Rights
            switch mode {
            case .replace: updated = rights
            case .add: updated = current.union(rights)
            case .remove: updated = current.subtracting(rights)
            }
            try store.setACL(updated, for: id, on: status.id, of: target.owner)
            return .done(.ok("SETACL completed"))
        case .delete(let identifier):
            let status = try target.require(.administer)
            let (id, _) = try entry(identifier, target, status, store)
            try store.setACL([], for: id, on: status.id, of: target.owner)
            return .done(.ok("DELETEACL completed"))
        }
    }

    /// The stored identifier a client names and its current rights; the owner's own
    /// rights cannot be changed.
    private func entry(_ identifier: [UInt8], _ target: MailboxTarget, _ status: MailboxStatus,
                       _ store: Store) throws -> (String, Rights) {
        let text = String(decoding: identifier, as: UTF8.self)
        guard let id = try store.aclIdentifier(text, owner: target.owner) else {
            throw CommandFailure(.no("No such account: \(text.prefix(64))", .cannot))
        }
        guard id != target.owner.id && id != "-" + target.owner.id else {
            throw CommandFailure(.no("The owner always has all rights", .cannot))
        }
        let current = try target.account.acl(of: status.id).first { $0.identifier == id }?.rights ?? []
        return (id, current)
    }
}
