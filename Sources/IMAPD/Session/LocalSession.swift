import Foundation
import NIOCore
import Store

/// An IMAP session without a connection: command lines in, the server's response bytes
/// out, through the same state machine and commands a connection uses. For benchmarks
/// and tools that want the protocol cost without the network.
public struct LocalSession {
    private var session: IMAPSession
    private let services: IMAPServices

    /// A session logged in as `user`.
    public init(services: IMAPServices, user: AccountRecord) throws {
        self.services = services
        session = IMAPSession(settings: .init(hostname: services.settings.hostname, appendLimit: services.settings.appendLimit,
                                              tlsAvailable: false, plaintextAllowedWithoutTLS: true), tlsActive: true)
        _ = session.handle(.connected)
        _ = session.handle(.input(.command(ByteBuffer(string: "0 LOGIN local local"))))
        let context = SessionContext(user: user, account: try services.store.account(user), options: ClientOptions(),
                                     observer: ChangeCollector())
        _ = session.handle(.loginFinished(.success(context)))
    }

    /// Runs one command line (a literal, if any, inline) and returns everything answered.
    public mutating func run(_ line: String) -> ByteBuffer {
        var output = ByteBuffer()
        var pending = session.handle(.input(.command(ByteBuffer(string: line))))
        while !pending.isEmpty {
            switch pending.removeFirst() {
            case .write(var bytes):
                output.writeBuffer(&bytes)
            case .run(var job, let tag, var context):
                var out = ResponseEncoder(utf8: context.options.utf8)
                while !CommandRunner.step(&job, tag: tag, session: &context, services: services, out: &out) {}
                output.writeBuffer(&out.buffer)
                pending += session.handle(.jobFinished(context))
                let changes = context.observer.takeChanges()
                pending += session.handle(.changes(changes))
            case .login, .startTLS, .startCompression, .loggedIn, .close:
                continue
            }
        }
        return output
    }
}
