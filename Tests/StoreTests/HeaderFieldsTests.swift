import Testing
import Store

@Suite struct HeaderFieldsTests {
    static let header = MIMECorpus.crlf("""
        Received: from a.example
         by b.example; Tue, 1 Jul 2003 10:52:37 +0200
        Subject : spaced name
        From: a@example.com
        X-Broken line without colon
        subject: second
        
        body: not a field
        """)

    @Test func fields() {
        let fields = HeaderFieldsTests.header.withUnsafeBytes { HeaderFields.fields(in: $0) }
        #expect(fields.map(\.name) == ["Received", "Subject", "From", "X-Broken line without colon", "subject"])
        #expect(fields[0].value == Array(" from a.example\r\n by b.example; Tue, 1 Jul 2003 10:52:37 +0200".utf8))
        #expect(fields[0].range == 0..<73)
        #expect(fields[1].value == Array(" spaced name".utf8))
        #expect(fields[3].value == [])
        #expect(fields.last?.range == 146..<163)
    }

    static let selections: [(names: [String], not: Bool, expected: String)] = [
        (["SUBJECT"], false, "Subject : spaced name\r\nsubject: second\r\n\r\n"),
        (["from", "received"], false,
         "Received: from a.example\r\n by b.example; Tue, 1 Jul 2003 10:52:37 +0200\r\nFrom: a@example.com\r\n\r\n"),
        (["x-none"], false, "\r\n"),
        (["Received", "Subject"], true, "From: a@example.com\r\nX-Broken line without colon\r\n\r\n"),
        ([], true, String(decoding: header.prefix(163), as: UTF8.self) + "\r\n"),
    ]

    /// RFC 9051 §6.4.5: HEADER.FIELDS keeps fields byte for byte, in message order,
    /// and ends with the empty line.
    @Test(arguments: selections)
    func select(_ names: [String], _ not: Bool, _ expected: String) {
        let selected = HeaderFieldsTests.header.withUnsafeBytes { HeaderFields.select($0, HeaderFieldNames(names), not: not) }
        #expect(selected == Array(expected.utf8))
    }

    @Test func lastFieldWithoutLineEnd() {
        let header = Array("A: 1\r\nB: 2".utf8)
        let selected = header.withUnsafeBytes { HeaderFields.select($0, HeaderFieldNames(["b"]), not: false) }
        #expect(selected == Array("B: 2\r\n\r\n".utf8))
        let fields = header.withUnsafeBytes { HeaderFields.fields(in: $0) }
        #expect(fields == [HeaderField(name: "A", value: Array(" 1".utf8), range: 0..<6),
                           HeaderField(name: "B", value: Array(" 2".utf8), range: 6..<10)])
    }

    @Test func bareLineFeeds() {
        let header = Array("A: 1\nB: 2\n folded\n\nbody".utf8)
        let fields = header.withUnsafeBytes { HeaderFields.fields(in: $0) }
        #expect(fields.map(\.range) == [0..<5, 5..<18])
        #expect(header.withUnsafeBytes { HeaderFields.select($0, HeaderFieldNames(["B"]), not: false) } == Array("B: 2\n folded\n\r\n".utf8))
    }

    /// Names are grouped by length: names of one length, names longer or shorter than
    /// every field, repeated names and case all still match as a plain comparison would.
    @Test func namesOfOneLength() {
        let names = HeaderFieldNames(["TO", "cc", "Cc", "x", "a-name-longer-than-any-field-here", "Subject"])
        let header = Array("To: a\r\nCC: b\r\nTx: c\r\nx: d\r\nXY: e\r\nsUBJECT: f\r\n: g\r\n".utf8)
        header.withUnsafeBytes { raw in
            let fields = HeaderScannerFields.ranges(raw)
            #expect(fields.map { names.contains(raw, $0) } == [true, true, false, true, false, true, false])
            var ranges: [Range<Int>] = []
            let count = HeaderFields.selected(raw, names, not: true, into: &ranges)
            var out = [UInt8](repeating: 0, count: count)
            let written = out.withUnsafeMutableBytes { HeaderFields.copy(raw, ranges, into: $0) }
            #expect(written == count)
            #expect(out == Array("Tx: c\r\nXY: e\r\n: g\r\n\r\n".utf8))
        }
        #expect(!HeaderFieldNames([]).contains(UnsafeRawBufferPointer(start: nil, count: 0), 0..<0))
    }
}

/// The name ranges of a header's fields, as `HeaderFieldNames.contains` is given them.
private enum HeaderScannerFields {
    static func ranges(_ raw: UnsafeRawBufferPointer) -> [Range<Int>] {
        HeaderFields.fields(in: raw).map { field in
            let start = field.range.lowerBound
            return start..<start + field.name.utf8.count
        }
    }
}
