/// One field of a header block.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written, without the colon or whitespace before it.
    public var name: String
    /// The bytes after the colon up to (not including) the line end that closes the
    /// field; folding line breaks inside are kept.
    public var value: [UInt8]
    /// The whole field, its line end included, as offsets into the header block.
    public var range: Range<Int>

    public init(name: String, value: [UInt8], range: Range<Int>) {
        self.name = name
        self.value = value
        self.range = range
    }
}

/// Reading and filtering the fields of a header block (RFC 5322 §2.2), as FETCH
/// BODY[HEADER.FIELDS ...] needs them.
public enum HeaderFields {
    /// Each field of a header block, in order, up to the empty line that ends it.
    public static func fields(in header: UnsafeRawBufferPointer) -> [HeaderField] {
        var result: [HeaderField] = []
        HeaderScanner.scan(header, in: 0..<header.count) { field in
            result.append(HeaderField(
                name: String(decoding: header[field.name], as: UTF8.self),
                value: Array(header[field.value]),
                range: field.whole))
        }
        return result
    }

    /// BODY[HEADER.FIELDS (names)] or, with `not`, HEADER.FIELDS.NOT: the fields whose
    /// names are (or are not) among `names`, byte for byte in message order, then the
    /// empty line (RFC 9051 §6.4.5). Names match ignoring ASCII case.
    public static func select(_ header: UnsafeRawBufferPointer, names: [String], not: Bool) -> [UInt8] {
        select(header, lowercased: lowercased(names), not: not)
    }

    /// `names` as `select(_:lowercased:not:)` takes them, for a caller that selects the
    /// same fields from many messages.
    public static func lowercased(_ names: [String]) -> [[UInt8]] {
        names.map { Array($0.utf8).asciiLowercased }
    }

    /// `select(_:names:not:)` with the names already lowercased.
    public static func select(_ header: UnsafeRawBufferPointer, lowercased wanted: [[UInt8]], not: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(header.count + 2)
        HeaderScanner.scan(header, in: 0..<header.count) { field in
            let listed = wanted.contains { header.equalsIgnoringCase(field.name, $0) }
            guard listed != not else { return }
            // As a buffer, not a slice: one copy, not one per byte.
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: header[field.whole]))
            // A last field cut off by the end of the data still gets its line end.
            if header[field.whole.upperBound - 1] != .lf { out += [.cr, .lf] }
        }
        out += [.cr, .lf]
        return out
    }
}

/// Where one header field lies, as offsets into the scanned buffer.
struct RawHeaderField {
    var name: Range<Int>
    var value: Range<Int>
    var whole: Range<Int>
}

enum HeaderScanner {
    /// Calls `visit` for each field of the header block starting at `range.lowerBound`
    /// and returns where the body starts: just past the empty line, or `range.upperBound`
    /// when there is none. Lines may end in CRLF or a bare LF. A line without a colon
    /// is a field whose name is the whole line; a continuation line (leading SP/TAB)
    /// belongs to the field before it.
    @discardableResult
    static func scan(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>,
                     _ visit: (RawHeaderField) -> Void) -> Int {
        let end = range.upperBound
        var fieldStart: Int? = nil
        var i = range.lowerBound
        while i < end {
            let first = bytes[i]
            if first == .lf || (first == .cr && i + 1 < end && bytes[i + 1] == .lf) {
                if let start = fieldStart { visit(field(bytes, start..<i)) }
                return first == .lf ? i + 1 : i + 2
            }
            if fieldStart == nil || !first.isWhitespace {
                if let start = fieldStart { visit(field(bytes, start..<i)) }
                fieldStart = i
            }
            i = bytes.lineEnd(from: i, limit: end)
        }
        if let start = fieldStart { visit(field(bytes, start..<end)) }
        return end
    }

    private static func field(_ bytes: UnsafeRawBufferPointer, _ whole: Range<Int>) -> RawHeaderField {
        let contentEnd = whole.upperBound - bytes.lineBreakLength(before: whole.upperBound, floor: whole.lowerBound)
        let firstLineEnd = bytes.firstIndex(of: .lf, in: whole.lowerBound..<contentEnd) ?? contentEnd
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":"), in: whole.lowerBound..<firstLineEnd) else {
            return RawHeaderField(name: bytes.trimmed(whole.lowerBound..<firstLineEnd), value: contentEnd..<contentEnd, whole: whole)
        }
        var nameEnd = colon
        while nameEnd > whole.lowerBound, bytes[nameEnd - 1].isWhitespace { nameEnd -= 1 }
        return RawHeaderField(name: whole.lowerBound..<nameEnd, value: colon + 1..<contentEnd, whole: whole)
    }
}
