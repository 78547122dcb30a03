import ServerCore

/// One POP3 command line (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).
public enum POP3Command: Equatable, Sendable {
    case user(String)
    case pass(String)
    /// AUTH with no mechanism lists the mechanisms (what Outlook sends first).
    case auth(mechanism: String?, initialResponse: String?)
    case capa
    case stls
    case stat
    case list(Int?)
    case uidl(Int?)
    case retr(Int)
    case top(Int, lines: Int)
    case dele(Int)
    case noop
    case rset
    case quit

    public enum ParseError: Error, Equatable {
        case unknownCommand
        case syntax(String)
    }

    /// Parses a line without its CRLF. Keywords are case-insensitive; arguments are
    /// separated by single spaces (RFC 1939 §3). PASS takes the rest of the line, so a
    /// password may contain spaces.
    public static func parse(_ line: String) throws(ParseError) -> POP3Command {
        let keywordEnd = line.firstIndex(of: " ") ?? line.endIndex
        let keyword = line[..<keywordEnd].uppercased()
        let rest = keywordEnd == line.endIndex ? "" : String(line[line.index(after: keywordEnd)...])
        let arguments = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)

        func number(_ text: String) throws(ParseError) -> Int {
            guard let n = Int(text), n >= 0, text.allSatisfy(\.isASCII) else { throw .syntax("'\(ClientText.quoted(text, limit: 20))' is not a number") }
            return n
        }
        func noArguments(_ c: POP3Command) throws(ParseError) -> POP3Command {
            guard arguments.isEmpty else { throw .syntax("\(keyword) takes no arguments") }
            return c
        }
        func optionalMessage() throws(ParseError) -> Int? {
            switch arguments.count {
            case 0: return nil
            case 1: return try number(arguments[0])
            default: throw .syntax("\(keyword) takes at most one message number")
            }
        }

        switch keyword {
        case "USER":
            guard !rest.isEmpty else { throw .syntax("USER needs a name") }
            return .user(rest)
        case "PASS":
            guard !rest.isEmpty else { throw .syntax("PASS needs a password") }
            return .pass(rest)
        case "AUTH":
            guard arguments.count <= 2 else { throw .syntax("AUTH takes a mechanism and an initial response") }
            return .auth(mechanism: arguments.first?.uppercased(), initialResponse: arguments.count == 2 ? arguments[1] : nil)
        case "CAPA": return try noArguments(.capa)
        case "STLS": return try noArguments(.stls)
        case "STAT": return try noArguments(.stat)
        case "NOOP": return try noArguments(.noop)
        case "RSET": return try noArguments(.rset)
        case "QUIT": return try noArguments(.quit)
        case "LIST": return .list(try optionalMessage())
        case "UIDL": return .uidl(try optionalMessage())
        case "RETR", "DELE":
            guard arguments.count == 1 else { throw .syntax("\(keyword) needs a message number") }
            let n = try number(arguments[0])
            return keyword == "RETR" ? .retr(n) : .dele(n)
        case "TOP":
            guard arguments.count == 2 else { throw .syntax("TOP needs a message number and a line count") }
            return .top(try number(arguments[0]), lines: try number(arguments[1]))
        default:
            throw .unknownCommand
        }
    }
}
