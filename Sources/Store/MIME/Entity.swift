#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One MIME entity of a parsed message (RFC 2045 §2.4): the message itself, a body part,
/// or the message inside a message/rfc822 part. Ranges are offsets into the message.
struct Entity {
    indirect enum Content {
        case leaf
        case multipart([Entity])
        /// message/rfc822 or message/global: the encapsulated message.
        case message(Entity)
    }

    var header: Range<Int>
    var body: Range<Int>
    var fields: EntityHeader
    /// The type BODYSTRUCTURE shows: the declared one, its default, or a stand-in when
    /// the declared one could not be followed (no boundary, nesting too deep).
    var mediaType: MediaType
    var content: Content
}

/// Where the fields the store cares about lie in an entity's header. The first
/// occurrence of a field wins.
struct EntityHeader {
    enum Field: Int, CaseIterable {
        case contentType, contentTransferEncoding, contentID, contentDescription, contentMD5
        case contentDisposition, contentLanguage, contentLocation
        case date, subject, from, sender, replyTo, to, cc, bcc, inReplyTo, messageID, references

        var lowercaseName: String {
            switch self {
            case .contentType: "content-type"
            case .contentTransferEncoding: "content-transfer-encoding"
            case .contentID: "content-id"
            case .contentDescription: "content-description"
            case .contentMD5: "content-md5"
            case .contentDisposition: "content-disposition"
            case .contentLanguage: "content-language"
            case .contentLocation: "content-location"
            case .date: "date"
            case .subject: "subject"
            case .from: "from"
            case .sender: "sender"
            case .replyTo: "reply-to"
            case .to: "to"
            case .cc: "cc"
            case .bcc: "bcc"
            case .inReplyTo: "in-reply-to"
            case .messageID: "message-id"
            case .references: "references"
            }
        }

        static let names: [(name: [UInt8], field: Field)] = allCases.map { (Array($0.lowercaseName.utf8), $0) }
    }

    private var values = [Range<Int>?](repeating: nil, count: Field.allCases.count)

    subscript(field: Field) -> Range<Int>? { values[field.rawValue] }

    mutating func record(_ field: RawHeaderField, in bytes: UnsafeRawBufferPointer) {
        for known in Field.names where bytes.equalsIgnoringCase(field.name, known.name) {
            if values[known.field.rawValue] == nil { values[known.field.rawValue] = field.value }
            return
        }
    }

    /// The unfolded, trimmed value of `field`, nil when the field is absent.
    func value(_ field: Field, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        self[field].map { bytes.unfolded($0) }
    }
}

/// Builds the entity tree of a message top-down: each multipart is split at its own
/// boundary first, then each part is parsed inside the range it got, so a part whose
/// close delimiter is missing simply runs to the end of its parent's part.
struct EntityParser {
    /// Multiparts and messages nested deeper than this are left unparsed, so hostile
    /// input cannot exhaust the stack.
    static let maxDepth = 50
    /// Past this many body parts in one message, further delimiters are ignored.
    static let maxParts = 10_000

    private let bytes: UnsafeRawBufferPointer
    private var partsLeft = EntityParser.maxParts

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func entity(_ range: Range<Int>, depth: Int, inDigest: Bool) -> Entity {
        var fields = EntityHeader()
        let bodyStart = HeaderScanner.scan(bytes, in: range) { fields.record($0, in: bytes) }
        let body = bodyStart..<range.upperBound

        // RFC 2045 §5.2 and RFC 2046 §5.1.5: the default type depends on the parent.
        var type: MediaType
        if let declared = fields.value(.contentType, in: bytes) {
            type = MediaType(parsing: declared) ?? .textPlain
        } else {
            type = inDigest ? .messageRFC822 : .textPlain
        }

        var content = Entity.Content.leaf
        if (type.isMultipart || type.isMessage) && depth >= EntityParser.maxDepth {
            type = .octetStream
        } else if type.isMultipart {
            if let boundary = type.parameter("boundary"), !boundary.isEmpty {
                var parts: [Entity] = []
                for part in split(body, boundary: boundary) {
                    parts.append(entity(part, depth: depth + 1, inDigest: type.isDigest))
                }
                content = .multipart(parts)
            } else {
                type = .textPlain
            }
        } else if type.isMessage {
            content = .message(entity(body, depth: depth + 1, inDigest: false))
        }
        return Entity(header: range.lowerBound..<bodyStart, body: body, fields: fields,
                      mediaType: type, content: content)
    }

    /// The ranges (MIME header and body) of the parts of a multipart body (RFC 2046
    /// §5.1.1). The line break before a delimiter belongs to the delimiter; preamble
    /// and epilogue are dropped. Without a close delimiter the last part runs to the
    /// end; with no delimiter at all there is one empty part, as IMAP needs one.
    private mutating func split(_ body: Range<Int>, boundary: [UInt8]) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var partStart: Int? = nil
        var line = body.lowerBound
        while line < body.upperBound {
            let next = bytes.lineEnd(from: line, limit: body.upperBound)
            if let delimiter = delimiter(at: line, lineEnd: next, boundary: boundary),
               delimiter == .close || partStart == nil || partsLeft > 1 {
                if let start = partStart {
                    let end = line - bytes.lineBreakLength(before: line, floor: start)
                    parts.append(start..<max(start, end))
                    partsLeft -= 1
                }
                partStart = delimiter == .close ? nil : next
                if delimiter == .close { break }
            }
            line = next
        }
        if let start = partStart {
            parts.append(start..<body.upperBound)
            partsLeft -= 1
        }
        if parts.isEmpty { parts.append(body.upperBound..<body.upperBound) }
        return parts
    }

    private enum Delimiter { case part, close }

    /// Whether the line is `--boundary` or `--boundary--`, followed only by transport
    /// padding.
    private func delimiter(at line: Int, lineEnd: Int, boundary: [UInt8]) -> Delimiter? {
        let afterBoundary = line + 2 + boundary.count
        guard afterBoundary <= lineEnd, bytes[line] == UInt8(ascii: "-"), bytes[line + 1] == UInt8(ascii: "-"),
              boundary.withUnsafeBytes({ memcmp(bytes.baseAddress! + line + 2, $0.baseAddress!, boundary.count) == 0 })
        else { return nil }
        var i = afterBoundary
        var kind = Delimiter.part
        if i + 2 <= lineEnd, bytes[i] == UInt8(ascii: "-"), bytes[i + 1] == UInt8(ascii: "-") {
            kind = .close
            i += 2
        }
        while i < lineEnd {
            let byte = bytes[i]
            guard byte.isWhitespace || byte == .cr || byte == .lf else { return nil }
            i += 1
        }
        return kind
    }
}
