import NIOCore
import Store

/// Why a command could not be read; the session answers `tag BAD <message>`.
public struct ParseError: Error, Equatable, Sendable {
    public var message: String
    /// The tag, when the line had a readable one.
    public var tag: String?
    /// The response code the BAD carries, when one says more than the text (`[LIMIT]`).
    public var code: ResponseCode?
    public init(_ message: String, tag: String? = nil, code: ResponseCode? = nil) {
        self.message = message
        self.tag = tag
        self.code = code
    }
}

/// Reads one complete command (as `CommandFramer` delivers it: lines and literals, no
/// final line end) into a `TaggedCommand`. Pure: bytes in, value or error out.
public struct CommandParser {
    /// Deepest nesting of parentheses in a SEARCH program.
    static let maxDepth = 64

    let bytes: UnsafeRawBufferPointer
    var index = 0
    var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses a whole command. Errors carry the tag when it could be read.
    public static func parse(_ buffer: ByteBuffer) -> Result<TaggedCommand, ParseError> {
        buffer.withUnsafeReadableBytes { raw in
            var parser = CommandParser(raw)
            return parser.command()
        }
    }

    public static func parse(_ text: String) -> Result<TaggedCommand, ParseError> {
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return parse(buffer)
    }

    mutating func command() -> Result<TaggedCommand, ParseError> {
        let tag: String
        do {
            tag = try self.tag()
            try space()
        } catch let e as ParseError {
            return .failure(e)
        } catch {
            return .failure(ParseError("Invalid command"))
        }
        do {
            let command = try commandBody()
            guard atEnd else { throw ParseError("Unexpected characters after the command") }
            return .success(TaggedCommand(tag: tag, command: command))
        } catch var e as ParseError {
            e.tag = tag
            return .failure(e)
        } catch {
            return .failure(ParseError("Invalid command", tag: tag))
        }
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">`
    mutating func tag() throws -> String {
        let start = index
        while let b = peek(), b.isAStringChar, b != UInt8(ascii: "+") { index += 1 }
        guard index > start else { throw ParseError("Missing or invalid tag") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func commandBody() throws -> Command {
        let name = try atom().uppercased()
        switch name {
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "STARTTLS": return .startTLS
        case "ID": return try id()
        case "AUTHENTICATE": return try authenticate()
        case "LOGIN":
            try space()
            let user = try astring()
            try space()
            return .login(user: user, password: try astring())
        case "ENABLE":
            var names: [String] = []
            repeat {
                try space()
                names.append(try atom())
            } while peek() == .space
            return .enable(names)
        case "SELECT", "EXAMINE":
            try space()
            let mailbox = try self.mailbox()
            let parameters = try selectParameters()
            return name == "SELECT" ? .select(mailbox, parameters) : .examine(mailbox, parameters)
        case "CREATE": return try create()
        case "DELETE":
            try space()
            return .delete(try mailbox())
        case "RENAME":
            try space()
            let from = try mailbox()
            try space()
            return .rename(from, try mailbox())
        case "SUBSCRIBE":
            try space()
            return .subscribe(try mailbox())
        case "UNSUBSCRIBE":
            try space()
            return .unsubscribe(try mailbox())
        case "LIST": return .list(try list(xlist: false))
        case "XLIST": return .list(try list(xlist: true))
        case "LSUB":
            try space()
            let reference = try mailbox()
            try space()
            return .lsub(reference: reference, pattern: try listMailbox())
        case "NAMESPACE": return .namespace
        case "STATUS": return try status()
        case "APPEND": return try append()
        case "IDLE": return .idle
        case "COMPRESS":
            try space()
            return .compress(try atom().uppercased())
        case "CHECK": return .check
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "SEARCH": return .search(try search(), uid: false)
        case "SORT": return .sort(try sort(), uid: false)
        case "THREAD": return .thread(try thread(), uid: false)
        case "FETCH": return try fetch(uid: false)
        case "STORE": return try store(uid: false)
        case "COPY", "MOVE":
            try space()
            let set = try sequenceSet()
            try space()
            let target = try mailbox()
            return name == "COPY" ? .copy(set, target, uid: false) : .move(set, target, uid: false)
        case "UID": return try uidCommand()
        case "SETACL":
            try space()
            let mailbox = try self.mailbox()
            try space()
            let identifier = try astring()
            try space()
            return .setACL(mailbox, identifier: identifier, rights: try astring())
        case "DELETEACL":
            try space()
            let mailbox = try self.mailbox()
            try space()
            return .deleteACL(mailbox, identifier: try astring())
        case "GETACL":
            try space()
            return .getACL(try mailbox())
        case "LISTRIGHTS":
            try space()
            let mailbox = try self.mailbox()
            try space()
            return .listRights(mailbox, identifier: try astring())
        case "MYRIGHTS":
            try space()
            return .myRights(try mailbox())
        case "NOTIFY": return try notify()
        case "GETMETADATA": return try getMetadata()
        case "SETMETADATA": return try setMetadata()
        case "GETQUOTA":
            try space()
            return .getQuota(root: try astring())
        case "GETQUOTAROOT":
            try space()
            return .getQuotaRoot(try mailbox())
        case "SETQUOTA":
            // RFC 9208 §4.3: `SETQUOTA root (resource limit ...)`; read whole, refused after.
            try space()
            let root = try astring()
            try space()
            try expect(.openParen)
            while peek() != .closeParen {
                _ = try atom()
                try space()
                _ = try number64()
                if peek() == .space { index += 1 }
            }
            index += 1
            return .setQuota(root: root)
        default:
            throw ParseError("Unknown command \(name.prefix(40))")
        }
    }

    mutating func uidCommand() throws -> Command {
        try space()
        let name = try atom().uppercased()
        switch name {
        case "FETCH": return try fetch(uid: true)
        case "STORE": return try store(uid: true)
        case "SEARCH": return .search(try search(), uid: true)
        case "SORT": return .sort(try sort(), uid: true)
        case "THREAD": return .thread(try thread(), uid: true)
        case "COPY", "MOVE":
            try space()
            let set = try sequenceSet()
            try space()
            let target = try mailbox()
            return name == "COPY" ? .copy(set, target, uid: true) : .move(set, target, uid: true)
        case "EXPUNGE":
            try space()
            return .uidExpunge(try sequenceSet())
        default:
            throw ParseError("Unknown UID command \(name.prefix(40))")
        }
    }

    /// RFC 2971: `ID ("name" "value" ...)` or `ID NIL`.
    mutating func id() throws -> Command {
        try space()
        if try nilOrOpen() { return .id(nil) }
        var fields: [IDField] = []
        if peek() == .closeParen {
            index += 1
            return .id([])
        }
        while true {
            let name = String(decoding: try string(), as: UTF8.self)
            try space()
            let value = try nstring().map { String(decoding: $0, as: UTF8.self) }
            guard fields.count < 30 else { throw ParseError("Too many ID fields") }
            fields.append(IDField(name: name, value: value))
            if peek() == .closeParen {
                index += 1
                return .id(fields)
            }
            try space()
        }
    }

    /// `AUTHENTICATE mechanism [SP (base64 / "=")]` (RFC 4959 SASL-IR).
    mutating func authenticate() throws -> Command {
        try space()
        let mechanism = try atom().uppercased()
        guard peek() == .space else { return .authenticate(mechanism: mechanism, initialResponse: nil) }
        index += 1
        let start = index
        while let b = peek(), b.isBase64 || b == UInt8(ascii: "=") { index += 1 }
        guard index > start else { throw ParseError("Invalid initial response") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if text == "=" { return .authenticate(mechanism: mechanism, initialResponse: []) }
        guard let decoded = Base64.decode(text) else { throw ParseError("Invalid base64 in the initial response") }
        return .authenticate(mechanism: mechanism, initialResponse: decoded)
    }

    mutating func selectParameters() throws -> SelectParameters {
        var parameters = SelectParameters()
        guard peek() == .space else { return parameters }
        index += 1
        try expect(.openParen)
        if peek() == .closeParen {
            index += 1
            return parameters
        }
        while true {
            let name = try atom().uppercased()
            switch name {
            case "CONDSTORE": parameters.condstore = true
            case "QRESYNC":
                try space()
                parameters.qresync = try qresyncParameters()
            default: throw ParseError("Unknown SELECT parameter \(name.prefix(40))")
            }
            if peek() == .closeParen {
                index += 1
                return parameters
            }
            try space()
        }
    }

    /// `"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"`
    /// (RFC 7162 §3.2.5, §7).
    mutating func qresyncParameters() throws -> QResyncParameters {
        try expect(.openParen)
        let validity = try number()
        guard validity > 0 else { throw ParseError("UIDVALIDITY must not be 0") }
        try space()
        let modSeq = try number64()
        guard modSeq > 0 else { throw ParseError("The mod-sequence must not be 0") }
        var parameters = QResyncParameters(uidValidity: validity, modSeq: modSeq)
        if peek() == .space {
            index += 1
            if peek() != .openParen {
                let known = try sequenceSet()
                guard !known.isSavedResult, !known.mentionsStar else { throw ParseError("Known UIDs must be numbers") }
                parameters.knownUIDs = known
                if peek() == .space { index += 1 }
            }
            if peek() == .openParen {
                index += 1
                let sequences = try sequenceSet()
                try space()
                let uids = try sequenceSet()
                try expect(.closeParen)
                guard !sequences.isSavedResult, !uids.isSavedResult, !sequences.mentionsStar, !uids.mentionsStar,
                      Self.size(of: sequences) == Self.size(of: uids) else {
                    throw ParseError("The sequence match data must pair as many numbers as UIDs")
                }
                parameters.sequenceMatch = .init(sequences: sequences, uids: uids)
            }
        }
        try expect(.closeParen)
        return parameters
    }

    private static func size(of set: SequenceSet) -> Int {
        set.resolved(star: 0).reduce(0) { $0 + $1.count }
    }

    /// `CREATE mailbox [SP "(" "USE" SP "(" use-attr... ")" ")"]` (RFC 6154 §3).
    mutating func create() throws -> Command {
        try space()
        let mailbox = try self.mailbox()
        var uses: [String] = []
        if peek() == .space {
            index += 1
            try expect(.openParen)
            while true {
                let name = try atom().uppercased()
                guard name == "USE" else { throw ParseError("Unknown CREATE parameter \(name.prefix(40))") }
                try space()
                try expect(.openParen)
                while true {
                    try expect(.backslash)
                    uses.append("\\" + (try atom()))
                    if peek() == .closeParen { index += 1; break }
                    try space()
                }
                if peek() == .closeParen { index += 1; break }
                try space()
            }
        }
        return .create(mailbox, specialUse: uses)
    }

    mutating func status() throws -> Command {
        try space()
        let mailbox = try self.mailbox()
        try space()
        return .status(mailbox, try statusAttributes())
    }

    mutating func statusAttributes() throws -> [StatusAttribute] {
        try expect(.openParen)
        var attributes: [StatusAttribute] = []
        while true {
            let name = try atom().uppercased()
            guard let attribute = StatusAttribute(rawValue: name) else { throw ParseError("Unknown STATUS item \(name.prefix(40))") }
            attributes.append(attribute)
            if peek() == .closeParen {
                index += 1
                return attributes
            }
            try space()
        }
    }

    // MARK: Primitives

    var atEnd: Bool { index >= bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func peek(at offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else {
            throw ParseError("Expected '\(Character(Unicode.Scalar(byte)))'\(atEnd ? " at the end" : "")")
        }
        index += 1
    }

    mutating func space() throws {
        guard peek() == .space else { throw ParseError(atEnd ? "Missing arguments" : "Expected a space") }
        index += 1
    }

    /// Consumes `word` (any case) when it comes next.
    mutating func take(_ word: String) -> Bool {
        let w = word.utf8
        guard bytes.count - index >= w.count else { return false }
        var i = index
        for c in w {
            guard bytes[i].asciiUppercased == c else { return false }
            i += 1
        }
        index = i
        return true
    }

    /// True when `NIL` came (and was consumed); otherwise consumes the "(" that must come.
    mutating func nilOrOpen() throws -> Bool {
        if take("NIL") { return true }
        try expect(.openParen)
        return false
    }

    /// `1*ATOM-CHAR`
    mutating func atom() throws -> String {
        let start = index
        while let b = peek(), b.isAtomChar { index += 1 }
        guard index > start else { throw ParseError(atEnd ? "Missing arguments" : "Expected an atom") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func number() throws -> UInt32 {
        let value = try number64()
        guard value <= UInt64(UInt32.max) else { throw ParseError("Number too large") }
        return UInt32(value)
    }

    mutating func nzNumber() throws -> UInt32 {
        let n = try number()
        guard n > 0 else { throw ParseError("Zero is not allowed here") }
        return n
    }

    /// `number64` (RFC 9051): up to 2^63 - 1.
    mutating func number64() throws -> UInt64 {
        let start = index
        var value: UInt64 = 0
        while let b = peek(), b.isDigit {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2, s <= UInt64(Int64.max) else { throw ParseError("Number too large") }
            value = s
            index += 1
        }
        guard index > start else { throw ParseError("Expected a number") }
        return value
    }

    /// `astring = 1*ASTRING-CHAR / string`
    mutating func astring() throws -> [UInt8] {
        if startsString {
            return try string()
        }
        let start = index
        while let b = peek(), b.isAStringChar || b >= 0x80 { index += 1 }
        guard index > start else { throw ParseError(atEnd ? "Missing arguments" : "Expected a string") }
        return Array(bytes[start..<index])
    }

    /// Whether a quoted string or a literal comes next; a `~` starts one only before `{`
    /// (literal8), otherwise it is an ordinary character (`~alice/INBOX`).
    var startsString: Bool {
        guard let b = peek() else { return false }
        return b == .quote || b == .openBrace || (b == .tilde && peek(at: 1) == .openBrace)
    }

    mutating func nstring() throws -> [UInt8]? {
        if take("NIL") { return nil }
        return try string()
    }

    /// `string = quoted / literal` (a `literal8` too, where binary is allowed).
    mutating func string() throws -> [UInt8] {
        switch peek() {
        case .quote: return try quoted()
        case .openBrace:
            return Array(bytes[try literal()])
        case .tilde where peek(at: 1) == .openBrace:
            return Array(bytes[try literal()])
        default: throw ParseError(atEnd ? "Missing arguments" : "Expected a string")
        }
    }

    /// A quoted string; 8-bit bytes are taken as UTF-8 (RFC 9051 `utf8-quoted`).
    mutating func quoted() throws -> [UInt8] {
        try expect(.quote)
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw ParseError("Unterminated quoted string") }
            index += 1
            switch b {
            case .quote: return out
            case .backslash:
                guard let next = peek(), next == .quote || next == .backslash else {
                    throw ParseError("Invalid escape in a quoted string")
                }
                out.append(next)
                index += 1
            case .cr, .lf, 0: throw ParseError("Invalid character in a quoted string")
            default: out.append(b)
            }
        }
    }

    /// `{n}CRLF`, `{n+}CRLF` or `~{n}CRLF` and the n bytes after it; returns where the bytes lie.
    mutating func literal() throws -> Range<Int> {
        if peek() == .tilde { index += 1 }
        try expect(.openBrace)
        let count = try number64()
        if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
        try expect(.closeBrace)
        try expect(.cr)
        try expect(.lf)
        guard UInt64(bytes.count - index) >= count else { throw ParseError("Literal shorter than announced") }
        let start = index
        index += Int(count)
        return start..<index
    }

    mutating func mailbox() throws -> MailboxName {
        MailboxName(try astring())
    }

    /// `list-mailbox = 1*list-char / string`: an astring that may hold `%` and `*`.
    mutating func listMailbox() throws -> MailboxName {
        if startsString {
            return MailboxName(try string())
        }
        let start = index
        while let b = peek(), b.isAStringChar || b == UInt8(ascii: "%") || b == UInt8(ascii: "*") || b >= 0x80 { index += 1 }
        guard index > start else { throw ParseError("Expected a mailbox pattern") }
        return MailboxName(Array(bytes[start..<index]))
    }

    /// `sequence-set` (RFC 9051 §9) or `$` (RFC 5182).
    mutating func sequenceSet() throws -> SequenceSet {
        if peek() == UInt8(ascii: "$") {
            index += 1
            return .savedResult
        }
        var ranges: [SequenceSet.Range] = []
        while true {
            let first = try sequenceBound()
            var last = first
            if peek() == UInt8(ascii: ":") {
                index += 1
                last = try sequenceBound()
            }
            guard ranges.count < 100_000 else { throw ParseError("Sequence set too long") }
            ranges.append(SequenceSet.Range(first, last))
            guard peek() == UInt8(ascii: ",") else { return SequenceSet(ranges: ranges) }
            index += 1
        }
    }

    mutating func sequenceBound() throws -> SequenceSet.Bound {
        if peek() == UInt8(ascii: "*") {
            index += 1
            return .star
        }
        guard let b = peek(), b.isDigit else { throw ParseError("Invalid sequence set") }
        return .number(try nzNumber())
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    mutating func flagList() throws -> [Flag] {
        try expect(.openParen)
        var flags: [Flag] = []
        if peek() == .closeParen {
            index += 1
            return flags
        }
        while true {
            flags.append(try flag())
            if peek() == .closeParen {
                index += 1
                return flags
            }
            try space()
        }
    }

    mutating func flag() throws -> Flag {
        if peek() == .backslash {
            index += 1
            let name = "\\" + (try atom())
            if name.lowercased() == "\\recent" { return .recent }
            if let system = SystemFlags(name: name) { return .system(system) }
            return .unknownSystem(name)
        }
        return .keyword(try atom())
    }

    /// `date = date-text / DQUOTE date-text DQUOTE`, `date-text = date-day "-" date-month "-" date-year`;
    /// returns days since 1970.
    mutating func date() throws -> Int {
        let quotedDate = peek() == .quote
        if quotedDate { index += 1 }
        let day = try digits(1...2)
        try expect(UInt8(ascii: "-"))
        let month = try monthName()
        try expect(UInt8(ascii: "-"))
        let year = try digits(4...4)
        if quotedDate { try expect(.quote) }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid else { throw ParseError("Invalid date") }
        return date.daysSince1970
    }

    /// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`;
    /// returns seconds since 1970 UTC.
    mutating func dateTime() throws -> Int64 {
        try expect(.quote)
        if peek() == .space { index += 1 }
        let day = try digits(1...2)
        try expect(UInt8(ascii: "-"))
        let month = try monthName()
        try expect(UInt8(ascii: "-"))
        let year = try digits(4...4)
        try space()
        let hour = try digits(2...2)
        try expect(UInt8(ascii: ":"))
        let minute = try digits(2...2)
        try expect(UInt8(ascii: ":"))
        let second = try digits(2...2)
        try space()
        guard let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { throw ParseError("Invalid time zone") }
        index += 1
        let zone = try digits(4...4)
        try expect(.quote)
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid, hour < 24, minute < 60, second <= 60, zone % 100 < 60 else { throw ParseError("Invalid date-time") }
        let offset = (zone / 100) * 3600 + (zone % 100) * 60
        let local = Int64(date.daysSince1970) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return local - Int64(sign == UInt8(ascii: "+") ? offset : -offset)
    }

    mutating func digits(_ count: ClosedRange<Int>) throws -> Int {
        let start = index
        var value = 0
        while let b = peek(), b.isDigit, index - start < count.upperBound {
            value = value * 10 + Int(b - UInt8(ascii: "0"))
            index += 1
        }
        guard count.contains(index - start) else { throw ParseError("Invalid date") }
        return value
    }

    mutating func monthName() throws -> Int {
        guard bytes.count - index >= 3 else { throw ParseError("Invalid month") }
        let word = String(decoding: bytes[index..<index + 3], as: UTF8.self).lowercased()
        guard let m = CivilDate.monthNames.firstIndex(where: { $0.lowercased() == word }) else { throw ParseError("Invalid month") }
        index += 3
        return m + 1
    }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let tilde = UInt8(ascii: "~")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")

    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    /// ATOM-CHAR: any CHAR except atom-specials `( ) { SP CTL % * " \ ]`.
    var isAtomChar: Bool {
        guard self > 0x20, self < 0x7f else { return false }
        switch self {
        case .openParen, .closeParen, .openBrace, UInt8(ascii: "%"), UInt8(ascii: "*"), .quote, .backslash, .closeBracket:
            return false
        default:
            return true
        }
    }

    /// ASTRING-CHAR = ATOM-CHAR / resp-specials (`]`).
    var isAStringChar: Bool { isAtomChar || self == .closeBracket }

    var isBase64: Bool {
        (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || isDigit || self == UInt8(ascii: "+") || self == UInt8(ascii: "/")
    }

    var asciiUppercased: UInt8 { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") ? self - 32 : self }
}
