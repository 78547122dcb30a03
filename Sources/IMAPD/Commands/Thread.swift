import Store

/// THREAD and UID THREAD (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES.
struct ThreadCommand: CommandJob {
    var chains: Bool { true }
    let arguments: ThreadArguments
    let byUID: Bool

    /// RFC 5256 §3: no EXPUNGE while answering THREAD; UID THREAD may have them.
    var allowsExpunge: Bool { byUID }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let view = try session.readableSelection(services)
        let found = try SearchMatches(arguments.key, charset: arguments.charset, view: view, session: &session)
        let parts: SortFields.Parts = arguments.algorithm == .references ? [.sentDate, .subject, .references] : [.sentDate, .subject]
        let fields = try view.account.sortFields(in: view.id, uids: UIDSet(found.uids), parts: parts)
        let threads = MessageThreading.threads(fields, by: arguments.algorithm)
        out.write(.thread(threads.map { view.number(of: $0, byUID: byUID) }))
        return .done(.ok(byUID ? "UID THREAD completed" : "THREAD completed"))
    }
}
