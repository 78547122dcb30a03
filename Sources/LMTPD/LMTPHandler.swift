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
    private var buffer = ByteBuffer()
    private var busy = false
    private var closing = false
    /// Set while reading message data: what has been read so far, and the size limit.
    private var message: (bytes: [UInt8], limit: Int, tooBig: Bool)?
    private var discardingLongLine = false

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
        buffer.writeBuffer(&incoming)
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
            guard let line = readLine() else {
                if buffer.readableBytes > LMTPHandler.maxLineLength {
                    buffer.clear()
                    discardingLongLine = true
                    perform(session.handle(.lineTooLong), context: context)
                }
                break
            }
            if discardingLongLine {
                discardingLongLine = false
                continue
            }
            perform(session.handle(.line(line)), context: context)
        }
        if buffer.readerIndex > 65536 { buffer.discardReadBytes() }
    }

    /// The next line without its CRLF (a bare LF is taken too), or nil.
    private func readLine() -> String? {
        guard let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = lf - buffer.readerIndex
        var bytes = buffer.readBytes(length: length + 1)!
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads message lines up to the lone "." (RFC 5321 §4.5.2 dot-unstuffing); nil until it comes.
    private func readMessageData() -> (bytes: [UInt8], tooBig: Bool)? {
        while var m = message {
            guard let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let length = lf - buffer.readerIndex + 1
            let view = buffer.readableBytesView
            let start = view.startIndex
            let isEnd = (length == 3 && view[start] == UInt8(ascii: ".") && view[start + 1] == UInt8(ascii: "\r"))
                || (length == 2 && view[start] == UInt8(ascii: "."))
            if isEnd {
                buffer.moveReaderIndex(forwardBy: length)
                message = nil
                return (m.bytes, m.tooBig)
            }
            let skip = view[start] == UInt8(ascii: ".") ? 1 : 0
            if !m.tooBig && m.bytes.count + length - skip > m.limit {
                m.tooBig = true
                m.bytes = []
            }
            if !m.tooBig {
                m.bytes.append(contentsOf: view[(start + skip)..<(start + length)])
            }
            buffer.moveReaderIndex(forwardBy: length)
            message = m
        }
        return nil
    }

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
