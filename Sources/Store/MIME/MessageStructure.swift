/// Where a section of a message lies, for FETCH BODY[...] (RFC 9051 §6.4.5).
public struct PartLocation: Sendable, Equatable {
    /// An encapsulated message's own header and text.
    public struct MessageRanges: Sendable, Equatable {
        public var header: Range<Int>
        public var text: Range<Int>

        public init(header: Range<Int>, text: Range<Int>) {
            self.header = header
            self.text = text
        }
    }

    /// The MIME header of the part (for `n.MIME`); for the whole message, its header.
    public var header: Range<Int>
    /// The part's content (`BODY[1.2]`).
    public var body: Range<Int>
    /// For a message/rfc822 part or the whole message: the header and text of that
    /// message, for `n.HEADER`, `n.TEXT` and `n.HEADER.FIELDS`. Nil for other parts.
    public var message: MessageRanges?
    /// The lowercased Content-Transfer-Encoding token, nil when the part has none.
    public var contentTransferEncoding: String?

    public init(header: Range<Int>, body: Range<Int>, message: MessageRanges?, contentTransferEncoding: String?) {
        self.header = header
        self.body = body
        self.message = message
        self.contentTransferEncoding = contentTransferEncoding
    }
}

/// The part table of a message: every entity's header and body as byte ranges, so any
/// section can be served by copying bytes without parsing the message again.
public struct MessageStructure: Sendable, Equatable {
    /// Why a stored encoding was refused.
    public struct InvalidEncoding: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    struct Node: Sendable, Equatable {
        enum Kind: UInt8 { case leaf = 0, multipart = 1, message = 2 }
        var kind: Kind
        var header: Range<Int>
        /// Starts where `header` ends.
        var body: Range<Int>
        var contentTransferEncoding: String?
        /// Parts of a multipart; 1 for a message (the encapsulated one); 0 for a leaf.
        var childCount: Int
        /// Index just past this node's last descendant.
        var subtreeEnd: Int
    }

    /// Entities in pre-order; `nodes[0]` is the message itself.
    private var nodes: [Node]

    init(_ root: Entity, in bytes: UnsafeRawBufferPointer) {
        nodes = []
        append(root, in: bytes)
    }

    private mutating func append(_ entity: Entity, in bytes: UnsafeRawBufferPointer) {
        let index = nodes.count
        let encoding = entity.fields.value(.contentTransferEncoding, in: bytes).flatMap(MIMETokens.transferEncoding)
        let children: [Entity]
        let kind: Node.Kind
        switch entity.content {
        case .leaf: (kind, children) = (.leaf, [])
        case .multipart(let parts): (kind, children) = (.multipart, parts)
        case .message(let message): (kind, children) = (.message, [message])
        }
        nodes.append(Node(kind: kind, header: entity.header, body: entity.body,
                          contentTransferEncoding: encoding.map(MessageStructure.encodingName),
                          childCount: children.count, subtreeEnd: index + 1))
        for child in children { append(child, in: bytes) }
        nodes[index].subtreeEnd = nodes.count
    }

    /// The token as stored: a real encoding name is short, so a hostile one is cut.
    private static func encodingName(_ token: [UInt8]) -> String {
        String(decoding: token.prefix(64), as: UTF8.self)
    }

    // MARK: Sections

    /// The section at an IMAP part path (RFC 9051 §6.4.5): `[]` is the whole message,
    /// a non-multipart message's part 1 is its body, and the numbers after a
    /// message/rfc822 part address parts of the message it encapsulates. Nil when the
    /// path names no part.
    public func locate(_ path: [Int]) -> PartLocation? {
        var context = 0
        var selected: Int? = nil
        for number in path {
            if let current = selected {
                switch nodes[current].kind {
                case .multipart: context = current
                case .message: context = current + 1
                case .leaf: return nil
                }
            }
            guard number >= 1 else { return nil }
            if nodes[context].kind == .multipart {
                guard number <= nodes[context].childCount else { return nil }
                var child = context + 1
                for _ in 1..<number { child = nodes[child].subtreeEnd }
                selected = child
            } else {
                guard number == 1 else { return nil }
                selected = context
            }
        }
        let node = nodes[selected ?? 0]
        let message: PartLocation.MessageRanges?
        if selected == nil {
            message = PartLocation.MessageRanges(header: node.header, text: node.body)
        } else if node.kind == .message, let index = selected {
            message = PartLocation.MessageRanges(header: nodes[index + 1].header, text: nodes[index + 1].body)
        } else {
            message = nil
        }
        return PartLocation(header: node.header, body: node.body, message: message,
                            contentTransferEncoding: node.contentTransferEncoding)
    }

    // MARK: Stored form

    private static let formatVersion: UInt8 = 1
    private static let knownEncodings = ["7bit", "8bit", "binary", "base64", "quoted-printable"]
    private static let otherEncoding: UInt8 = 6

