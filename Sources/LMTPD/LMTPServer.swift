import Foundation
import Logging
import NIOCore
import NIOPosix
import ServerCore
import Store

/// The LMTP listeners (TCP and Unix sockets) that Postfix delivers to.
public enum LMTPServer {
    /// Binds every address and returns the bound channels (TCP port 0 gets a free port).
    public static func bind(
        _ addresses: [ListenAddress], store: Store, pool: BlockingPool, group: EventLoopGroup,
        configuration: ServerConfiguration, logger: Logger
    ) async throws -> [Channel] {
        let delivery = Delivery(store: store)
        let limits = LMTPSession.Limits(maxMessageSize: configuration.maxMessageSize)
        let hostname = configuration.hostname
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        LMTPHandler(session: LMTPSession(hostname: hostname, limits: limits), delivery: delivery, pool: pool, logger: logger))
                }
            }
        var channels: [Channel] = []
        for address in addresses {
            switch address {
            case .tcp(let host, let port):
                channels.append(try await bootstrap.bind(host: host, port: port).get())
            case .unix(let path):
                if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
                channels.append(try await bootstrap.bind(unixDomainSocketPath: path).get())
                // Postfix's delivery agent runs as another user; the socket's folder protects it.
                chmod(path, 0o666)
            }
        }
        return channels
    }
}
