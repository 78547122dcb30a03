import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServerCore
import Store

/// The POP3 listeners: 110-style with STLS, 995-style with implicit TLS.
public enum POP3Server {
    public static func bind(
        plain: [ListenAddress], implicitTLS: [ListenAddress], store: Store, pool: BlockingPool, group: EventLoopGroup,
        configuration: ServerConfiguration, tls: NIOSSLContext?, throttle: LoginThrottle, logger: Logger
    ) async throws -> [(String, Channel)] {
        let environment = POP3Handler.Environment(
            service: MaildropService(store: store), pool: pool, throttle: throttle, tls: tls, logger: logger,
            loginTimeout: configuration.loginTimeout)
        let hostname = configuration.hostname
        let plaintext = configuration.plaintextAuth
        let idleTimeout = TimeAmount.seconds(Int64(configuration.pop3IdleTimeout))
        func bootstrap(implicit: Bool) -> ServerBootstrap {
            ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let settings = POP3Session.Settings(
                            tlsAvailable: tls != nil && !implicit, plaintextAllowedWithoutTLS: plaintext.allowsWithoutTLS(from: channel.remoteAddress))
                        let ops = channel.pipeline.syncOperations
                        if implicit, let tls { try ops.addHandler(NIOSSLServerHandler(context: tls)) }
                        try ops.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                        try ops.addHandler(POP3Handler(
                            session: POP3Session(hostname: hostname, settings: settings, tlsActive: implicit), environment: environment))
                    }
                }
        }
        var channels: [(String, Channel)] = []
        for (kind, addresses, implicit) in [("pop3", plain, false), ("pop3s", implicitTLS, true)] {
            for address in addresses {
                guard case .tcp(let host, let port) = address else {
                    throw ConfigurationError("POP3 listens on TCP addresses, not \(address)")
                }
                channels.append((kind, try await bootstrap(implicit: implicit).bind(host: host, port: port).get()))
            }
        }
        return channels
    }
}
