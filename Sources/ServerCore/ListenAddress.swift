import NIOCore

/// Where a listener accepts connections: `127.0.0.1:1143`, `[::1]:143`, `0.0.0.0:24`,
/// or `unix:/run/roost/lmtp.sock`.
public enum ListenAddress: Hashable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    public init(parsing text: String) throws {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ConfigurationError("'\(text)' names no socket path") }
            self = .unix(path: path)
            return
        }
        var host: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError("'\(text)' is not [address]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConfigurationError("'\(text)' is not address:port") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        if host.isEmpty || host == "*" { host = "0.0.0.0" }
        guard let p = Int(port), (0...65535).contains(p) else { throw ConfigurationError("'\(text)' has no valid port") }
        self = .tcp(host: String(host), port: p)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension SocketAddress {
    /// The address as domain bindings name it: "192.0.2.1" or "::1", without a port.
    public var hostText: String? {
        switch self {
        case .v4, .v6: return ipAddress
        default: return nil
        }
    }
}
