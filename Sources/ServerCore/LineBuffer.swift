import NIOCore

/// Input of a line-based protocol (POP3, LMTP commands): bytes in, lines out, with a
/// bound on line length so a client cannot make the server buffer without end.
public struct LineBuffer: Sendable {
    public enum Next: Equatable, Sendable {
        /// A line without its line end (CRLF, or a bare LF).
        case line(String)
        /// A line went over the limit; it is skipped up to its end.
        case tooLong
    }

    public var buffer = ByteBuffer()
    public let maxLineLength: Int
    private var skippingLongLine = false

    public init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    public mutating func append(_ bytes: inout ByteBuffer) {
        buffer.writeBuffer(&bytes)
    }

    /// The next complete line, `.tooLong` once for each overlong line, or nil for more input.
    public mutating func next() -> Next? {
        while true {
            guard let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > maxLineLength {
                    buffer.clear()
                    if !skippingLongLine {
                        skippingLongLine = true
                        return .tooLong
                    }
                }
                return nil
            }
            let length = lf - buffer.readerIndex
            if skippingLongLine {
                buffer.moveReaderIndex(forwardBy: length + 1)
                skippingLongLine = false
                continue
            }
            if length > maxLineLength {
                buffer.moveReaderIndex(forwardBy: length + 1)
                return .tooLong
            }
            var bytes = buffer.readBytes(length: length + 1)!
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            compact()
            return .line(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The next piece of raw data for a dot-terminated body (SMTP/LMTP DATA): a whole line
    /// with its line end, or, when a line runs past the length limit, what there is of it
    /// so far (`complete` false). Nil for more input.
    public mutating func nextRawLine() -> (bytes: ByteBuffer, complete: Bool)? {
        if let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer.readSlice(length: lf - buffer.readerIndex + 1)!
            compact()
            return (line, true)
        }
        guard buffer.readableBytes > maxLineLength else { return nil }
        let part = buffer.readSlice(length: buffer.readableBytes)!
        compact()
        return (part, false)
    }

    /// Drops everything buffered (after STARTTLS/STLS, plaintext that came with the
    /// command must not be read as if it came through TLS).
    public mutating func discardAll() {
        buffer.clear()
    }

    mutating func compact() {
        if buffer.readerIndex > 65536 { buffer.discardReadBytes() }
    }
}
