import Store

/// APPEND (RFC 9051 §6.3.12), several messages at once (RFC 3502 MULTIAPPEND), answered
/// with APPENDUID (RFC 4315). All the messages are stored or none. Another user's
/// mailbox needs the `i` right; flags the rights do not cover are dropped (RFC 4314 §4).
/// A message may be joined from text and parts of messages already here (RFC 4469
/// CATENATE, which needs the `r` right on each source), or carry UTF-8 headers (RFC 6855).
struct AppendCommand: CommandJob {
    var chains: Bool { true }
    let mailbox: MailboxName
    let messages: [AppendMessage]

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let target = try MailboxResolver.resolve(mailbox, in: session, services)
        if target.status == nil && target.isOwn {
            // RFC 9051 §6.3.12: TRYCREATE tells the client it may CREATE and try again.
            return .done(.no("Mailbox does not exist", .tryCreate))
        }
        let box = try target.require(.insert)
        var batch: [NewMessage] = []
        var seen: [Int] = []
        for (i, m) in messages.enumerated() {
            let bytes: [UInt8]
            switch m.content {
            case .literal(let b): bytes = b
            case .utf8(let b):
                guard session.options.utf8Accept else { return .done(.bad("UTF8 needs ENABLE UTF8=ACCEPT first")) }
                bytes = b
            case .catenate(let parts):
                bytes = try AppendCommand.join(parts, limit: services.settings.appendLimit, session, services)
            }
            guard !bytes.isEmpty else { return .done(.no("Empty messages are not stored", .cannot)) }
            guard bytes.count <= services.settings.appendLimit else { return .done(.no("Message too large", .tooBig)) }
            var flags = StoredFlags.allowed(try StoredFlags.from(m.flags), by: target.rights)
            if target.reader != nil && flags.system.contains(.seen) {
                // The session's \Seen in someone else's mailbox is its own, set below.
                flags.system.remove(.seen)
                seen.append(i)
            }
            batch.append(NewMessage(bytes: bytes, flags: flags, internalDate: m.internalDate))
        }
        let result = try target.account.append(batch, to: box.id)
        if !seen.isEmpty {
            _ = try target.account.store(UIDSet(seen.map { result.uids[$0] }), in: box.id, .add, Flags(system: [.seen]), reader: target.reader)
        }
        // Appending to the selected mailbox: the client hears EXISTS now (§6.3.12).
        if var view = session.selected, view.id == box.id, target.account === view.account {
            view.receive(.appended(result.uids))
            session.selected = view
        }
        return .done(.ok("APPEND completed", .appendUID(uidValidity: result.uidValidity, uids: UIDSet(result.uids))))
    }

    /// The bytes of a CATENATE: TEXT parts as given, URL parts read from the messages they
    /// name (RFC 4469 §3); a URL that names nothing readable is `NO [BADURL url]`.
    static func join(_ parts: [CatenatePart], limit: Int, _ session: SessionContext, _ services: IMAPServices) throws -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            switch part {
            case .text(let bytes): out += bytes
            case .url(let text): out += try read(text, session, services)
            }
            // RFC 4469 §5: TOOBIG as soon as the result would be too large.
            guard out.count <= limit else { throw CommandFailure(.no("Message too large", .tooBig)) }
        }
        return out
    }

    private static func read(_ text: String, _ session: SessionContext, _ services: IMAPServices) throws -> [UInt8] {
        let bad = CommandFailure(.no("Cannot read that URL", .badURL(text)))
        guard let url = IMAPURL(text) else { throw bad }
        guard let target = try? MailboxResolver.resolve(text: url.mailbox, in: session, services),
              let status = target.status, target.rights.contains([.lookup, .read]),
              url.uidValidity.map({ $0 == status.uidValidity }) ?? true else { throw bad }
        var found: (MessageRecord, MessageDetails?)?
        try target.account.messages(in: status.id, uids: UIDSet([url.uid]), details: true, reader: target.reader) { found = ($0, $1) }
        guard let (record, details) = found else { throw bad }
        switch try FetchCommand.locate(url.section, record, details?.layout, details, target.account) {
        case .none: throw bad
        case .bytes(let bytes): return Array(bytes[FetchCommand.cut(0..<bytes.count, url.partial)])
        case .range(let range): return try target.account.bytes(blob: record.blob, range: FetchCommand.cut(range, url.partial))
        }
    }
}
