import Store

/// CREATE (RFC 9051 §6.3.4), with a special-use attribute (RFC 6154 §3).
struct CreateCommand: CommandJob {
    let mailbox: MailboxName
    let specialUse: [String]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        // A trailing separator declares the intent to create children; the name is without it.
        var bytes = mailbox.bytes
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        let target = try MailboxResolver.resolve(MailboxName(bytes), in: session)
        guard specialUse.count <= 1 else {
            return .done(.no("Only one special-use attribute per mailbox", .useAttr))
        }
        if let use = specialUse.first, SpecialUse.canonical(use) == nil {
            return .done(.no("\(use) is not a special-use attribute", .useAttr))
        }
        if MailboxPath.isInbox(target.name) { return .done(.no("INBOX always exists", .alreadyExists)) }
        try target.account.createMailbox(target.name, specialUse: specialUse.first)
        return .done(.ok("CREATE completed"))
    }
}
