import ArgumentParser
import CMalloc
import Foundation
import IMAPD
import LMTPD
import POPD
import Logging
import NIOCore
import NIOPosix
import ServerCore
import ServiceLifecycle
import Store

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server.",
        discussion: """
            Listeners come from --config FILE and the flags; a listener not named is not opened. \
            With none named at all, roost serves a demo: it creates domain example.com and account \
            demo@example.com (password demo) if the data directory has no domain, and listens on \
            loopback ports it prints (IMAP 127.0.0.1:1143, POP3 127.0.0.1:1110, LMTP 127.0.0.1:2424). SIGTERM or \
            SIGINT stop it gracefully.
            """)

    @Option(help: ArgumentHelp("The data directory (default: the configuration's, $ROOST_DATA, else ./roost-data).", valueName: "dir"))
    var data: String?
    @Option(help: "A configuration file of key = value lines (see README).") var config: String?
    @Option(help: ArgumentHelp("An IMAP listener with STARTTLS: address:port (repeatable).", valueName: "address"))
    var imap: [String] = []
    @Option(help: ArgumentHelp("An IMAP listener with implicit TLS (repeatable; needs a certificate).", valueName: "address"))
    var imaps: [String] = []
    @Option(help: ArgumentHelp("A POP3 listener with STLS: address:port (repeatable).", valueName: "address"))
    var pop3: [String] = []
    @Option(help: ArgumentHelp("A POP3 listener with implicit TLS (repeatable; needs a certificate).", valueName: "address"))
    var pop3s: [String] = []
    @Option(help: ArgumentHelp("An LMTP listener: address:port or unix:/path (repeatable).", valueName: "address"))
    var lmtp: [String] = []
    @Option(help: ArgumentHelp("PEM certificate chain for TLS.", valueName: "file")) var tlsCertificate: String?
    @Option(help: ArgumentHelp("PEM private key for TLS.", valueName: "file")) var tlsKey: String?

    func run() async throws {
        do {
            try await serve()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("roost: \(error.description)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("roost: \(error)\n".utf8))
            throw ExitCode(75)
        } catch let error as IOError {
            FileHandle.standardError.write(Data("roost: \(error.description)\n".utf8))
            throw ExitCode(71)  // EX_OSERR: a port taken, a socket path not writable
        }
    }

    private func serve() async throws {
        RoostServer.raiseDescriptorLimit()
        RoostServer.keepLargeBuffers()
        var settings = try config.map { try ServerConfiguration(file: $0) } ?? ServerConfiguration()
        if let data {
            settings.data = data
        } else if config == nil, let env = ProcessInfo.processInfo.environment["ROOST_DATA"], !env.isEmpty {
            settings.data = env
        }
        for address in imap { try settings.set("imap", address) }
        for address in imaps { try settings.set("imaps", address) }
        for address in pop3 { try settings.set("pop3", address) }
        for address in pop3s { try settings.set("pop3s", address) }
        for address in lmtp { try settings.set("lmtp", address) }
        if let tlsCertificate { try settings.set("tls_certificate", tlsCertificate) }
        if let tlsKey { try settings.set("tls_key", tlsKey) }
        let demo = !settings.hasListeners
        if demo {
            try settings.set("imap", "127.0.0.1:1143")
            try settings.set("pop3", "127.0.0.1:1110")
            try settings.set("lmtp", "127.0.0.1:2424")
        }
        try settings.validate()
        _ = try settings.tlsContext()

        let store = try Store(root: settings.data)
        if demo { try DemoSetup.prepare(store) }
        var logger = Logger(label: "roost")
        logger.logLevel = .info
        let server = RoostServer(store: store, settings: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// A fresh data directory gets something to log in to.
enum DemoSetup {
    static func prepare(_ store: Store) throws {
        guard try store.directory.domains().isEmpty else { return }
        _ = try store.directory.addDomain("example.com", main: true)
        try store.createAccount(try AccountName(parsing: "demo@example.com"), passwordHash: try Password.hash("demo"))
        FileHandle.standardOutput.write(Data("demo: created domain example.com and account demo@example.com with password 'demo'\n".utf8))
    }
}

/// All listeners as one service: binds them, says where they listen, and on graceful
/// shutdown stops accepting and closes them.
struct RoostServer: Service {
    let store: Store
    let settings: ServerConfiguration
    let logger: Logger

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let pool = BlockingPool(threads: settings.storeThreads)
        let throttle = LoginThrottle()
        var channels: [(String, Channel)] = []
        var imapSettings = IMAPSettings(hostname: settings.hostname, appendLimit: settings.maxMessageSize)
        imapSettings.maxConnectionsPerAccount = settings.maxConnectionsPerAccount
        imapSettings.maxConnectionsPerAddress = settings.maxConnectionsPerAddress
        imapSettings.loginTimeout = Double(settings.loginTimeout)
        imapSettings.idleTimeout = Double(settings.idleTimeout)
        let imapServices = IMAPServices(store: store, settings: imapSettings, logger: logger)
        do {
            let tls = try settings.tlsContext()
            channels += try await IMAPServer.bind(
                plain: settings.imap, implicitTLS: settings.imaps, services: imapServices, pool: pool, group: group,
                tls: tls, throttle: throttle, plaintextAuth: settings.plaintextAuth)
            channels += try await POP3Server.bind(
                plain: settings.pop3, implicitTLS: settings.pop3s, store: store, pool: pool, group: group,
                configuration: settings, tls: tls, throttle: throttle, logger: logger)
            for c in try await LMTPServer.bind(settings.lmtp, store: store, pool: pool, group: group, configuration: settings, logger: logger) {
                channels.append(("lmtp", c))
            }
        } catch {
            for (_, c) in channels { try? await c.close() }
            try? await pool.shutdown()
            throw error
        }
        var lines = ["roost serving data directory \(settings.data)"]
        for (kind, channel) in channels {
            lines.append("\(kind) listening on \(Self.describe(channel.localAddress))")
        }
        announce(lines)
        // Changes another process (a `roost deliver`, an import) makes reach open sessions.
        let loop = group.next()
        let poll = loop.scheduleRepeatedTask(initialDelay: .milliseconds(500), delay: .milliseconds(500)) { _ in
            _ = pool.run(on: loop) { store.pollExternalChanges() }
        }
        let signals = ChangeSignal.listen(data: settings.data) { id in
            _ = pool.run(on: loop) { store.pollExternalChanges(accountID: id) }
        }
        let listening = channels
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                for (_, channel) in listening {
                    tasks.addTask { try? await channel.closeFuture.get() }
                }
            }
        } onGracefulShutdown: {
            for (_, channel) in listening { channel.close(promise: nil) }
        }
        poll.cancel()
        signals?.stop()
        // Commands in flight finish; then every IMAP client hears BYE.
        await IMAPServer.closeConnections(imapServices)
        try? await pool.shutdown()
        announce(["roost stopped"])
    }

    /// Prints straight to the file descriptor, so scripts and tests reading a pipe see it at once.
    private func announce(_ lines: [String]) {
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "?" }
        switch address {
        case .unixDomainSocket: return "unix:\(address.pathname ?? "?")"
        default:
            let host = address.ipAddress ?? "?"
            return host.contains(":") ? "[\(host)]:\(address.port ?? 0)" : "\(host):\(address.port ?? 0)"
        }
    }

    /// Every connection holds a descriptor: take all the system lets this process have
    /// (the soft limit is often 1024, far below what 10,000 IDLE clients need).
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// A FETCH step writes about a megabyte of answer into a fresh buffer. By default glibc
    /// maps each such buffer from the kernel and unmaps it when freed, so every step paid
    /// for zeroed pages again (a tenth of FETCH BODY[]'s time in a profile); kept in the
    /// heap, they are reused.
    static func keepLargeBuffers() {
        _ = mallopt(M_MMAP_THRESHOLD, 8 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 32 << 20)
    }
}
