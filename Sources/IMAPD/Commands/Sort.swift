import Store

/// SORT and UID SORT (RFC 5256 §3) with the SORT=DISPLAY keys (RFC 5957), answered as
/// SORT or, with RETURN options, as ESEARCH (ESORT, RFC 5267 §3; PARTIAL, RFC 9394), saving
/// for `$` (RFC 5182).
struct SortCommand: CommandJob {
    var chains: Bool { true }
    let arguments: SortArguments
    let byUID: Bool
    let tag: String

    /// RFC 5256 §3: no EXPUNGE while answering SORT; UID SORT may have them.
    var allowsExpunge: Bool { byUID }

    mutating func run(_ session: inout SessionContext, _ services: IMAPServices, _ out: inout ResponseEncoder) throws -> StepResult {
        let view = try session.readableSelection(services)
        let found = try SearchMatches(arguments.key, charset: arguments.charset, view: view, session: &session)
        let parts = arguments.criteria.reduce(into: SortFields.Parts()) { $0.formUnion($1.key.parts) }
        let fields = try view.account.sortFields(in: view.id, uids: UIDSet(found.uids), parts: parts)
        let sorted = MessageSort.sorted(fields, by: arguments.criteria)
        if let options = arguments.returning {
            try ESearchAnswer(tag: tag, byUID: byUID, options: options, partial: arguments.partial, inSortOrder: true)
                .write(sorted, of: found, view: view, session: &session, &out)
        } else {
            out.write(.sort(sorted.map { view.number(of: $0, byUID: byUID) },
                            highestModSeq: try found.highestModSeq(view: view)))
        }
        return .done(.ok(byUID ? "UID SORT completed" : "SORT completed"))
    }
}
