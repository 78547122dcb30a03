import Foundation

/// Everything `roost serve` can be told, with a default for each setting. Read from a
/// configuration file of `key = value` lines (`#` starts a comment; a key given twice
/// adds to a list setting), then overridden by command-line flags.
public struct ServerConfiguration: Sendable, Equatable {
    /// The data directory.
    public var data = "./roost-data"
    /// The name the server gives itself in greetings.
    public var hostname = ProcessInfo.processInfo.hostName
    public var lmtp: [ListenAddress] = []
    /// Largest message accepted (LMTP SIZE, IMAP APPENDLIMIT), in bytes.
    public var maxMessageSize: Int = 50 << 20
    /// Threads for store work that blocks.
    public var storeThreads = 16

    public init() {}

    /// The settings a file may hold, each with the line that documents it.
    public static let documentation: [(key: String, help: String)] = [
        ("data", "data directory (default ./roost-data)"),
        ("hostname", "name used in greetings (default: the machine's host name)"),
        ("lmtp", "LMTP listener, address:port or unix:/path/to/socket; repeat for several"),
        ("max_message_size", "largest message accepted, like 50M (default 50M)"),
        ("store_threads", "threads for disk work (default 16)"),
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
        case "lmtp": lmtp += try addresses()
        case "max_message_size": maxMessageSize = try Self.size(value)
        case "store_threads":
            guard let n = Int(value), (1...256).contains(n) else { throw ConfigurationError("store_threads must be 1 to 256") }
            storeThreads = n
        default:
            throw ConfigurationError("unknown setting '\(key)'")
        }
    }

    static func size(_ text: String) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let t = text.uppercased()
        if let last = t.last, let unit = units[last], let n = Int(t.dropLast()), n > 0 { return n * unit }
        if let n = Int(t), n > 0 { return n }
        throw ConfigurationError("'\(text)' is not a size like 50M")
    }

    public var hasListeners: Bool { !lmtp.isEmpty }
}
