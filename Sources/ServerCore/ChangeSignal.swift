import Foundation
import NIOCore
import NIOPosix
import Store

/// How other roost processes (`roost deliver`, imports) tell a running server at once that
/// an account changed, so IDLE clients hear of it without waiting for the next poll: a
/// datagram naming the account id on a Unix socket in the data directory.
public enum ChangeSignal {
    /// sockaddr_un holds at most 107 bytes of path; a longer data directory falls back to polling.
    static let maxPath = 107

    public static func socketPath(data: String) -> String { data + "/changes.sock" }

    /// Tells a server on `data` that `accountID` changed. Nothing happens when no server listens.
    public static func send(accountID: String, data: String) {
        let path = socketPath(data: data)
        guard path.utf8.count <= maxPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let payload = Array(accountID.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
    }

    /// Listens on `data`'s socket and calls `changed` with each account id heard.
    /// Nil when the path is too long for a Unix socket.
    public static func listen(data: String, group: EventLoopGroup, changed: @escaping @Sendable (String) -> Void) async throws -> Channel? {
        let path = socketPath(data: data)
        guard path.utf8.count <= maxPath else { return nil }
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SignalHandler(changed: changed)) }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        // Deliveries may run as another user than the server.
        chmod(path, 0o666)
        return channel
    }

    final class SignalHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let changed: @Sendable (String) -> Void

        init(changed: @escaping @Sendable (String) -> Void) { self.changed = changed }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let id = String(buffer: envelope.data)
            // Account ids are short random tokens; anything else is noise.
            if !id.isEmpty, id.utf8.count <= 64 { changed(id) }
        }
    }
}
