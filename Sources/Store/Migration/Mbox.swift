#if canImport(Glibc)
import Glibc
#endif

/// The two ways mbox files quote body lines that would read as a "From " separator
/// (https://www.loc.gov/preservation/digital/formats/fdd/fdd000385.shtml). mboxrd adds a
/// ">" to every line matching `>*From `, so reading removes one from each; mboxo quotes only
/// `From ` itself, so reading removes the ">" of `>From ` only (its `>>From ` lines stay).
public enum MboxFormat: String, Sendable, CaseIterable {
    case mboxrd
    case mboxo
}

/// Reads an mbox file a message at a time, never more than one message and a block of
/// the file in memory. A message starts at a "From " line that is the file's first line,
/// or that follows an empty line and carries a date; the empty line before it belongs to
/// the file, not to the message before.
struct MboxReader {
    struct Message {
        var envelope: MboxFromLine
        /// The message's bytes, From-unquoted.
        var bytes: [UInt8]
        /// 1 for the first message of the file.
        var number: Int
        /// Line of the From line in the file, from 1.
        var line: Int
    }

    let path: String
    let format: MboxFormat
    let size: Int64
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private(set) var consumed: Int64 = 0
    private var lineNumber = 0
    private var current: Message?
    private var count = 0
    /// Length of the last line appended to `current` if it was an empty line, else nil.
    private var trailingEmptyLine: Int?
    private var previousLineEmpty = true

    init(path: String, format: MboxFormat) throws {
        self.path = path
        self.format = format
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MigrationError.unreadable("cannot open \(path): \(errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw MigrationError.unreadable("\(path) is not a regular file")
        }
        size = Int64(st.st_size)
    }

    func close() { Glibc.close(fd) }

    /// The next message, or nil at the end of the file.
    mutating func next() throws -> Message? {
        while let line = try nextLine() {
            lineNumber += 1
            let empty = line.count == 1 || (line.count == 2 && line.first == 13)
            defer { previousLineEmpty = empty }
            if line.first == UInt8(ascii: "F"), previousLineEmpty, let envelope = MboxFromLine(parsing: line),
               lineNumber == 1 || envelope.date != nil {
                count += 1
                let started = Message(envelope: envelope, bytes: [], number: count, line: lineNumber)
                if var finished = current {
                    if let n = trailingEmptyLine { finished.bytes.removeLast(n) }
                    current = started
                    trailingEmptyLine = nil
                    return finished
                }
                current = started
                continue
            }
            guard current != nil else {
                throw MigrationError.badFormat("\(path) is not an mbox file: it does not start with a \"From \" line")
            }
            current!.bytes += unquoted(line)
            trailingEmptyLine = empty ? line.count : nil
        }
        defer { current = nil }
        if var last = current, let n = trailingEmptyLine {
            last.bytes.removeLast(n)
            return last
        }
        return current
    }

    /// A body line with one level of From quoting taken off.
    private func unquoted(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard line.first == UInt8(ascii: ">") else { return line }
        let quotes = line.prefix { $0 == UInt8(ascii: ">") }.count
        guard line.dropFirst(quotes).starts(with: MboxFromLine.prefix) else { return line }
        return format == .mboxrd || quotes == 1 ? line.dropFirst() : line
    }

    /// The next line with its line end (the file's last line may have none).
    private mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let lf = buffer[position...].firstIndex(of: 10) {
                defer { position = lf + 1 }
                consumed += Int64(lf + 1 - position)
                return buffer[position...lf]
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                consumed += Int64(buffer.count - position)
                return buffer[position...]
            }
            buffer.removeSubrange(..<position)
            position = 0
            var block = [UInt8](repeating: 0, count: 1 << 20)
            let n = read(fd, &block, block.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw MigrationError.unreadable("cannot read \(path): \(errnoText())")
            }
            if n == 0 { atEnd = true } else { buffer += block[..<n] }
        }
    }
}

/// An mbox file being written by an export, in mboxrd form: each message after a From
/// line, every `>*From ` line quoted with one more ">", and an empty line after it.
struct MboxWriter {
    let file: ExportFile

    func write(_ bytes: [UInt8], envelope: MboxFromLine) throws {
        var out = Array((envelope.text + "\n").utf8)
        out.reserveCapacity(bytes.count + bytes.count / 64 + 64)
        var lineStart = true
        var i = 0
        while i < bytes.count {
            if lineStart {
                var j = i
                while j < bytes.count && bytes[j] == UInt8(ascii: ">") { j += 1 }
                if bytes[j...].starts(with: MboxFromLine.prefix) { out.append(UInt8(ascii: ">")) }
            }
            out.append(bytes[i])
            lineStart = bytes[i] == 10
            i += 1
        }
        // A message whose last line has no line end gets one: the empty line must stand alone.
        if bytes.last != 10 { out += bytes.contains(13) ? [13, 10] : [10] }
        out.append(10)
        try file.write(out)
    }
}
