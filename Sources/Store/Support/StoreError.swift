/// Everything the store can refuse or fail at. Protocol modules map these to their
/// own error forms (IMAP response codes, POP3 -ERR, LMTP enhanced codes).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case nonexistent(String)          // no such mailbox, account, domain
    case alreadyExists(String)
    case invalidName(String)
    case invalidArgument(String)
    case overQuota(String)
    case notPermitted(String)
    case corrupted(String)            // on-disk data failed a check
    case io(String)                   // a system call failed; retrying later may work
    case noSpace(String)              // the file system is full (or its quota reached); retrying once space is freed works
    case database(code: Int32, message: String)

    public var description: String {
        switch self {
        case .nonexistent(let s): return s
        case .alreadyExists(let s): return s
        case .invalidName(let s): return s
        case .invalidArgument(let s): return s
        case .overQuota(let s): return s
        case .notPermitted(let s): return s
        case .corrupted(let s): return s
        case .io(let s): return s
        case .noSpace(let s): return s
        case .database(let code, let message): return "database error \(code): \(message)"
        }
    }

    /// True when the failure is about the machine (disk, locks), not the request:
    /// the caller should answer "try again later" (LMTP 4xx, sysexits 75).
    public var isTemporary: Bool {
        switch self {
        case .io, .noSpace, .database: return true
        default: return false
        }
    }
}
