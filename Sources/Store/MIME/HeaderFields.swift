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
    public static func select(_ header: UnsafeRawBufferPointer, _ names: HeaderFieldNames, not: Bool) -> [UInt8] {
        var fields: [Range<Int>] = []
        let count = selected(header, names, not: not, into: &fields)
        return [UInt8](unsafeUninitializedCapacity: count) { raw, written in
            written = copy(header, fields, into: UnsafeMutableRawBufferPointer(raw))
        }
    }

    /// Where the fields `select` copies lie in `header`, appended to `fields`; returns the
    /// length of `select`'s answer. A caller writing the answer out (a literal's length
    /// first) needs no copy of it: `copy` writes it from these ranges.
    public static func selected(_ header: UnsafeRawBufferPointer, _ names: HeaderFieldNames, not: Bool,
                                into fields: inout [Range<Int>]) -> Int {
        var count = 2
        HeaderScanner.scan(header, in: 0..<header.count) { field in
            guard names.contains(header, field.name) != not else { return }
            fields.append(field.whole)
            count += field.whole.count + (header[field.whole.upperBound - 1] == .lf ? 0 : 2)
        }
        return count
    }

    /// Writes the answer `selected` measured into `destination`, which must hold it, and
    /// returns its length.
    public static func copy(_ header: UnsafeRawBufferPointer, _ fields: [Range<Int>], into destination: UnsafeMutableRawBufferPointer) -> Int {
        var at = 0
        func lineEnd() {
            destination[at] = .cr
            destination[at + 1] = .lf
            at += 2
        }
        for field in fields {
            UnsafeMutableRawBufferPointer(rebasing: destination[at..<at + field.count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: header[field]))
            at += field.count
            // A last field cut off by the end of the data still gets its line end.
            if header[field.upperBound - 1] != .lf { lineEnd() }
        }
        lineEnd()
        return at
    }
}

/// The field names of a HEADER.FIELDS list, lowercased and grouped by length, so that
/// matching a field looks only at the names as long as its own: a header sync asks for
/// 14 names in each of 100,000 headers.
public struct HeaderFieldNames: Sendable {
    /// The lowercased names one after another, shortest first.
    private let text: [UInt8]
    /// Where each name starts in `text`.
    private let starts: [Int]
    /// For each length, the first name (index into `starts`) at least that long.
    private let firstOfLength: [Int]

    public init(_ names: [String]) {
        let lowered = names.map { Array($0.utf8).asciiLowercased }.sorted { $0.count < $1.count }
        var text: [UInt8] = []
        var starts: [Int] = []
        var first: [Int] = []
        for name in lowered {
            while first.count <= name.count { first.append(starts.count) }
            starts.append(text.count)
            text += name
        }
        first.append(starts.count)
        self.text = text
        self.starts = starts
        self.firstOfLength = first
    }

    /// Whether the bytes of `range` are one of the names, ignoring ASCII case.
    public func contains(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let length = range.count
        guard length + 1 < firstOfLength.count else { return false }
        return text.withUnsafeBufferPointer { text in
            for entry in firstOfLength[length]..<firstOfLength[length + 1] {
                let start = starts[entry]
                var i = 0
                while i < length && bytes[range.lowerBound + i].asciiLowercased == text[start + i] { i += 1 }
                if i == length { return true }
            }
            return false
        }
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
        /// Just past the end of the first line of the field at `fieldStart`.
        var firstLine = 0
        var i = range.lowerBound
        while i < end {
            let first = bytes[i]
            if first == .lf || (first == .cr && i + 1 < end && bytes[i + 1] == .lf) {
                if let start = fieldStart { visit(field(bytes, start..<i, firstLine: firstLine)) }
                return first == .lf ? i + 1 : i + 2
            }
            let starts = fieldStart == nil || !first.isWhitespace
            if starts, let start = fieldStart { visit(field(bytes, start..<i, firstLine: firstLine)) }
            if starts { fieldStart = i }
            i = bytes.lineEnd(from: i, limit: end)
            if starts { firstLine = i }
        }
        if let start = fieldStart { visit(field(bytes, start..<end, firstLine: firstLine)) }
        return end
    }

    /// The parts of the field `whole`, whose first line ends just before `firstLine`.
    private static func field(_ bytes: UnsafeRawBufferPointer, _ whole: Range<Int>, firstLine: Int) -> RawHeaderField {
        let contentEnd = whole.upperBound - bytes.lineBreakLength(before: whole.upperBound, floor: whole.lowerBound)
        let firstLineEnd = min(bytes[firstLine - 1] == .lf ? firstLine - 1 : firstLine, contentEnd)
        // A name is a few bytes long: a loop finds its colon sooner than a call to memchr.
        var colon = whole.lowerBound
        while colon < firstLineEnd && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < firstLineEnd else {
            return RawHeaderField(name: bytes.trimmed(whole.lowerBound..<firstLineEnd), value: contentEnd..<contentEnd, whole: whole)
        }
        var nameEnd = colon
        while nameEnd > whole.lowerBound, bytes[nameEnd - 1].isWhitespace { nameEnd -= 1 }
        return RawHeaderField(name: whole.lowerBound..<nameEnd, value: colon + 1..<contentEnd, whole: whole)
    }
}
