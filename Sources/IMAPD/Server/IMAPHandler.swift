import Foundation
import Logging
import NIOCore
import NIOSSL
import ServerCore
import Store

/// One IMAP connection: frames the input, feeds the session, and performs its actions:
/// store work on the blocking pool a step at a time (each step's output written before
/// the next runs), logins with their failure delay, STARTTLS, COMPRESS, IDLE keepalives.
final class IMAPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Environment: Sendable {
        var services: IMAPServices
        var pool: BlockingPool
        var throttle: LoginThrottle
        var tls: NIOSSLContext?
    }

    static let idleTimerName = "imap-idle-timer"

    private var session: IMAPSession
    private let environment: Environment
    private var framer: CommandFramer
    /// A store command, a login or a delayed answer is in progress; input waits.
    private var busy = false
    private var closing = false
    private var shutdownRequested = false
    private var accountSlot: String?
    private var addressSlot: String?
    private var keepalive: RepeatedTask?
    /// Closes a connection that has not logged in within the login timeout, however
    /// busily it trickles bytes (a slow-loris client defeats a timeout on silence alone).
    private var loginDeadline: Scheduled<Void>?
    private var forwarder: ChangeCollector?
    /// Commands answered since the output was last flushed (see `process`).
    private var unflushedCommands = 0
    /// Input framed to see whether it could join a chain of jobs (see `chain`) and could
    /// not: the next thing `process` handles.
    private var stashed: CommandFramer.Event?

    init(session: IMAPSession, environment: Environment) {
        self.session = session
        self.environment = environment
        self.framer = CommandFramer(limits: environment.services.settings.limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        forwarder = ChangeCollector {
            loop.execute {
                let (handler, context) = bound.value
                handler.takeChanges(context: context)
            }
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let services = environment.services
        let address = context.channel.remoteAddress?.hostText ?? "unknown"
        guard services.connections.take("address " + address, limit: services.settings.maxConnectionsPerAddress) else {
            write("* BYE [LIMIT] Too many connections from your address\r\n", context: context)
            closing = true
            context.close(promise: nil)
            return
        }
        addressSlot = "address " + address
        environment.services.registry.add(context.channel)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        loginDeadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(services.settings.loginTimeout * 1000))) {
            let (handler, context) = bound.value
            handler.write("* BYE Autologout; login took too long\r\n", context: context)
            handler.closing = true
            context.close(promise: nil)
        }
        perform(session.handle(.connected), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        forwarder?.stopWatching()
        forwarder?.watchAll(nil)
        keepalive?.cancel()
        keepalive = nil
        loginDeadline?.cancel()
        loginDeadline = nil
        if let slot = accountSlot { environment.services.connections.release(slot) }
        if let slot = addressSlot { environment.services.connections.release(slot) }
        accountSlot = nil
        addressSlot = nil
        environment.services.registry.remove(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        framer.append(&incoming)
        process(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // RFC 9051 §5.4: an idle client is logged out with BYE.
            write("* BYE Autologout; idle for too long\r\n", context: context)
            closing = true
            context.close(promise: nil)
            return
        }
        if event is IMAPServer.ShutdownEvent {
            shutdownRequested = true
            if !busy { perform(session.handle(.shutdown), context: context) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        environment.services.logger.debug("IMAP connection error: \(error)")
        context.close(promise: nil)
    }

    /// Feeds collected changes to the session, unless a store command is running: it
    /// takes them itself, in order, before it announces.
    private func takeChanges(context: ChannelHandlerContext) {
        guard !session.running, let forwarder else { return }
        let changes = forwarder.takeChanges()
        let events = forwarder.takeAccountEvents()
        guard !changes.isEmpty || !events.isEmpty else { return }
        var actions: [IMAPSession.Action] = []
        actions += session.handle(.changes(changes))
        if !events.isEmpty { actions += session.handle(.accountEvents(events)) }
        perform(actions, context: context)
    }

    private func process(context: ChannelHandlerContext) {
        while !busy && !closing {
            guard let event = stashed.take() ?? framer.next() else { break }
            perform(session.handle(.input(event)), context: context, flush: false)
        }
        // While the client's next commands are already here (pipelined, as mbsync and
        // header syncs send them) the answers wait and go out together, at the latest
        // after 64 commands, once the input runs dry, or once what waits passes the
        // channel's high-water mark: a thousand pipelined STATUS took a write and a wake-up
        // of the client each. Dovecot corks its output the same way.
        if busy && !closing && (stashed != nil || framer.holdsInput) && unflushedCommands < 64 && context.channel.isWritable {
            unflushedCommands += 1
        } else {
            unflushedCommands = 0
            context.flush()
        }
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: text.utf8.count)
        out.writeString(text)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    private func perform(_ actions: [IMAPSession.Action], context: ChannelHandlerContext, flush: Bool = true) {
        for action in actions {
            switch action {
            case .write(let buffer):
                context.write(wrapOutboundOut(buffer), promise: nil)
            case .run(let job, let tag, let sessionContext):
                busy = true
                runStep(chain(Link(job: job, tag: tag), sessionContext), sessionContext, context: context)
            case .login(let user, let password, let authorize):
                login(user: user, password: password, authorize: authorize, context: context)
            case .startTLS:
                guard let tls = environment.tls else { continue }
                context.flush()
                // Anything sent after STARTTLS came in plaintext: drop it (RFC 9051 §11.1).
                framer.discardAll()
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                    perform(session.handle(.tlsStarted), context: context)
                } catch {
                    context.close(promise: nil)
                }
            case .startCompression:
                startCompression(context: context)
            case .loggedIn:
                loginDeadline?.cancel()
                loginDeadline = nil
                // The deadline to log in gives way to the idle timeout of RFC 9051 §5.4.
                let timeout = environment.services.settings.idleTimeout
                let ops = context.pipeline.syncOperations
                if let old = try? ops.handler(type: IdleStateHandler.self) { _ = ops.removeHandler(old) }
                try? ops.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(timeout))), position: .before(self))
            case .close:
                closing = true
                // Close once what was written (a BYE) has gone out.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
        if flush { context.flush() }
        updateKeepalive(context: context)
    }

    /// A command's job and its tag (none for an announcement the session starts itself).
    struct Link: Sendable {
        var job: any CommandJob
        let tag: String?
    }

    /// `first` and the pipelined commands after it that may run in the same trip to the
    /// pool (`IMAPSession.chained`), at most 32; the first input that may not is kept for
    /// `process`.
    private func chain(_ first: Link, _ sessionContext: SessionContext) -> [Link] {
        var links = [first]
        guard first.tag != nil, first.job.chains else { return links }
        let selected = sessionContext.selected != nil
        while links.count < 32, stashed == nil, let next = framer.next() {
            guard let (job, tag) = session.chained(next, selected: selected) else {
                stashed = next
                break
            }
            links.append(Link(job: job, tag: tag))
        }
        return links
    }

    /// Runs the chain's jobs on the pool one after another, a step at a time, writes
    /// their output, and either runs the next step once that output has gone out, or
    /// ends the chain. A job that must disconnect the session drops the rest. A chain
    /// whose answers reach a step's size stops there like a step, and goes on once
    /// they have been written, so that a client pipelining large answers without reading
    /// them is not buffered for without end.
    ///
    /// A step's output goes into the buffer the step before used, once that has been
    /// written (`reusing`): a FETCH of many messages writes a megabyte a step, and a fresh
    /// buffer each time grew again from 4 KB through pages the kernel had to zero.
    private func runStep(_ chain: [Link], _ sessionContext: SessionContext, reusing previous: ReusedBuffer? = nil,
                         context: ChannelHandlerContext) {
        let services = environment.services
        let allocator = context.channel.allocator
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        environment.pool.run(on: context.eventLoop) { () -> ([Link], SessionContext, ByteBuffer) in
            var chain = chain
            var state = sessionContext
            var out = ResponseEncoder(utf8: state.options.utf8, buffer: previous?.take() ?? allocator.buffer(capacity: 4096))
            out.buffer.clear()
            // A run of STATUS commands has its names looked up together (`lookUpAhead`).
            var lookedAhead = false
            while !chain.isEmpty {
                if chain[0].job is StatusCommand {
                    if !lookedAhead { StatusCommand.lookUpAhead(chain.lazy.map(\.job), &state) }
                    lookedAhead = true
                } else if lookedAhead {
                    state.lookedUp = [:]
                    lookedAhead = false
                }
                guard CommandRunner.step(&chain[0].job, tag: chain[0].tag, session: &state, services: services, out: &out) else { break }
                chain.removeFirst()
                if state.mustDisconnect { chain.removeAll() }
                if out.buffer.readableBytes >= CommandRunner.stepBytes { break }
            }
            state.lookedUp = [:]
            return (chain, state, out.buffer)
        }.whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let (chain, state, output)):
                if chain.isEmpty {
                    context.write(handler.wrapOutboundOut(output), promise: nil)
                    handler.busy = false
                    // `process` below flushes, unless more commands wait.
                    handler.perform(handler.session.handle(.jobFinished(state)), context: context, flush: false)
                    handler.takeChanges(context: context)
                    if handler.shutdownRequested && !handler.busy {
                        handler.perform(handler.session.handle(.shutdown), context: context)
                    }
                    handler.process(context: context)
                } else {
                    let reused = ReusedBuffer(output)
                    context.writeAndFlush(handler.wrapOutboundOut(output)).whenComplete { _ in
                        let (handler, context) = bound.value
                        guard context.channel.isActive else { return }
                        handler.runStep(chain, state, reusing: reused, context: context)
                    }
                }
            case .failure(let error):
                services.logger.error("IMAP: store work could not run: \(error)")
                handler.write("* BYE Server error\r\n", context: context)
                context.close(promise: nil)
            }
        }
    }

    /// A step's written answer, handed to the next step as its only holder: a buffer still
    /// held elsewhere (the closure that passed it on) is not cleared for reuse but replaced
    /// by a fresh one (`ByteBuffer.clear`), which is what `reusing` is there to avoid.
    final class ReusedBuffer: @unchecked Sendable {
        private var buffer: ByteBuffer?
        init(_ buffer: ByteBuffer) { self.buffer = buffer }
        /// The buffer, no longer held here; nil the second time.
        func take() -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }

    private func login(user: String, password: String, authorize: String?, context: ChannelHandlerContext) {
        busy = true
        let services = environment.services
        let throttle = environment.throttle
        let local = context.channel.localAddress?.hostText
        let source = context.channel.remoteAddress?.hostText ?? "unknown"
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        environment.pool.run(on: context.eventLoop) { () -> Result<(AccountRecord, Account), IMAPSession.LoginFailure> in
            do {
                guard let record = try services.store.login(user: user, password: password, authorize: authorize, localAddress: local) else {
                    return .failure(.credentials)
                }
                return .success((record, try services.store.account(record)))
            } catch {
                return .failure(.temporary)
            }
        }.whenComplete { outcome in
            let (handler, context) = bound.value
            let result: Result<SessionContext, IMAPSession.LoginFailure>
            switch outcome {
            case .success(.success(let (record, account))):
                throttle.succeeded(from: source)
                if services.connections.take(record.id, limit: services.settings.maxConnectionsPerAccount) {
                    handler.accountSlot = record.id
                    result = .success(SessionContext(user: record, account: account, options: ClientOptions(), observer: handler.forwarder!))
                } else {
                    result = .failure(.tooManyConnections)
                }
            case .success(.failure(let failure)):
                result = .failure(failure)
            case .failure:
                result = .failure(.temporary)
            }
            if case .failure(.credentials) = result {
                // The delay grows per source address, the same whether or not the account exists.
                let delay = throttle.failed(from: source)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
                    let (handler, context) = bound.value
                    handler.finishLogin(result, context: context)
                }
            } else {
                handler.finishLogin(result, context: context)
            }
        }
    }

    private func finishLogin(_ result: Result<SessionContext, IMAPSession.LoginFailure>, context: ChannelHandlerContext) {
        busy = false
        perform(session.handle(.loginFinished(result)), context: context)
        process(context: context)
    }

    /// RFC 4978 §4: compression starts right after the OK; bytes the client sent after
    /// the command are already compressed.
    private func startCompression(context: ChannelHandlerContext) {
        do {
            let handler = try DeflateHandler()
            context.flush()
            try context.pipeline.syncOperations.addHandler(handler, position: .before(self))
            var leftover = framer.takeBuffered()
            for piece in try handler.inflate(&leftover, allocator: context.channel.allocator) {
                var p = piece
                framer.append(&p)
            }
        } catch {
            environment.services.logger.warning("IMAP: COMPRESS failed: \(error)")
            context.close(promise: nil)
        }
    }

    /// IDLE clients hear `* OK Still here` now and then, so idle NAT mappings stay open.
    private func updateKeepalive(context: ChannelHandlerContext) {
        if session.isIdling, keepalive == nil {
            let interval = TimeAmount.seconds(Int64(environment.services.settings.idleKeepalive))
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            keepalive = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let (handler, context) = bound.value
                handler.perform(handler.session.handle(.idleTick), context: context)
            }
        } else if !session.isIdling, let task = keepalive {
            task.cancel()
            keepalive = nil
        }
    }
}
