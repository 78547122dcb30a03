import NIOCore
import Foundation
import Store

/// Where POP3 meets the store: logging in to a maildrop (INBOX), locking it against a
/// second POP3 session, and applying DELE/RETR at QUIT. Every call blocks.
public final class MaildropService: @unchecked Sendable {
    let store: Store
    private let lock = NSLock()
    private var locked = Set<String>()

    public init(store: Store) { self.store = store }

    public func login(user: String, password: String, authorize: String?, localAddress: String?) -> Result<POP3Session.Maildrop, POP3Session.LoginFailure> {
        do {
            guard let record = try store.login(user: user, password: password, authorize: authorize, localAddress: localAddress) else {
                return .failure(.credentials)
            }
            guard lock.withLock({ locked.insert(record.id).inserted }) else { return .failure(.inUse) }
            do {
                let account = try store.account(record)
                let inbox = try account.mailbox(named: MailboxPath.inbox)
                var messages: [POP3Session.Message] = []
                try account.messages(in: inbox.id, uids: UIDSet(ranges: [1...UInt32.max])) { m, _ in
                    messages.append(POP3Session.Message(uid: m.uid, size: m.size, blob: m.blob))
                }
                return .success(POP3Session.Maildrop(account: record, mailbox: inbox.id, uidValidity: inbox.uidValidity, messages: messages))
            } catch {
                unlock(record.id)
                return .failure(.temporary)
            }
        } catch {
            return .failure(.temporary)
        }
    }

    public func unlock(_ accountID: String) {
        _ = lock.withLock { locked.remove(accountID) }
    }

    /// The UPDATE state (RFC 1939 §6): deleted messages are expunged (IMAP sessions on the
    /// same INBOX see them go), retrieved ones are marked \Seen.
    public func commit(_ maildrop: POP3Session.Maildrop, deleted: [UID], retrieved: [UID]) -> Bool {
        do {
            let account = try store.account(maildrop.account)
            if !retrieved.isEmpty {
                _ = try account.store(UIDSet(retrieved), in: maildrop.mailbox, .add, Flags(system: [.seen]))
            }
            if !deleted.isEmpty {
                _ = try account.expunge(UIDSet(deleted), in: maildrop.mailbox, onlyDeleted: false)
            }
            return true
        } catch {
            return false
        }
    }

    /// Reads `range` of a message's bytes.
    public func read(_ maildrop: POP3Session.Maildrop, blob: Int64, range: Range<Int>) throws -> [UInt8] {
        try store.account(maildrop.account).bytes(blob: blob, range: range)
    }
}

/// Turns message bytes into the POP3 multi-line form a chunk at a time: lines starting
/// with "." get another (RFC 1939 §3), NUL bytes are sent as 0x80 (Outlook stops reading
/// at a NUL), and for TOP only the header, the empty line and the first `lines` body lines pass.
struct ByteStuffer {
    private var lineStart = true
    private var lineEmpty = true
    private var inBody = false
    private var bodyLinesLeft: Int?
    private var lastByte: UInt8 = 10
    /// True once TOP has sent all the lines it wants; the rest of the message can be skipped.
    private(set) var done = false

    init(topLines: Int?) { bodyLinesLeft = topLines }

    /// Appends `chunk` in the multi-line form to `out`.
    mutating func transform(_ chunk: [UInt8], into out: inout ByteBuffer) {
        // The state lives in locals for the loop, which is most of a RETR's work.
        var lineStart = self.lineStart, lineEmpty = self.lineEmpty, inBody = self.inBody
        var left = bodyLinesLeft ?? Int.max
        var last = lastByte
        var stopped = false
        // At most one added "." a line: twice the input is always enough room.
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk.count * 2) { target in
            chunk.withUnsafeBufferPointer { source in
                var n = 0
                for byte in source {
                    if lineStart {
                        if inBody && left <= 0 {
                            stopped = true
                            break
                        }
                        if byte == UInt8(ascii: ".") {
                            target[n] = byte
                            n += 1
                        }
                        lineStart = false
                        lineEmpty = true
                    }
                    target[n] = byte == 0 ? 0x80 : byte
                    n += 1
                    if byte == 10 {
                        if !inBody && lineEmpty {
                            inBody = true
                        } else if inBody {
                            left -= 1
                        }
                        lineStart = true
                    } else if byte != 13 {
                        lineEmpty = false
                    }
                    last = byte
                }
                return n
            }
        }
        self.lineStart = lineStart
        self.lineEmpty = lineEmpty
        self.inBody = inBody
        if bodyLinesLeft != nil { bodyLinesLeft = left }
        lastByte = last
        if stopped { done = true }
    }

    /// What ends the multi-line response: a line end if the message lacked one, then ".".
    func finish(into out: inout ByteBuffer) {
        out.writeString(lastByte == 10 ? ".\r\n" : "\r\n.\r\n")
    }
}
