/// Everything an IMAP server needs from a message, worked out once when it is stored.
public struct ParsedMessage: Sendable, Equatable {
    /// RFC822.SIZE: the stored bytes, CRLF line ends included.
    public var size: Int
    /// The top-level header including the empty line that ends it; `size` when the
    /// message has no empty line.
    public var headerLength: Int
    /// ENVELOPE as IMAP response text: `(date subject from sender reply-to to cc bcc
    /// in-reply-to message-id)`.
    public var envelope: String
    /// BODYSTRUCTURE as IMAP response text, with extension data.
    public var bodyStructure: String
    /// BODY as IMAP response text: BODYSTRUCTURE without extension data.
    public var body: String
    public var structure: MessageStructure
    public var fields: ListingFields
    /// PREVIEW (RFC 8970): the start of the readable text; nil when there is none.
    public var preview: String?

    public init(size: Int, headerLength: Int, envelope: String, bodyStructure: String, body: String,
                structure: MessageStructure, fields: ListingFields, preview: String? = nil) {
        self.size = size
        self.headerLength = headerLength
        self.envelope = envelope
        self.bodyStructure = bodyStructure
        self.body = body
        self.structure = structure
        self.fields = fields
        self.preview = preview
    }
}

/// Header values that mailbox listings show and SORT orders by: unfolded, trimmed,
/// encoded words left as they are; nil when the field is absent.
public struct ListingFields: Sendable, Equatable {
    public var subject: String?
    public var from: String?
    public var to: String?
    public var cc: String?
    public var messageID: String?
    public var inReplyTo: String?
    public var references: String?
    /// The Date: header in seconds since 1970 UTC; nil when absent or unreadable.
    public var date: Int64?

    public init(subject: String? = nil, from: String? = nil, to: String? = nil, cc: String? = nil,
                messageID: String? = nil, inReplyTo: String? = nil, references: String? = nil, date: Int64? = nil) {
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.date = date
    }

    init(_ header: EntityHeader, in bytes: UnsafeRawBufferPointer) {
        func text(_ field: EntityHeader.Field) -> String? {
            header.value(field, in: bytes).map { String(decoding: ResponseText.repaired($0), as: UTF8.self) }
        }
        self.init(subject: text(.subject), from: text(.from), to: text(.to), cc: text(.cc),
                  messageID: text(.messageID), inReplyTo: text(.inReplyTo), references: text(.references),
                  date: header.value(.date, in: bytes).flatMap(MessageDate.parse))
    }
}
