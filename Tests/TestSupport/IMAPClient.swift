import Foundation

/// A scripted IMAP client for wire tests: sends tagged commands and collects the answer,
/// literals included, so tests can assert on the exact responses.
public final class IMAPClient: @unchecked Sendable {
    /// What the server answered to one command.
    public struct Reply: Sendable, CustomStringConvertible {
        /// Untagged responses and continuation requests, each with its literals inline
        /// (`* 1 FETCH (BODY[] {5}\r\nHello)`).
        public var untagged: [String]
        /// The tagged completion, tag included (`a3 OK [READ-WRITE] SELECT completed`).
        public var tagged: String

        /// The status word of the tagged line: OK, NO or BAD.
        public var status: String { String(tagged.split(separator: " ").dropFirst().first ?? "") }
        public var isOK: Bool { status == "OK" }
        /// The tagged line without its tag.
        public var completion: String { tagged.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }

        public func has(_ line: String) -> Bool { untagged.contains(line) }

        public var description: String { (untagged + [tagged]).joined(separator: "\n") }
    }

    public let wire: WireClient
    public let greeting: String
    /// Whatever must live as long as the client (the server fixture it talks to).
    public var owner: AnyObject?
    private var counter = 0

    public init(port: Int, host: String = "127.0.0.1") throws {
        wire = try WireClient(port: port, host: host)
        greeting = try wire.readLine()
    }

    /// A client logged in as `user`.
    public convenience init(port: Int, user: String, password: String) throws {
        try self.init(port: port)
        let r = try send("LOGIN \(user) \(password)")
        guard r.isOK else { throw ServerError(description: "login of \(user) failed: \(r)") }
    }

    public func nextTag() -> String {
        counter += 1
        return "a\(counter)"
    }

    /// Sends `tag command` and reads up to the tagged answer.
    @discardableResult
    public func send(_ command: String) throws -> Reply {
        let tag = nextTag()
        try wire.send("\(tag) \(command)\r\n")
        return try reply(tag)
    }

    /// Sends a command with a synchronizing literal: waits for the `+` before the data.
    /// `command` ends where the literal goes; `after` follows the literal.
    @discardableResult
    public func send(_ command: String, literal: [UInt8], after: String = "") throws -> Reply {
        let tag = nextTag()
        try wire.send("\(tag) \(command) {\(literal.count)}\r\n")
        let line = try wire.readLine()
        guard line.hasPrefix("+") else {
            return Reply(untagged: [], tagged: line)
        }
        try wire.send(literal + Array("\(after)\r\n".utf8))
        return try reply(tag)
    }

    /// Reads responses up to the one tagged `tag`.
    public func reply(_ tag: String) throws -> Reply {
        var untagged: [String] = []
        while true {
            let line = try readResponse()
            if line.hasPrefix(tag + " ") { return Reply(untagged: untagged, tagged: line) }
            untagged.append(line)
        }
    }

    /// One response line with any literals it carries.
    public func readResponse() throws -> String {
        var line = try wire.readLine()
        while let size = IMAPClient.literalSize(line) {
            let bytes = try wire.readBytes(size)
            line += "\r\n" + String(decoding: bytes, as: UTF8.self) + (try wire.readLine())
        }
        return line
    }

    /// Reads untagged responses until one satisfies `done` (for IDLE pushes).
    public func read(until done: (String) -> Bool) throws -> [String] {
        var lines: [String] = []
        while true {
            let line = try readResponse()
            lines.append(line)
            if done(line) { return lines }
        }
    }

    static func literalSize(_ line: String) -> Int? {
        guard line.hasSuffix("}"), let open = line.lastIndex(of: "{") else { return nil }
        var digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        if digits.hasSuffix("+") { digits = digits.dropLast() }
        return Int(digits)
    }
}

/// One message as a client reads it back: its UID, its flags, its bytes.
public struct FetchedMessage: Sendable, Equatable {
    public var uid: UInt32
    public var flags: Set<String>
    public var bytes: [UInt8]
}

extension IMAPClient {
    /// Every message of a mailbox, read with EXAMINE and BODY.PEEK[] so that reading changes
    /// nothing (no \Seen, no \Recent claimed). The messages must be ASCII or UTF-8 text.
    public func messages(in mailbox: String) throws -> [FetchedMessage] {
        let examine = try send("EXAMINE \"\(mailbox)\"")
        guard examine.isOK else { throw ServerError(description: "EXAMINE \(mailbox) failed: \(examine)") }
        let fetch = try send("UID FETCH 1:* (UID FLAGS BODY.PEEK[])")
        guard fetch.isOK else { throw ServerError(description: "FETCH in \(mailbox) failed: \(fetch)") }
        return try fetch.untagged.filter { $0.hasPrefix("* ") && $0.contains(" FETCH (") }.map { line in
            guard let uid = IMAPClient.number(after: "UID ", in: line),
                  let flagsStart = line.range(of: "FLAGS ("), let flagsEnd = line[flagsStart.upperBound...].firstIndex(of: ")"),
                  let literal = line.range(of: "BODY[] {"), let size = IMAPClient.number(after: "BODY[] {", in: line),
                  let start = line[literal.upperBound...].range(of: "}\r\n") else {
                throw ServerError(description: "cannot read FETCH response: \(line.prefix(200))")
            }
            let flags = line[flagsStart.upperBound..<flagsEnd].split(separator: " ").map(String.init)
            return FetchedMessage(uid: UInt32(uid), flags: Set(flags), bytes: Array(Array(line[start.upperBound...].utf8).prefix(size)))
        }
    }

    /// The number that follows `marker` in `line` (`UIDNEXT `, `Saved as UID `).
    public static func number(after marker: String, in line: String) -> Int? {
        guard let r = line.range(of: marker) else { return nil }
        return Int(line[r.upperBound...].prefix { $0.isNumber })
    }
}
