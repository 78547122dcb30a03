import NIOCore

/// Cuts the client's byte stream into whole commands (RFC 9051 §2.2.1): lines, and the
/// literals they announce (`{n}` waits for our `+`, `{n+}` of RFC 7888 does not). Every
/// line and literal is held to a limit, so no client can make the server buffer without
/// end; what goes over is skipped and reported, and the connection stays usable.
public struct CommandFramer: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Longest line, literals not counted.
        public var maxLineLength = 64 * 1024
        /// Largest literal in a command other than APPEND (strings in LOGIN, SEARCH ...).
        public var maxLiteral = 64 * 1024
        /// Largest message in an APPEND (what APPENDLIMIT advertises).
        public var maxAppendLiteral = 50 << 20
        /// Largest whole APPEND command (MULTIAPPEND sends several messages in one).
        public var maxAppendCommand = 200 << 20
        /// Largest whole command other than APPEND.
        public var maxCommand = 1 << 20

        public init() {}
    }

    public enum Event: Equatable, Sendable {
        /// A whole command: its lines (with the literals inside) without the final line end.
        case command(ByteBuffer)
        /// A synchronizing literal was announced and fits: the client waits for `+`.
        case continuationNeeded
        /// A line went over the limit and was skipped up to its end.
        case lineTooLong(tag: String?)
        /// A literal over the limit. A synchronizing one was never sent (the client
        /// waits for this answer); a non-synchronizing one was read and dropped with the
        /// rest of its command.
        case literalTooLarge(tag: String?, isAppend: Bool)
    }

    public var limits: Limits
    private var input = ByteBuffer()
    private var current = ByteBuffer()
    private var literalRemaining: UInt64 = 0
    /// The tag of a command being dropped after a refused non-synchronizing literal.
    private var discarding: (tag: String?, isAppend: Bool)?
    /// Whether an overlong line is being skipped up to its line end, and its tag.
    private var skippingLine = false
    private var skippedTag: String?
    /// Whether the command being read is an APPEND (decided on its first line).
    private var isAppend = false

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes waiting to be framed, for backpressure decisions.
    public var bufferedBytes: Int { input.readableBytes + current.readableBytes }

    /// Whether input not yet framed is waiting: the client has sent more than what has
    /// been framed so far.
    public var holdsInput: Bool { input.readableBytes > 0 }

    public mutating func append(_ bytes: inout ByteBuffer) {
        if input.readableBytes == 0 {
            input.clear()
        } else if input.readerIndex > 64 * 1024 {
            input.discardReadBytes()
        }
        input.writeBuffer(&bytes)
    }

    /// Drops all buffered input (after STARTTLS: plaintext sent with the command must not
    /// count as protected, RFC 9051 §11.1).
    public mutating func discardAll() {
        input.clear()
        reset()
        skippingLine = false
    }

    /// Takes the input not yet framed (after COMPRESS it has to be decompressed first).
    public mutating func takeBuffered() -> ByteBuffer {
        defer { input.clear() }
        return input.slice()
    }

    private mutating func reset() {
        current.clear()
        literalRemaining = 0
        discarding = nil
        isAppend = false
    }

    public mutating func next() -> Event? {
        while true {
            if literalRemaining > 0 {
                let n = Int(min(UInt64(input.readableBytes), literalRemaining))
                guard n > 0 else { return nil }
                if discarding != nil {
                    input.moveReaderIndex(forwardBy: n)
                } else {
                    var slice = input.readSlice(length: n)!
                    current.writeBuffer(&slice)
                }
                literalRemaining -= UInt64(n)
                continue
            }
            if skippingLine {
                guard let lf = input.readableBytesView.firstIndex(of: .lf) else {
                    input.clear()
                    return nil
                }
                input.moveReaderIndex(to: lf + 1)
                skippingLine = false
                return .lineTooLong(tag: skippedTag)
            }
            guard let lf = input.readableBytesView.firstIndex(of: .lf) else {
                // A line of the longest length may have its CR in this read and its LF in the next.
                let lineSoFar = input.readableBytes - (input.readableBytesView.last == .cr ? 1 : 0)
                if lineSoFar > limits.maxLineLength {
                    skippedTag = tag(of: current.readableBytes > 0 ? current : input)
                    skippingLine = true
                    input.clear()
                    reset()
                }
                return nil
            }
            var line = input.readSlice(length: lf - input.readerIndex + 1)!
            line.moveWriterIndex(to: line.writerIndex - 1)
            if line.readableBytesView.last == .cr { line.moveWriterIndex(to: line.writerIndex - 1) }
            if line.readableBytes > limits.maxLineLength {
                let t = tag(of: current.readableBytes > 0 ? current : line)
                reset()
                return .lineTooLong(tag: t)
            }
            let first = current.readableBytes == 0 && discarding == nil
            if first && line.readableBytes == 0 { continue }  // stray empty lines are ignored
            if first { isAppend = CommandFramer.isAppend(line) }
            guard let literal = CommandFramer.literal(endingLine: line) else {
                if let refused = discarding {
                    reset()
                    return .literalTooLarge(tag: refused.tag, isAppend: refused.isAppend)
                }
                current.writeBuffer(&line)
                let command = current
                current = ByteBuffer()
                reset()
                return .command(command)
            }
            if discarding != nil {
                literalRemaining = literal.size
                continue
            }
            let limit = isAppend ? limits.maxAppendLiteral : limits.maxLiteral
            let total = isAppend ? limits.maxAppendCommand : limits.maxCommand
            if literal.size > UInt64(limit) || UInt64(current.readableBytes + line.readableBytes) + literal.size > UInt64(total) {
                let refused = (tag: tag(of: current.readableBytes > 0 ? current : line), isAppend: isAppend)
                if literal.synchronizing {
                    reset()
                    return .literalTooLarge(tag: refused.tag, isAppend: refused.isAppend)
                }
                discarding = refused
                literalRemaining = literal.size
                continue
            }
            current.writeBuffer(&line)
            current.writeStaticString("\r\n")
            literalRemaining = literal.size
            if literal.synchronizing { return .continuationNeeded }
        }
    }

    /// The literal a line ends with: `{n}`, `{n+}`, or `~{n}` / `~{n+}` (literal8).
    static func literal(endingLine line: ByteBuffer) -> (size: UInt64, synchronizing: Bool)? {
        let view = line.readableBytesView
        guard view.last == .closeBrace else { return nil }
        var i = view.index(before: view.endIndex)
        var synchronizing = true
        if i > view.startIndex, view[view.index(before: i)] == UInt8(ascii: "+") {
            synchronizing = false
            i = view.index(before: i)
        }
        var digitsStart = i
        while digitsStart > view.startIndex, view[view.index(before: digitsStart)].isDigit {
            digitsStart = view.index(before: digitsStart)
        }
        guard digitsStart < i, digitsStart > view.startIndex, view[view.index(before: digitsStart)] == .openBrace,
              i - digitsStart <= 19 else { return nil }
        var size: UInt64 = 0
        for b in view[digitsStart..<i] { size = size * 10 + UInt64(b - UInt8(ascii: "0")) }
        return (size, synchronizing)
    }

    /// Whether the first line of a command is an APPEND (`tag APPEND ...`).
    static func isAppend(_ line: ByteBuffer) -> Bool {
        let view = line.readableBytesView
        guard let space = view.firstIndex(of: .space) else { return false }
        let rest = view[view.index(after: space)...]
        let word = Array("APPEND ".utf8)
        guard rest.count >= word.count else { return false }
        return zip(rest.prefix(word.count), word).allSatisfy { $0.asciiUppercased == $1 }
    }

    /// The tag at the start of a command, when it looks like one.
    func tag(of buffer: ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        let end = view.firstIndex(of: .space) ?? view.endIndex
        let candidate = view[view.startIndex..<min(end, view.startIndex + 64)]
        guard !candidate.isEmpty, candidate.count < 64, candidate.allSatisfy({ $0.isAStringChar && $0 != UInt8(ascii: "+") }) else {
            return nil
        }
        return String(decoding: candidate, as: UTF8.self)
    }
}
