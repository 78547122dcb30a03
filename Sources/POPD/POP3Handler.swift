import Logging
import NIOCore
import NIOSSL
import ServerCore
import Store

/// One POP3 connection: frames lines, feeds the session, performs its actions (login and
/// QUIT on the blocking pool, STLS, messages streamed in chunks with backpressure).
final class POP3Handler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// RFC 2449 §4: a command line is at most 255 octets; leave room for long SASL responses.
    static let maxLineLength = 8192
    static let chunkSize = 64 * 1024
    /// Pipelined RETR and TOP answers read in one pool job: at most this many messages,
    /// of at most this many bytes in all.
    static let batchMessages = 64
    static let batchBytes = 256 * 1024

    struct Environment: Sendable {
        var service: MaildropService
        var pool: BlockingPool
        var throttle: LoginThrottle
        var tls: NIOSSLContext?
        var logger: Logger
        /// Seconds a connection has to log in, however busily it trickles bytes.
        var loginTimeout: Int
    }

    private var session: POP3Session
    private let environment: Environment
    private var input = LineBuffer(maxLineLength: POP3Handler.maxLineLength)
    private var busy = false
    private var closing = false
    private var maildrop: POP3Session.Maildrop?
    private var stuffer = ByteStuffer(topLines: nil)
    private var loginDeadline: Scheduled<Void>?
    /// Set while answers already written wait for the socket to drain before more input is read.
    private var waitingForWritable = false

    init(session: POP3Session, environment: Environment) {
        self.session = session
        self.environment = environment
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        loginDeadline = context.eventLoop.scheduleTask(in: .seconds(Int64(environment.loginTimeout))) {
            let (handler, context) = bound.value
            handler.write("-ERR Autologout; login took too long\r\n", context: context)
            handler.closing = true
            context.close(promise: nil)
        }
        perform(session.handle(.connected), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        loginDeadline?.cancel()
        loginDeadline = nil
        if let maildrop { environment.service.unlock(maildrop.account.id) }
        maildrop = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        input.append(&incoming)
        process(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            write("-ERR Autologout; idle for too long\r\n", context: context)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if waitingForWritable && context.channel.isWritable {
            waitingForWritable = false
            resume(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        environment.logger.debug("POP3 connection error: \(error)")
        context.close(promise: nil)
    }

    private func process(context: ChannelHandlerContext) {
        while !busy && !closing {
            switch input.next() {
            case .line(let line): perform(session.handle(.line(line)), context: context)
            case .tooLong: perform(session.handle(.lineTooLong), context: context)
            case nil: return
            }
        }
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: text.utf8.count)
        out.writeString(text)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    private func perform(_ actions: [POP3Session.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .reply(let text):
                write(text, context: context)
            case .close:
                closing = true
                context.close(promise: nil)
            case .startTLS:
                guard let tls = environment.tls else { continue }
                // Anything the client sent after STLS came in plaintext: drop it (RFC 2595 §3.1).
                input.discardAll()
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                    perform(session.handle(.tlsStarted), context: context)
                } catch {
                    context.close(promise: nil)
                }
            case .login(let user, let password, let authorize):
                let service = environment.service
                let local = context.channel.localAddress?.hostText
                let source = context.channel.remoteAddress?.hostText ?? "unknown"
                let throttle = environment.throttle
                runBlocking(context: context, { () -> Result<POP3Session.Maildrop, POP3Session.LoginFailure> in
                    service.login(user: user, password: password, authorize: authorize, localAddress: local)
                }) { handler, context, result in
                    switch result {
                    case .success(.success(let maildrop)):
                        throttle.succeeded(from: source)
                        handler.loginDeadline?.cancel()
                        handler.loginDeadline = nil
                        handler.maildrop = maildrop
                        handler.perform(handler.session.handle(.loggedIn(maildrop)), context: context)
                        handler.resume(context: context)
                    case .success(.failure(let failure)):
                        let delay = failure == .credentials ? throttle.failed(from: source) : 0
                        handler.busy = true
                        context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
                            handler.perform(handler.session.handle(.loginFailed(failure)), context: context)
                            handler.resume(context: context)
                        }
                    case .failure:
                        handler.perform(handler.session.handle(.loginFailed(.temporary)), context: context)
                        handler.resume(context: context)
                    }
                }
            case .send(let message, let topLines):
                guard let maildrop else { continue }
                busy = true
                if message.size <= POP3Handler.chunkSize {
                    sendBatch(startingWith: (message, topLines), maildrop: maildrop, context: context)
                    continue
                }
                stuffer = ByteStuffer(topLines: topLines)
                sendChunk(of: message, from: 0, maildrop: maildrop, status: POP3Handler.status(message, topLines), context: context)
            case .commit(_, let deleted, let retrieved):
                guard let maildrop else { continue }
                let service = environment.service
                runBlocking(context: context, { service.commit(maildrop, deleted: deleted, retrieved: retrieved) }) { handler, context, result in
                    handler.perform(handler.session.handle(.committed((try? result.get()) ?? false)), context: context)
                    handler.resume(context: context)
                }
            }
        }
    }

    private static func status(_ message: POP3Session.Message, _ topLines: Int?) -> String {
        topLines == nil ? "+OK \(message.size) octets\r\n" : "+OK\r\n"
    }

    /// Answers a RETR or TOP of a small message together with those of the commands
    /// pipelined behind it, in one job on the pool and one write: clients that pipeline
    /// (fetchmail, getmail, the benchmark) pay one hop to the pool per batch, not per
    /// message. Each message counts as sent to the session before the next line is read;
    /// if reading one fails the connection ends, as it does mid-message.
    private func sendBatch(startingWith first: (POP3Session.Message, Int?), maildrop: POP3Session.Maildrop,
                           context: ChannelHandlerContext) {
        var batch = [first]
        var bytes = first.0.size
        var after: [POP3Session.Action]?
        while after == nil, batch.count < POP3Handler.batchMessages, bytes < POP3Handler.batchBytes, let next = input.next() {
            _ = session.handle(.sent)
            let actions = switch next {
            case .line(let line): session.handle(.line(line))
            case .tooLong: session.handle(.lineTooLong)
            }
            if actions.count == 1, case .send(let message, let topLines) = actions[0],
               message.size <= POP3Handler.chunkSize, bytes + message.size <= POP3Handler.batchBytes {
                batch.append((message, topLines))
                bytes += message.size
            } else {
                after = actions
            }
        }
        let service = environment.service
        let allocator = context.channel.allocator
        let wanted = batch, capacity = bytes + bytes / 8 + 32 * batch.count
        runBlocking(context: context, { () -> ByteBuffer in
            var out = allocator.buffer(capacity: capacity)
            for (message, topLines) in wanted {
                var stuffer = ByteStuffer(topLines: topLines)
                out.writeString(POP3Handler.status(message, topLines))
                stuffer.transform(try service.read(maildrop, blob: message.blob, range: 0..<message.size), into: &out)
                stuffer.finish(into: &out)
            }
            return out
        }) { handler, context, result in
            guard case .success(let out) = result else {
                context.close(promise: nil)
                return
            }
            context.writeAndFlush(handler.wrapOutboundOut(out), promise: nil)
            handler.busy = false
            handler.perform(after ?? handler.session.handle(.sent), context: context)
            guard !handler.busy, !handler.closing else { return }
            // A client that pipelines without reading must not make the server hold its mail.
            if !context.channel.isWritable {
                handler.busy = true
                handler.waitingForWritable = true
                return
            }
            handler.process(context: context)
        }
    }

    /// Reads and stuffs the next chunk on the pool (after the status line, for the first),
    /// sends it, and waits for the write before the next one: a slow client never makes
    /// the server hold a whole message.
    private func sendChunk(of message: POP3Session.Message, from offset: Int, maildrop: POP3Session.Maildrop,
                           status: String = "", context: ChannelHandlerContext) {
        let end = min(offset + POP3Handler.chunkSize, message.size)
        let service = environment.service
        let allocator = context.channel.allocator
        let stuffer = self.stuffer
        runBlocking(context: context, { () -> (ByteBuffer, ByteStuffer) in
            var stuffer = stuffer
            let bytes = try service.read(maildrop, blob: message.blob, range: offset..<end)
            var out = allocator.buffer(capacity: status.utf8.count + bytes.count + bytes.count / 8 + 8)
            out.writeString(status)
            stuffer.transform(bytes, into: &out)
            if stuffer.done || end >= message.size { stuffer.finish(into: &out) }
            return (out, stuffer)
        }) { handler, context, result in
            guard case .success(let (out, stuffer)) = result else {
                // Mid-response there is no way to report an error: end the connection.
                context.close(promise: nil)
                return
            }
            handler.stuffer = stuffer
            if stuffer.done || end >= message.size {
                context.writeAndFlush(handler.wrapOutboundOut(out), promise: nil)
                handler.perform(handler.session.handle(.sent), context: context)
                handler.resume(context: context)
                return
            }
            handler.busy = true
            let bound = NIOLoopBound((handler, context), eventLoop: context.eventLoop)
            context.writeAndFlush(handler.wrapOutboundOut(out)).whenSuccess {
                let (handler, context) = bound.value
                handler.sendChunk(of: message, from: end, maildrop: maildrop, context: context)
            }
        }
    }

    private func resume(context: ChannelHandlerContext) {
        busy = false
        process(context: context)
    }

    /// Runs store work on the blocking pool and continues on the event loop; input waits.
    private func runBlocking<T: Sendable>(
        context: ChannelHandlerContext, _ work: @escaping @Sendable () throws -> T,
        then: @escaping (POP3Handler, ChannelHandlerContext, Result<T, Error>) -> Void
    ) {
        busy = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let continuation = NIOLoopBound(then, eventLoop: context.eventLoop)
        environment.pool.run(on: context.eventLoop, work).whenComplete { result in
            let (handler, context) = bound.value
            continuation.value(handler, context, result)
        }
    }
}
