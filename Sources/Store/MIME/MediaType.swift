/// One `name=value` of a Content-Type or Content-Disposition (RFC 2045 §5.1). The name
/// is kept as written, the value without its quotes. RFC 2231 forms stay as given.
struct MIMEParameter: Equatable {
    var name: [UInt8]
    var value: [UInt8]
}

/// A Content-Type value: lowercased type and subtype, and its parameters.
struct MediaType: Equatable {
    var type: [UInt8]
    var subtype: [UInt8]
    var parameters: [MIMEParameter]

    private static let text = Array("text".utf8), plain = Array("plain".utf8)
    private static let message = Array("message".utf8), rfc822 = Array("rfc822".utf8), global = Array("global".utf8)
    private static let multipart = Array("multipart".utf8), digest = Array("digest".utf8)

    static let textPlain = MediaType(type: text, subtype: plain, parameters: [])
    static let messageRFC822 = MediaType(type: message, subtype: rfc822, parameters: [])
    static let octetStream = MediaType(type: Array("application".utf8), subtype: Array("octet-stream".utf8), parameters: [])

    var isText: Bool { type == MediaType.text }
    var isMultipart: Bool { type == MediaType.multipart }
    /// RFC 9051 §7.5.2 gives MESSAGE/RFC822 and MESSAGE/GLOBAL the envelope form.
    var isMessage: Bool { type == MediaType.message && (subtype == MediaType.rfc822 || subtype == MediaType.global) }
    var isDigest: Bool { isMultipart && subtype == MediaType.digest }

    func parameter(_ lowercaseName: String) -> [UInt8]? {
        let name = Array(lowercaseName.utf8)
        return parameters.first { $0.name.equalsIgnoringCase(name) }?.value
    }

    /// Parses an unfolded Content-Type value; nil when it has no `type/subtype`, in which
    /// case RFC 2045 §5.2 has the part default to text/plain.
    init?(parsing value: [UInt8]) {
        var reader = MIMEValueReader(value)
        let type = reader.token()
        guard reader.skip(UInt8(ascii: "/")) else { return nil }
        let subtype = reader.token()
        guard !type.isEmpty, !subtype.isEmpty else { return nil }
        self.init(type: type.asciiLowercased, subtype: subtype.asciiLowercased, parameters: reader.parameters())
    }

    init(type: [UInt8], subtype: [UInt8], parameters: [MIMEParameter]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }
}

/// A Content-Disposition value (RFC 2183): the disposition type and its parameters.
struct Disposition: Equatable {
    var type: [UInt8]
    var parameters: [MIMEParameter]

    init?(parsing value: [UInt8]) {
        var reader = MIMEValueReader(value)
        let type = reader.token()
        guard !type.isEmpty else { return nil }
        self.type = type
        self.parameters = reader.parameters()
    }
}

/// The MIME tokens of a Content-Transfer-Encoding or Content-Language value.
enum MIMETokens {
    /// The lowercased encoding token, nil when there is none.
    static func transferEncoding(_ value: [UInt8]) -> [UInt8]? {
        var reader = MIMEValueReader(value)
        let token = reader.token()
        return token.isEmpty ? nil : token.asciiLowercased
    }

    /// The comma-separated language tags (RFC 3282), as written.
    static func languages(_ value: [UInt8]) -> [[UInt8]] {
        var reader = MIMEValueReader(value)
        var tags: [[UInt8]] = []
        while !reader.reachedEnd() {
            let tag = reader.token()
            if !tag.isEmpty { tags.append(tag) }
            if !reader.skip(UInt8(ascii: ",")) && tag.isEmpty { reader.skipByte() }
        }
        return tags
    }
}

/// A cursor over a structured MIME header value that skips comments and whitespace
/// between tokens (RFC 2045 §5.1, RFC 5322 §3.2.2) and is lenient about the rest.
struct MIMEValueReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether only whitespace and comments are left.
    mutating func reachedEnd() -> Bool {
        skipWhitespaceAndComments()
        return index >= bytes.count
    }

    mutating func skipByte() { index += 1 }

    /// Consumes `byte` (after whitespace and comments) if it comes next.
    mutating func skip(_ byte: UInt8) -> Bool {
        skipWhitespaceAndComments()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// An RFC 2045 token: stops at whitespace, controls and tspecials.
    mutating func token() -> [UInt8] {
        skipWhitespaceAndComments()
        let start = index
        while index < bytes.count, !MIMEValueReader.endsToken(bytes[index]) { index += 1 }
        return Array(bytes[start..<index])
    }

    /// `;`-separated `name=value` pairs up to the end. A parameter with no `=` is
    /// dropped; an unquoted value may hold tspecials such as `/` and `=`, which
    /// real mail puts in boundaries and file names.
    mutating func parameters() -> [MIMEParameter] {
        var result: [MIMEParameter] = []
        while !reachedEnd() {
            if bytes[index] == UInt8(ascii: ";") { index += 1; continue }
            let name = token()
            if name.isEmpty { index += 1; continue }
            guard skip(UInt8(ascii: "=")) else { continue }
            skipWhitespaceAndComments()
            let value = index < bytes.count && bytes[index] == UInt8(ascii: "\"") ? quotedString() : looseToken()
            result.append(MIMEParameter(name: name, value: value))
        }
        return result
    }

    private mutating func looseToken() -> [UInt8] {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte <= .space || byte == 0x7F || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "(")
                || byte == UInt8(ascii: "\"") { break }
            index += 1
        }
        return Array(bytes[start..<index])
    }

    private mutating func quotedString() -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                out.append(bytes[index])
                index += 1
            } else {
                out.append(byte)
            }
        }
        return out
    }

    private mutating func skipWhitespaceAndComments() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "(") {
                index = MIMEValueReader.commentEnd(bytes, from: index)
            } else if byte <= .space {
                index += 1
            } else {
                return
            }
        }
    }

    /// Index just past the comment opening at `start`: comments nest and `\` escapes.
    static func commentEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var depth = 0
        var i = start
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        return bytes.count
    }

    private static func endsToken(_ byte: UInt8) -> Bool {
        if byte <= .space || byte == 0x7F { return true }
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
             UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
