import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServerCore
import Store

/// The IMAP listeners: 143-style with STARTTLS, 993-style with implicit TLS.
public enum IMAPServer {
    /// Sent down every connection's pipeline when the server stops.
    struct ShutdownEvent {}

    public static func bind(
        plain: [ListenAddress], implicitTLS: [ListenAddress], services: IMAPServices, pool: BlockingPool, group: EventLoopGroup,
        tls: NIOSSLContext?, throttle: LoginThrottle, plaintextAuth: PlaintextAuth
    ) async throws -> [(String, Channel)] {
        let environment = IMAPHandler.Environment(services: services, pool: pool, throttle: throttle, tls: tls)
        let settings = services.settings
        func bootstrap(implicit: Bool) -> ServerBootstrap {
            ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sessionSettings = IMAPSession.Settings(
                            hostname: settings.hostname, appendLimit: settings.appendLimit, tlsAvailable: tls != nil && !implicit,
                            plaintextAllowedWithoutTLS: plaintextAuth.allowsWithoutTLS(from: channel.remoteAddress))
                        let ops = channel.pipeline.syncOperations
                        if implicit, let tls { try ops.addHandler(NIOSSLServerHandler(context: tls)) }
                        try ops.addHandler(IMAPHandler(session: IMAPSession(settings: sessionSettings, tlsActive: implicit), environment: environment))
                    }
                }
        }
        var channels: [(String, Channel)] = []
        for (kind, addresses, implicit) in [("imap", plain, false), ("imaps", implicitTLS, true)] {
            for address in addresses {
                guard case .tcp(let host, let port) = address else {
                    throw ConfigurationError("IMAP listens on TCP addresses, not \(address)")
                }
                channels.append((kind, try await bootstrap(implicit: implicit).bind(host: host, port: port).get()))
            }
        }
        return channels
    }

    /// Tells every open connection the server is stopping: commands in progress finish,
    /// then each gets `* BYE` (IDLE clients at once). Waits up to `grace` for them to close.
    public static func closeConnections(_ services: IMAPServices, grace: TimeAmount = .seconds(10)) async {
        let open = services.registry.all()
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(ShutdownEvent()) }
        let deadline = NIODeadline.now() + grace
        for channel in open {
            let remaining = deadline - NIODeadline.now()
            guard remaining > .zero else { channel.close(promise: nil); continue }
            let closed = channel.closeFuture
            let timer = channel.eventLoop.scheduleTask(in: remaining) { channel.close(promise: nil) }
            try? await closed.get()
            timer.cancel()
        }
    }
}

/// The open connections of a server.
final class ChannelRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: Channel] = [:]

    func add(_ channel: Channel) { lock.withLock { channels[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: Channel) { lock.withLock { _ = channels.removeValue(forKey: ObjectIdentifier(channel)) } }
    func all() -> [Channel] { lock.withLock { Array(channels.values) } }
}
