/// The parse-once-at-append MIME parser (RFC 5322, RFC 2045-2049): turns the bytes of a
/// message into its ENVELOPE, BODY and BODYSTRUCTURE text and its part table.
public enum MessageParser {
    /// Never traps, whatever the input: NULs, 8-bit bytes, bare LF line ends, no empty
    /// line, missing boundaries and hostile nesting all give a valid result.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ParsedMessage {
        var parser = EntityParser(bytes)
        let root = parser.entity(0..<bytes.count, depth: 0, inDigest: false)
        return ParsedMessage(
            size: bytes.count,
            headerLength: root.header.count,
            envelope: Envelope.text(root.fields, in: bytes),
            bodyStructure: BodyStructure.text(root, in: bytes, extended: true),
            body: BodyStructure.text(root, in: bytes, extended: false),
            structure: MessageStructure(root, in: bytes),
            fields: ListingFields(root.fields, in: bytes),
            preview: MessagePreview.text(root, in: bytes))
    }

    public static func parse(_ bytes: [UInt8]) -> ParsedMessage {
        bytes.withUnsafeBytes { parse($0) }
    }
}
