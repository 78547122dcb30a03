import Logging
import NIOCore
import ServerCore
import Store

/// Frames an LMTP connection into command lines and message data, feeds the session,
/// and performs its actions. One command is worked on at a time; pipelined commands wait
/// in the buffer, so replies leave in order.
final class LMTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxLineLength = 4096

    private var session: LMTPSession
    private let delivery: Delivery
    private let pool: BlockingPool
    private let logger: Logger
    private var input = LineBuffer(maxLineLength: LMTPHandler.maxLineLength)
    private var busy = false
    private var closing = false
    /// Set while reading message data: what has been read so far, and the size limit.
    private var message: (bytes: [UInt8], limit: Int, tooBig: Bool)?

    init(session: LMTPSession, delivery: Delivery, pool: BlockingPool, logger: Logger) {
        self.session = session
        self.delivery = delivery
        self.pool = pool
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(session.handle(.connected), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        input.append(&incoming)
        process(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("LMTP connection error: \(error)")
        context.close(promise: nil)
    }

    /// Works through buffered input until a command needs the store or input runs out.
    private func process(context: ChannelHandlerContext) {
        while !busy && !closing {
            if message != nil {
                guard let finished = readMessageData() else { break }
                message = nil
                perform(session.handle(.message(finished.tooBig ? nil : finished.bytes)), context: context)
                continue
            }
            switch input.next() {
            case .line(let line): perform(session.handle(.line(line)), context: context)
            case .tooLong: perform(session.handle(.lineTooLong), context: context)
            case nil: return
            }
        }
    }

    /// Reads message lines up to the lone "." (RFC 5321 §4.5.2 dot-unstuffing); nil until it comes.
    private func readMessageData() -> (bytes: [UInt8], tooBig: Bool)? {
        while var m = message, let (line, complete) = input.nextRawLine() {
            let view = line.readableBytesView
            let start = view.startIndex
            if !midLine {
                let isEnd = (view.count == 3 && view[start] == UInt8(ascii: ".") && view[start + 1] == UInt8(ascii: "\r"))
                    || (view.count == 2 && view[start] == UInt8(ascii: "."))
                if isEnd && complete {
                    message = nil
                    return (m.bytes, m.tooBig)
                }
            }
            let skip = !midLine && view.first == UInt8(ascii: ".") ? 1 : 0
            midLine = !complete
            if !m.tooBig && m.bytes.count + view.count - skip > m.limit {
                m.tooBig = true
                m.bytes = []
            }
            if !m.tooBig {
                m.bytes.append(contentsOf: view[(start + skip)...])
            }
            message = m
        }
        return nil
    }

    /// True while the last data read ended inside a line (a line longer than the buffer limit).
    private var midLine = false

    private func perform(_ actions: [LMTPSession.Action], context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 256)
        for action in actions {
            switch action {
            case .reply(let reply):
                out.writeString(reply.encoded)
            case .receiveMessage(let limit):
                message = ([], limit, false)
            case .close:
                closing = true
            case .checkRecipient(let address):
                let delivery = self.delivery
                runBlocking(context: context, { delivery.check(address) }) { result in
                    .recipientChecked(address, (try? result.get()) ?? .temporaryFailure)
                }
            case .deliver(let envelope, let bytes):
                let delivery = self.delivery
                runBlocking(context: context, { delivery.deliver(envelope, bytes) }) { result in
                    .delivered((try? result.get()) ?? envelope.recipients.map {
                        LMTPReply(451, "4.3.0", "<\($0.address)> Temporary failure, try again later")
                    })
                }
            }
        }
        if out.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        if closing && !busy {
            context.close(promise: nil)
        }
    }

    /// Runs store work on the blocking pool; reading waits until its result is an event
    /// for the session, back on the event loop.
    private func runBlocking<T: Sendable>(
        context: ChannelHandlerContext, _ work: @escaping @Sendable () throws -> T,
        then event: @escaping @Sendable (Result<T, Error>) -> LMTPSession.Event
    ) {
        busy = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pool.run(on: context.eventLoop, work).whenComplete { result in
            let (handler, context) = bound.value
            handler.busy = false
            handler.perform(handler.session.handle(event(result)), context: context)
            handler.process(context: context)
        }
    }
}
