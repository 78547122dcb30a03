import Foundation

/// What a write that never committed leaves behind. None of it belongs to an acknowledged
/// message: bytes are written before the commit that makes them one, and a compaction
/// switches the index to its copies in one commit.
enum Leftover: Equatable, CustomStringConvertible {
    /// Bytes past a live segment's committed length.
    case tornTail(segment: Int64, committed: Int64, size: Int64)
    /// A segment file no index row names or points into: a new segment whose first commit
    /// never happened.
    case unindexedSegment(Int64)
    /// A segment a compaction replaced but stopped before removing.
    case retiredSegment(Int64)
    /// A segment a compaction was writing when it stopped; its copies were never used.
    case abandonedCompactionOutput(Int64)

    var description: String {
        switch self {
        case .tornTail(let segment, let committed, let size):
            return "segment \(segment): \(size - committed) byte(s) after its committed length \(committed) (an interrupted write; no acknowledged message is in them)"
        case .unindexedSegment(let segment):
            return "segment \(segment): file that the index does not know (a new segment whose first write was interrupted)"
        case .retiredSegment(let segment):
            return "segment \(segment): replaced by a compaction that stopped before removing it"
        case .abandonedCompactionOutput(let segment):
            return "segment \(segment): output of a compaction that stopped before finishing"
        }
    }
}

extension Account {
    /// Cuts away what interrupted writes left, and says what that was.
    @discardableResult
    func recover() throws -> [Leftover] {
        try FileLock.append(root: root).holding { try withDatabase { try recoverLocked() } }
    }

    func recoverLocked() throws -> [Leftover] {
        try db.transaction {
            let found = try leftoversLocked()
            for leftover in found { try removeLocked(leftover) }
            return found
        }
    }

    /// What interrupted writes left, found inside a write transaction and holding the
    /// append lock: no writer is then between its bytes and its commit, so bytes past a
    /// committed length are torn.
    func leftoversLocked() throws -> [Leftover] {
        let compacting = try FileLock.compaction(root: root)
        let compactionStopped = compacting.tryLock()
        let s = try db.statement("SELECT id, length, state FROM segment ORDER BY id")
        var known: [(id: Int64, length: Int64, state: Int)] = []
        while try s.step() { known.append((s.int64(0), s.int64(1), s.int(2))) }
        var found: [Leftover] = []
        for segment in known {
            switch segment.state {
            case 0:
                if let size = segments.size(of: segment.id), size > segment.length {
                    found.append(.tornTail(segment: segment.id, committed: segment.length, size: size))
                }
            // A compaction that is still running finishes (or removes) these itself.
            case 1 where compactionStopped:
                found.append(.abandonedCompactionOutput(segment.id))
            case 2 where compactionStopped:
                found.append(.retiredSegment(segment.id))
            default:
                break
            }
        }
        let ids = Set(known.map(\.id))
        // Bytes an index row points at are kept even when their segment's own row is lost:
        // `roost check --repair` registers the segment again.
        let used = try db.statement("SELECT 1 FROM blob WHERE segment = ? LIMIT 1")
        for segment in try segments.existing().sorted() where !ids.contains(segment) {
            used.reset()
            used.bind(.int(segment))
            if try !used.step() { found.append(.unindexedSegment(segment)) }
        }
        return found
    }

    func removeLocked(_ leftover: Leftover) throws {
        switch leftover {
        case .tornTail(let segment, let committed, _):
            try segments.truncate(segment: segment, to: committed)
        case .unindexedSegment(let segment):
            try segments.remove(segment: segment)
        case .retiredSegment(let segment), .abandonedCompactionOutput(let segment):
            try segments.remove(segment: segment)
            try db.statement("DELETE FROM segment WHERE id = ?").bind(.int(segment)).run()
        }
    }
}
