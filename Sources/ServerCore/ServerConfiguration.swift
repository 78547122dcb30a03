import Foundation
import NIOCore
import NIOSSL

/// Everything `roost serve` can be told, with a default for each setting. Read from a
/// configuration file of `key = value` lines (`#` starts a comment; a key given twice
/// adds to a list setting), then overridden by command-line flags.
public struct ServerConfiguration: Sendable, Equatable {
    /// The data directory.
    public var data = "./roost-data"
    /// The name the server gives itself in greetings.
    public var hostname = ProcessInfo.processInfo.hostName
    public var imap: [ListenAddress] = []
    public var imaps: [ListenAddress] = []
    public var pop3: [ListenAddress] = []
    public var pop3s: [ListenAddress] = []
    public var lmtp: [ListenAddress] = []
    /// PEM files for STLS and the implicit-TLS ports.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Where passwords may travel unencrypted: over TLS or loopback (the default), only
    /// over TLS, or anywhere.
    public var plaintextAuth: PlaintextAuth = .tlsOrLoopback
    /// Largest message accepted (LMTP SIZE, IMAP APPENDLIMIT), in bytes.
    public var maxMessageSize: Int = 50 << 20
    /// Threads for store work that blocks.
    public var storeThreads = 16
    /// IMAP sessions one account may have open at once.
    public var maxConnectionsPerAccount = 100
    /// Connections one client address may have open at once.
    public var maxConnectionsPerAddress = 1000
    /// Seconds a connection may stay silent before login.
    public var loginTimeout = 120
    /// Seconds a logged-in IMAP connection may stay silent (RFC 9051 §5.4: at least 30 minutes).
    public var idleTimeout = 31 * 60
    /// Seconds a POP3 connection may stay silent (RFC 1939 §3: the autologout timer is at least 10 minutes).
    public var pop3IdleTimeout = 10 * 60

    public init() {}

    /// The settings a file may hold, each with the line that documents it.
    public static let documentation: [(key: String, help: String)] = [
        ("data", "data directory (default ./roost-data)"),
        ("hostname", "name used in greetings (default: the machine's host name)"),
        ("imap", "IMAP listener with STARTTLS, address:port; repeat for several"),
        ("imaps", "IMAP listener with implicit TLS"),
        ("pop3", "POP3 listener with STLS, address:port; repeat for several"),
        ("pop3s", "POP3 listener with implicit TLS"),
        ("tls_certificate", "PEM certificate chain for TLS"),
        ("tls_key", "PEM private key for TLS"),
        ("plaintext_auth", "tls-or-loopback (default), tls-only, or allow: where passwords may be sent"),
        ("lmtp", "LMTP listener, address:port or unix:/path/to/socket; repeat for several"),
        ("max_message_size", "largest message accepted, like 50M (default 50M)"),
        ("store_threads", "threads for disk work (default 16)"),
        ("max_connections_per_account", "IMAP sessions one account may have at once (default 100)"),
        ("max_connections_per_address", "connections one client address may have at once (default 1000)"),
        ("login_timeout", "seconds a connection has to log in, silent or not, before it is closed (default 120)"),
        ("idle_timeout", "seconds of silence that end a logged-in IMAP connection (default 1860)"),
        ("pop3_idle_timeout", "seconds of silence that end a POP3 connection (default 600)"),
    ]

    /// Reads a configuration file over the defaults.
    public init(file path: String) throws {
        self.init()
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError("cannot read configuration file \(path)")
        }
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigurationError("\(path):\(number + 1): expected key = value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            do {
                try set(key, value)
            } catch let error as ConfigurationError {
                throw ConfigurationError("\(path):\(number + 1): \(error.description)")
            }
        }
    }

    /// Applies one setting, as from a file line.
    public mutating func set(_ key: String, _ value: String) throws {
        func addresses() throws -> [ListenAddress] {
            try value.split(separator: ",").map { try ListenAddress(parsing: $0.trimmingCharacters(in: .whitespaces)) }
        }
        switch key {
        case "data": data = value
        case "hostname": hostname = value
        case "imap": imap += try addresses()
        case "imaps": imaps += try addresses()
        case "pop3": pop3 += try addresses()
        case "pop3s": pop3s += try addresses()
        case "lmtp": lmtp += try addresses()
        case "tls_certificate": tlsCertificate = value
        case "tls_key": tlsKey = value
        case "plaintext_auth":
            guard let p = PlaintextAuth(rawValue: value) else { throw ConfigurationError("plaintext_auth is tls-or-loopback, tls-only or allow") }
            plaintextAuth = p
        case "max_message_size": maxMessageSize = try Self.size(value)
        case "store_threads":
            guard let n = Int(value), (1...256).contains(n) else { throw ConfigurationError("store_threads must be 1 to 256") }
            storeThreads = n
        case "max_connections_per_account": maxConnectionsPerAccount = try Self.count(key, value, 1...100_000)
        case "max_connections_per_address": maxConnectionsPerAddress = try Self.count(key, value, 1...1_000_000)
        case "login_timeout": loginTimeout = try Self.count(key, value, 1...86_400)
        case "idle_timeout": idleTimeout = try Self.count(key, value, 1...86_400)
        case "pop3_idle_timeout": pop3IdleTimeout = try Self.count(key, value, 1...86_400)
        default:
            throw ConfigurationError("unknown setting '\(key)'")
        }
    }

    static func count(_ key: String, _ text: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(text), range.contains(n) else {
            throw ConfigurationError("\(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    static func size(_ text: String) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let t = text.uppercased()
        if let last = t.last, let unit = units[last], let n = Int(t.dropLast()), n > 0 { return n * unit }
        if let n = Int(t), n > 0 { return n }
        throw ConfigurationError("'\(text)' is not a size like 50M")
    }

    public var hasListeners: Bool { !(imap.isEmpty && imaps.isEmpty && pop3.isEmpty && pop3s.isEmpty && lmtp.isEmpty) }

    /// The TLS context for STLS and implicit TLS, when a certificate is configured.
    public func tlsContext() throws -> NIOSSLContext? {
        switch (tlsCertificate, tlsKey) {
        case (nil, nil): return nil
        case (let certificate?, let key?): return try TLSSetup.serverContext(certificate: certificate, key: key)
        default: throw ConfigurationError("tls_certificate and tls_key go together")
        }
    }

    /// Checks the settings make sense together, before anything is bound.
    public func validate() throws {
        if !(pop3s.isEmpty && imaps.isEmpty) && tlsCertificate == nil {
            throw ConfigurationError("implicit-TLS listeners (imaps, pop3s) need tls_certificate and tls_key")
        }
    }
}

public enum PlaintextAuth: String, Sendable {
    case tlsOrLoopback = "tls-or-loopback"
    case tlsOnly = "tls-only"
    case allow

    /// Whether a connection from `remote` may send a password before TLS.
    public func allowsWithoutTLS(from remote: SocketAddress?) -> Bool {
        switch self {
        case .allow: return true
        case .tlsOnly: return false
        case .tlsOrLoopback: return remote.map(PlaintextAuth.isLoopback) ?? false
        }
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return address.pathname != nil }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
