import Foundation
import Store

/// Where LMTP meets the store: recipient checks and storing one copy per recipient.
/// Every call blocks (SQLite, fsync); the handler runs them on the blocking pool.
public struct Delivery: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// RCPT TO: the account an address reaches, its `+detail` mailbox if that exists, and
    /// whether it still has room.
    public func check(_ address: String) -> LMTPSession.RecipientCheck {
        do {
            guard let resolution = try store.directory.resolve(Address(address), delivery: true) else { return .unknown }
            let account = try store.account(resolution.account)
            if let quota = resolution.account.quota, try account.usage() >= quota { return .overQuota }
            let mailbox = resolution.detail.flatMap { (try? account.mailbox(named: $0))?.name }
            return .accepted(LMTPSession.Recipient(address: address, account: resolution.account, mailbox: mailbox))
        } catch {
            return .temporaryFailure
        }
    }

    /// Stores the message for every recipient, each copy headed by Return-Path and
    /// Delivered-To; answers one reply per recipient in order. Copies for different
    /// accounts are written at the same time.
    public func deliver(_ envelope: LMTPSession.Envelope, _ message: [UInt8]) -> [LMTPReply] {
        let body = LineEnds.crlf(message)
        let replies = ReplySlots(count: envelope.recipients.count)
        DispatchQueue.concurrentPerform(iterations: envelope.recipients.count) { i in
            replies.set(i, deliver(body, from: envelope.from, to: envelope.recipients[i]))
        }
        return replies.all
    }

    private func deliver(_ body: [UInt8], from: String, to recipient: LMTPSession.Recipient) -> LMTPReply {
        let header = "Return-Path: <\(from)>\r\nDelivered-To: <\(recipient.address)>\r\n"
        do {
            let account = try store.account(recipient.account)
            let mailbox = try recipient.mailbox.flatMap { try? account.mailbox(named: $0) } ?? account.mailbox(named: MailboxPath.inbox)
            let result = try account.append([NewMessage(bytes: Array(header.utf8) + body)], to: mailbox.id)
            return LMTPReply(250, "2.0.0", "<\(recipient.address)> Saved as UID \(result.uids[0]) in \(mailbox.name)")
        } catch StoreError.overQuota {
            return LMTPReply(552, "5.2.2", "<\(recipient.address)> Mailbox is full")
        } catch StoreError.noSpace {
            // RFC 5321 §4.2.3 452, RFC 3463 X.3.1 "mail system full": the sender keeps the
            // message and tries again, unlike 552, which is the user's own quota.
            return LMTPReply(452, "4.3.1", "<\(recipient.address)> Insufficient system storage, try again later")
        } catch let error as StoreError where !error.isTemporary {
            return LMTPReply(554, "5.3.0", "<\(recipient.address)> Cannot store: \(error)")
        } catch {
            return LMTPReply(451, "4.3.0", "<\(recipient.address)> Temporary failure, try again later")
        }
    }
}

/// One reply per recipient, filled from several threads.
private final class ReplySlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [LMTPReply?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ reply: LMTPReply) { lock.withLock { slots[index] = reply } }

    var all: [LMTPReply] { lock.withLock { slots.map { $0! } } }
}
