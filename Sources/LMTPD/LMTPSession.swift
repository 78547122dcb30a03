import Store

/// The LMTP conversation as a state machine (RFC 2033): it takes events — lines, checked
/// recipients, the message, delivery results — and returns what to do. The channel handler
/// performs the actions; store work happens there, off the event loop.
public struct LMTPSession: Sendable {
    public struct Limits: Sendable {
        public var maxMessageSize: Int
        public var maxRecipients: Int
        public init(maxMessageSize: Int = 50 << 20, maxRecipients: Int = 1000) {
            self.maxMessageSize = maxMessageSize
            self.maxRecipients = maxRecipients
        }
    }

    /// A recipient accepted at RCPT, with where its copy goes.
    public struct Recipient: Sendable, Equatable {
        public var address: String
        public var account: AccountRecord
        public var mailbox: String?

        public init(address: String, account: AccountRecord, mailbox: String?) {
            self.address = address
            self.account = account
            self.mailbox = mailbox
        }
    }

    public struct Envelope: Sendable, Equatable {
        public var from: String
        public var recipients: [Recipient] = []
    }

    public enum RecipientCheck: Sendable, Equatable {
        case accepted(Recipient)
        case unknown
        case overQuota
        case temporaryFailure
    }

    enum State: Sendable, Equatable {
        case greeting
        case ready
        case transaction(Envelope)
        case data(Envelope)
        case closed
    }

    public enum Event: Sendable {
        case connected
        case line(String)
        case lineTooLong
        case recipientChecked(String, RecipientCheck)
        /// The message after the final ".", dot-unstuffed; nil when it was over the size limit.
        case message([UInt8]?)
        case delivered([LMTPReply])
    }

    public enum Action: Sendable, Equatable {
        case reply(LMTPReply)
        /// Resolve the address and check it can take mail; answer with `.recipientChecked`.
        case checkRecipient(String)
        /// Switch the framing to message data, up to the size limit.
        case receiveMessage(limit: Int)
        /// Store one copy per recipient; answer with `.delivered`, one reply per recipient in order.
        case deliver(Envelope, [UInt8])
        case close
    }

    let hostname: String
    let limits: Limits
    var state: State = .greeting

    public init(hostname: String, limits: Limits = Limits()) {
        self.hostname = hostname
        self.limits = limits
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .connected:
            return [.reply(LMTPReply(220, nil, "\(hostname) LMTP Roost ready"))]
        case .lineTooLong:
            return [.reply(LMTPReply(500, "5.5.2", "Line too long"))]
        case .line(let line):
            return handleLine(line)
        case .recipientChecked(let address, let check):
            guard case .transaction(var envelope) = state else { return [] }
            switch check {
            case .accepted(let recipient):
                envelope.recipients.append(recipient)
                state = .transaction(envelope)
                return [.reply(LMTPReply(250, "2.1.5", "<\(address)> OK"))]
            case .unknown:
                return [.reply(LMTPReply(550, "5.1.1", "<\(address)> User unknown"))]
            case .overQuota:
                return [.reply(LMTPReply(552, "5.2.2", "<\(address)> Mailbox is full"))]
            case .temporaryFailure:
                return [.reply(LMTPReply(451, "4.3.0", "<\(address)> Temporary failure, try again later"))]
            }
        case .message(let bytes):
            guard case .data(let envelope) = state else { return [] }
            guard let bytes else {
                state = .ready
                return envelope.recipients.map { _ in .reply(LMTPReply(552, "5.3.4", "Message too big (limit \(limits.maxMessageSize) bytes)")) }
            }
            return [.deliver(envelope, bytes)]
        case .delivered(let replies):
            state = .ready
            return replies.map { .reply($0) }
        }
    }

    private mutating func handleLine(_ line: String) -> [Action] {
        let command: LMTPCommand
        do {
            command = try LMTPCommand.parse(line)
        } catch {
            switch error {
            case .unknownCommand(let verb): return [.reply(LMTPReply(500, "5.5.2", "Unknown command \(verb)"))]
            case .syntax(let reason): return [.reply(LMTPReply(501, "5.5.4", "Syntax error: \(reason)"))]
            case .badPath(let sender):
                return [.reply(LMTPReply(501, sender ? "5.1.7" : "5.1.3", "The address must be printable US-ASCII of at most 256 octets"))]
            }
        }
        switch (command, state) {
        case (.quit, _):
            state = .closed
            return [.reply(LMTPReply(221, "2.0.0", "\(hostname) closing connection")), .close]
        case (.noop, _):
            return [.reply(LMTPReply(250, "2.0.0", "OK"))]
        case (.smtpGreeting(let verb), _):
            return [.reply(LMTPReply(500, "5.5.1", "This is LMTP: use LHLO, not \(verb)"))]
        case (.vrfy, _):
            return [.reply(LMTPReply(252, "2.5.0", "Cannot verify, but will accept the message and attempt delivery"))]
        case (.lhlo, _):
            state = .ready
            return [.reply(LMTPReply(250, lines: [
                hostname, "PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SIZE \(limits.maxMessageSize)",
            ]))]
        case (_, .greeting):
            return [.reply(LMTPReply(503, "5.5.1", "Say LHLO first"))]
        case (.rset, _):
            state = .ready
            return [.reply(LMTPReply(250, "2.0.0", "OK"))]
        case (.mail(let from, let parameters), .ready):
            if let size = parameters["SIZE"] {
                guard let n = Int(size) else { return [.reply(LMTPReply(501, "5.5.4", "SIZE needs a number"))] }
                if n > limits.maxMessageSize {
                    return [.reply(LMTPReply(552, "5.3.4", "Message too big (limit \(limits.maxMessageSize) bytes)"))]
                }
            }
            if let body = parameters["BODY"], !["7BIT", "8BITMIME"].contains(body.uppercased()) {
                return [.reply(LMTPReply(501, "5.5.4", "BODY must be 7BIT or 8BITMIME"))]
            }
            state = .transaction(Envelope(from: from))
            return [.reply(LMTPReply(250, "2.1.0", "OK"))]
        case (.mail, _):
            return [.reply(LMTPReply(503, "5.5.1", "MAIL already given"))]
        case (.rcpt(let to, _), .transaction(let envelope)):
            guard envelope.recipients.count < limits.maxRecipients else {
                return [.reply(LMTPReply(452, "4.5.3", "Too many recipients"))]
            }
            return [.checkRecipient(to)]
        case (.rcpt, _):
            return [.reply(LMTPReply(503, "5.5.1", "MAIL first"))]
        case (.data, .transaction(let envelope)):
            guard !envelope.recipients.isEmpty else {
                return [.reply(LMTPReply(503, "5.5.1", "No valid recipients"))]
            }
            state = .data(envelope)
            return [.reply(LMTPReply(354, nil, "Start mail input; end with <CRLF>.<CRLF>")), .receiveMessage(limit: limits.maxMessageSize)]
        case (.data, _):
            return [.reply(LMTPReply(503, "5.5.1", "MAIL and RCPT first"))]
        }
    }
}
