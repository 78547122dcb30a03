import Foundation

/// `roost check` and `roost check --repair` of one account. Both open the account apart
/// from the shared `Account` objects and without the recovery an open does, so that what
/// interrupted writes left is reported (and repaired) rather than silently cut away.
extension Store {
    /// Verifies the account as it is on disk; changes nothing.
    public func checkAccount(_ record: AccountRecord) -> CheckReport {
        do {
            return try Account(id: record.id, root: accountRoot(record.id), recovering: false).check()
        } catch {
            var report = CheckReport()
            report.problems.append("index: cannot be opened (\(error))")
            return report
        }
    }

    /// Repairs what `checkAccount` reports: a damaged index.sqlite is rebuilt from its
    /// readable rows first (which needs the account closed elsewhere), then the rest is put
    /// right inside it. One line for each thing done.
    public func repairAccount(_ record: AccountRecord) throws -> [String] {
        let root = accountRoot(record.id)
        let rebuilt = !IndexSalvage.damage(root: root).isEmpty
        var done = rebuilt ? try IndexSalvage.rebuild(root: root) : []
        done += try Account(id: record.id, root: root, recovering: false).repair(afterRebuild: rebuilt)
        return done
    }
}
