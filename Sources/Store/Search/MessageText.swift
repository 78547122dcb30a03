/// The text of a message as search compares it: header fields with encoded words decoded,
/// and the body parts that hold text, transfer encoding and charset undone. Each piece is
/// folded once (see `TextFolding`) and kept for the next key that asks.
struct MessageText {
    let bytes: [UInt8]
    private var root: Entity?
    private var foldedHeaders: [String: [[UInt8]]]?
    private var foldedHeader: [UInt8]?
    private var foldedBody: [UInt8]?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func entity() -> Entity {
        if let root { return root }
        let parsed = bytes.withUnsafeBytes { raw -> Entity in
            var parser = EntityParser(raw)
            return parser.entity(0..<raw.count, depth: 0, inDigest: false)
        }
        root = parsed
        return parsed
    }

    /// Folded decoded values of the top-level header fields named `name` (any case).
    mutating func header(_ name: String) -> [[UInt8]] {
        foldedFields()[name.lowercased()] ?? []
    }

    /// Every value `header(_:)` looks in, one a line: whatever a header key finds in one
    /// value is found here too, which is what the full-text index needs to narrow.
    mutating func fieldValues() -> [UInt8] {
        Array(foldedFields().values.joined().joined(separator: [UInt8(ascii: "\n")]))
    }

    private mutating func foldedFields() -> [String: [[UInt8]]] {
        if foldedHeaders == nil {
            let top = entity()
            var fields: [String: [[UInt8]]] = [:]
            bytes.withUnsafeBytes { raw in
                _ = HeaderScanner.scan(raw, in: top.header) { field in
                    let key = String(decoding: raw[field.name], as: UTF8.self).lowercased()
                    let value = EncodedWords.decode(raw.unfolded(field.value))
                    fields[key, default: []].append(TextFolding.fold(value))
                }
            }
            foldedHeaders = fields
        }
        return foldedHeaders!
    }

    /// The whole top-level header, decoded and folded, for TEXT.
    mutating func headerText() -> [UInt8] {
        if let foldedHeader { return foldedHeader }
        let top = entity()
        let text = bytes.withUnsafeBytes { raw in EncodedWords.decode(Array(raw[top.header])) }
        foldedHeader = TextFolding.fold(text)
        return foldedHeader!
    }

    /// The decoded, folded text of every text part (and of the headers and text of
    /// encapsulated messages), joined by line breaks.
    mutating func bodyText() -> [UInt8] {
        if let foldedBody { return foldedBody }
        var pieces: [String] = []
        let top = entity()
        bytes.withUnsafeBytes { raw in
            MessageText.collect(top, isRoot: true, in: raw, into: &pieces)
        }
        foldedBody = TextFolding.fold(pieces.joined(separator: "\n"))
        return foldedBody!
    }

    private static func collect(_ entity: Entity, isRoot: Bool, in raw: UnsafeRawBufferPointer, into pieces: inout [String]) {
        switch entity.content {
        case .multipart(let parts):
            for part in parts { collect(part, isRoot: false, in: raw, into: &pieces) }
        case .message(let message):
            pieces.append(EncodedWords.decode(Array(raw[message.header])))
            collect(message, isRoot: true, in: raw, into: &pieces)
        case .leaf:
            // Attachments that are not text (images, archives) have nothing to find.
            guard entity.mediaType.isText || isRoot && entity.fields[.contentType] == nil else { return }
            let encoding = entity.fields.value(.contentTransferEncoding, in: raw).flatMap(MIMETokens.transferEncoding)
                .map { String(decoding: $0, as: UTF8.self) }
            let content = TransferEncoding.decode(raw[entity.body], encoding: encoding) ?? Array(raw[entity.body])
            let charset = entity.mediaType.parameter("charset").map { String(decoding: $0, as: UTF8.self) }
            pieces.append(Charset.decode(content, charset: charset))
        }
    }
}