    /// The compact stored form: a version byte, then each node in pre-order as a flags
    /// byte (kind, and the encoding as an index into a short table) and LEB128 numbers:
    /// where the header starts relative to the previous sibling's end (or the parent's
    /// body), header length, body length, the part count of a multipart, and the name
    /// of an encoding outside the table.
    public var encoded: [UInt8] {
        var out: [UInt8] = [MessageStructure.formatVersion]
        out.reserveCapacity(1 + nodes.count * 6)
        encode(0, cursor: 0, into: &out)
        return out
    }

    private func encode(_ index: Int, cursor: Int, into out: inout [UInt8]) {
        let node = nodes[index]
        var encodingCode: UInt8 = 0
        if let name = node.contentTransferEncoding {
            encodingCode = MessageStructure.knownEncodings.firstIndex(of: name).map { UInt8($0 + 1) }
                ?? MessageStructure.otherEncoding
        }
        out.append(node.kind.rawValue | encodingCode << 2)
        appendNumber(node.header.lowerBound - cursor, to: &out)
        appendNumber(node.header.count, to: &out)
        appendNumber(node.body.count, to: &out)
        if node.kind == .multipart { appendNumber(node.childCount, to: &out) }
        if encodingCode == MessageStructure.otherEncoding, let name = node.contentTransferEncoding {
            appendNumber(name.utf8.count, to: &out)
            out.append(contentsOf: name.utf8)
        }
        var child = index + 1
        var childCursor = node.body.lowerBound
        while child < node.subtreeEnd {
            encode(child, cursor: childCursor, into: &out)
            childCursor = nodes[child].body.upperBound
            child = nodes[child].subtreeEnd
        }
    }

    private func appendNumber(_ value: Int, to out: inout [UInt8]) {
        var rest = UInt64(value)
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// Reads the stored form back, checking that it is complete and that every part
    /// lies inside its parent.
    public init(encoded: [UInt8]) throws {
        var reader = StructureReader(bytes: encoded)
        guard try reader.byte() == MessageStructure.formatVersion else {
            throw InvalidEncoding(description: "unknown message structure format")
        }
        nodes = []
        try decode(&reader, cursor: 0, within: nil, depth: 0)
        guard reader.atEnd else { throw InvalidEncoding(description: "message structure has trailing bytes") }
    }

    private mutating func decode(_ reader: inout StructureReader, cursor: Int, within parent: Range<Int>?,
                                 depth: Int) throws {
        guard depth <= EntityParser.maxDepth else { throw InvalidEncoding(description: "message structure too deep") }
        let flags = try reader.byte()
        guard let kind = Node.Kind(rawValue: flags & 3) else {
            throw InvalidEncoding(description: "unknown part kind")
        }
        let headerStart = try reader.number(plus: cursor)
        let headerEnd = try reader.number(plus: headerStart)
        let bodyEnd = try reader.number(plus: headerEnd)
        if let parent, headerStart < parent.lowerBound || bodyEnd > parent.upperBound {
            throw InvalidEncoding(description: "message part outside its parent")
        }
        var childCount = kind == .message ? 1 : 0
        if kind == .multipart {
            childCount = try reader.number(plus: 0)
            guard childCount >= 1 else { throw InvalidEncoding(description: "multipart without parts") }
        }
        let encodingCode = Int(flags >> 2)
        let encoding: String?
        switch encodingCode {
        case 0: encoding = nil
        case 1...MessageStructure.knownEncodings.count: encoding = MessageStructure.knownEncodings[encodingCode - 1]
        case Int(MessageStructure.otherEncoding):
            let length = try reader.number(plus: 0)
            encoding = String(decoding: try reader.bytes(count: length), as: UTF8.self)
        default: throw InvalidEncoding(description: "unknown transfer encoding code")
        }
        let index = nodes.count
        nodes.append(Node(kind: kind, header: headerStart..<headerEnd, body: headerEnd..<bodyEnd,
                          contentTransferEncoding: encoding, childCount: childCount, subtreeEnd: index + 1))
        var childCursor = headerEnd
        for _ in 0..<childCount {
            let child = nodes.count
            try decode(&reader, cursor: childCursor, within: headerEnd..<bodyEnd, depth: depth + 1)
            childCursor = nodes[child].body.upperBound
        }
        nodes[index].subtreeEnd = nodes.count
    }
}

/// A cursor over the stored form that throws instead of reading past the end.
private struct StructureReader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func byte() throws -> UInt8 {
        guard index < bytes.count else { throw MessageStructure.InvalidEncoding(description: "message structure truncated") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func bytes(count: Int) throws -> ArraySlice<UInt8> {
        guard count <= bytes.count - index else { throw MessageStructure.InvalidEncoding(description: "message structure truncated") }
        defer { index += count }
        return bytes[index..<index + count]
    }

    /// A LEB128 number added to `base`; offsets beyond 2^48 are refused as corrupt.
    mutating func number(plus base: Int) throws -> Int {
        var value = 0
        var shift = 0
        while true {
            let next = try byte()
            value |= Int(next & 0x7F) << shift
            if next < 0x80 { break }
            shift += 7
            guard shift < 49 else { throw MessageStructure.InvalidEncoding(description: "message structure number too large") }
        }
        guard value < 1 << 48 else { throw MessageStructure.InvalidEncoding(description: "message structure number too large") }
        return base + value
    }
}
