import ServerCore

/// One LMTP command line (RFC 2033, with the SMTP grammar of RFC 5321 §4.1).
public enum LMTPCommand: Equatable, Sendable {
    case lhlo(String)
    case mail(from: String, parameters: [String: String])
    case rcpt(to: String, parameters: [String: String])
    case data
    case rset
    case noop
    case quit
    case vrfy(String)
    /// HELO/EHLO: SMTP's greetings, which LMTP replaces with LHLO.
    case smtpGreeting(String)

    public enum ParseError: Error, Equatable {
        case unknownCommand(String)
        case syntax(String)
        /// A path that is not printable US-ASCII or longer than RFC 5321 allows; `sender`
        /// for MAIL FROM, whose refusal has its own enhanced code (RFC 3463 X.1.7 / X.1.3).
        case badPath(sender: Bool)
    }

    /// Parses a command line without its CRLF.
    public static func parse(_ line: String) throws(ParseError) -> LMTPCommand {
        let verbEnd = line.firstIndex(of: " ") ?? line.endIndex
        let verb = line[..<verbEnd].uppercased()
        let rest = line[verbEnd...].drop { $0 == " " }
        switch verb {
        case "LHLO":
            guard !rest.isEmpty else { throw .syntax("LHLO needs a host name") }
            return .lhlo(String(rest))
        case "HELO", "EHLO":
            return .smtpGreeting(verb)
        case "MAIL":
            let (path, parameters) = try pathAndParameters(rest, prefix: "FROM:")
            return .mail(from: path, parameters: parameters)
        case "RCPT":
            let (path, parameters) = try pathAndParameters(rest, prefix: "TO:")
            guard !path.isEmpty else { throw .syntax("RCPT TO needs an address") }
            return .rcpt(to: path, parameters: parameters)
        case "DATA", "RSET", "NOOP", "QUIT":
            // NOOP may carry a string (RFC 5321 §4.1.1.9); the others take none.
            guard rest.isEmpty || verb == "NOOP" else { throw .syntax("\(verb) takes no arguments") }
            switch verb {
            case "DATA": return .data
            case "RSET": return .rset
            case "NOOP": return .noop
            default: return .quit
            }
        case "VRFY":
            return .vrfy(String(rest))
        default:
            throw .unknownCommand(ClientText.quoted(verb, limit: 20))
        }
    }

    /// `FROM:<path> KEY=VALUE ...`: the path without its brackets, and the ESMTP parameters
    /// with upper-case keys.
    private static func pathAndParameters(_ text: Substring, prefix: String) throws(ParseError) -> (String, [String: String]) {
        guard text.uppercased().hasPrefix(prefix) else { throw .syntax("expected \(prefix)<address>") }
        let afterPrefix = text.dropFirst(prefix.count).drop { $0 == " " }
        guard afterPrefix.hasPrefix("<"), let close = afterPrefix.firstIndex(of: ">") else {
            throw .syntax("the address must be in angle brackets")
        }
        var path = afterPrefix[afterPrefix.index(after: afterPrefix.startIndex)..<close]
        // RFC 5321 §4.5.3.1.3: 256 octets with the brackets; §4.1.2: US-ASCII (no SMTPUTF8 here).
        guard path.utf8.count <= 254, path.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .badPath(sender: prefix == "FROM:")
        }
        // A source route (@a,@b:user@host) is ignored, as RFC 5321 §C allows.
        if path.hasPrefix("@"), let colon = path.firstIndex(of: ":") { path = path[path.index(after: colon)...] }
        var parameters: [String: String] = [:]
        for word in afterPrefix[afterPrefix.index(after: close)...].split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
            guard let keyword = parts.first, let first = keyword.utf8.first, first != UInt8(ascii: "-"),
                  keyword.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") })
            else { throw .syntax("ESMTP parameters are keyword=value") }
            parameters[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        return (String(path), parameters)
    }
}

/// A reply line or lines: code, enhanced status code (RFC 3463), text.
public struct LMTPReply: Equatable, Sendable {
    public var code: Int
    public var enhanced: String?
    public var lines: [String]

    public init(_ code: Int, _ enhanced: String?, _ text: String) {
        self.code = code
        self.enhanced = enhanced
        self.lines = [text]
    }

    public init(_ code: Int, lines: [String]) {
        self.code = code
        self.enhanced = nil
        self.lines = lines
    }

    /// The reply as sent: `250-first`, ..., `250 last`, each with CRLF.
    public var encoded: String {
        var out = ""
        for (i, line) in lines.enumerated() {
            let separator = i == lines.count - 1 ? " " : "-"
            out += "\(code)\(separator)\(enhanced.map { "\($0) " } ?? "")\(line)\r\n"
        }
        return out
    }

    public var isPositive: Bool { code < 400 }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
    }
}
