import IMAPD
import NIOCore
import Store
import Testing

/// PARTIAL (RFC 9394 §4) as the parser reads it in SEARCH, SORT and FETCH, and the ESEARCH
/// return data as the encoder writes it.
@Suite struct PartialGrammarTests {
    func parse(_ text: String) throws -> Command {
        try CommandParser.parse(text).get().command
    }

    @Test func searchReturnOptions() throws {
        #expect(try parse("A01 UID SEARCH RETURN (PARTIAL 1:500) UNDELETED")
            == .search(SearchArguments(returning: [], partial: PartialRange(1, 500), key: .notFlag(.deleted)), uid: true))
        #expect(try parse("A04 UID SEARCH RETURN (PARTIAL -1:-100) UNDELETED UNKEYWORD $Junk")
            == .search(SearchArguments(returning: [], partial: PartialRange(1, 100, fromEnd: true),
                                       key: .and([.notFlag(.deleted), .notKeyword("$Junk")])), uid: true))
        #expect(try parse("a SEARCH RETURN (count partial 500:400 MIN SAVE) ALL")
            == .search(SearchArguments(returning: [.count, .min, .save], partial: PartialRange(500, 400), key: .all), uid: false))
        #expect(try parse("a SEARCH RETURN (MAX PARTIAL 4294967295:1) ALL")
            == .search(SearchArguments(returning: [.max], partial: PartialRange(4_294_967_295, 1), key: .all), uid: false))
        #expect(try parse("a SEARCH RETURN (ALL COUNT) ALL") == .search(SearchArguments(returning: [.all, .count], key: .all), uid: false))
    }

    @Test func sortReturnOptions() throws {
        #expect(try parse("a UID SORT RETURN (PARTIAL -10:-1 COUNT) (REVERSE DATE) UTF-8 ALL") == .sort(SortArguments(
            returning: [.count], partial: PartialRange(10, 1, fromEnd: true), criteria: [SortCriterion(.date, reverse: true)],
            charset: "UTF-8", key: .all), uid: true))
    }

    @Test func fetchModifiers() throws {
        let all = SequenceSet.all
        #expect(try parse("10 UID FETCH 1:* (UID FLAGS) (PARTIAL -1:-3)")
            == .fetch(all, [.uid, .flags], FetchModifiers(partial: PartialRange(1, 3, fromEnd: true)), uid: true))
        #expect(try parse("a UID FETCH 1:* FLAGS (CHANGEDSINCE 12345 partial 1:50)")
            == .fetch(all, [.flags], FetchModifiers(changedSince: 12345, partial: PartialRange(1, 50)), uid: true))
        #expect(try parse("a UID FETCH 1:* FLAGS (PARTIAL 1:50 CHANGEDSINCE 12345 VANISHED)")
            == .fetch(all, [.flags], FetchModifiers(changedSince: 12345, vanished: true, partial: PartialRange(1, 50)), uid: true))
        #expect(try parse("a FETCH 1:* FLAGS (PARTIAL 2:1)")
            == .fetch(all, [.flags], FetchModifiers(partial: PartialRange(2, 1)), uid: false))
    }

    /// Incomplete and hostile ranges: a BAD that says what is wrong, never a crash.
    @Test(arguments: [
        ("a SEARCH RETURN (PARTIAL) ALL", "Expected a space"),
        ("a SEARCH RETURN (PARTIAL ", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL 1", "Expected ':' at the end"),
        ("a SEARCH RETURN (PARTIAL 1:", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL 5) ALL", "Expected ':'"),
        ("a SEARCH RETURN (PARTIAL 0:5) ALL", "Zero is not allowed here"),
        ("a SEARCH RETURN (PARTIAL 1:0) ALL", "Zero is not allowed here"),
        ("a SEARCH RETURN (PARTIAL -0:-5) ALL", "Zero is not allowed here"),
        ("a SEARCH RETURN (PARTIAL 1:*) ALL", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL *:1) ALL", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL -1:5) ALL", "A PARTIAL range counts both ends from the same side"),
        ("a SEARCH RETURN (PARTIAL 1:-5) ALL", "A PARTIAL range counts both ends from the same side"),
        ("a SEARCH RETURN (PARTIAL --1:-5) ALL", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL 1:4294967296) ALL", "Number too large"),
        ("a SEARCH RETURN (PARTIAL 99999999999999999999999:1) ALL", "Number too large"),
        ("a SEARCH RETURN (PARTIAL \"1:5\") ALL", "Expected a number"),
        ("a SEARCH RETURN (PARTIAL 1:5 ALL) ALL", "Only one of PARTIAL and ALL may be given"),
        ("a SEARCH RETURN (ALL PARTIAL 1:5) ALL", "Only one of PARTIAL and ALL may be given"),
        ("a SEARCH RETURN (PARTIAL 1:5 PARTIAL 6:9) ALL", "Only one of PARTIAL and ALL may be given"),
        ("a SEARCH RETURN (ALL ALL) ALL", "Only one of PARTIAL and ALL may be given"),
        ("a SORT RETURN (PARTIAL 1:5 ALL) (DATE) UTF-8 ALL", "Only one of PARTIAL and ALL may be given"),
        ("a SORT RETURN (PARTIAL -1:5) (DATE) UTF-8 ALL", "A PARTIAL range counts both ends from the same side"),
        ("a UID FETCH 1:* FLAGS (PARTIAL)", "Expected a space"),
        ("a UID FETCH 1:* FLAGS (PARTIAL 1:5 PARTIAL 1:2)", "PARTIAL may come only once"),
        ("a UID FETCH 1:* FLAGS (PARTIAL -5:-0)", "Zero is not allowed here"),
        ("a UID FETCH 1:* FLAGS (PARTIAL 1:5", "Missing arguments"),
    ])
    func errors(input: String, message: String) {
        expectParseError(input, message)
    }

    @Test func positions() {
        #expect(PartialRange(1, 500).positions(in: 264) == 0..<264)
        #expect(PartialRange(501, 1000).positions(in: 264) == 264..<264)
        #expect(PartialRange(10, 2).positions(in: 20) == 1..<10)
        #expect(PartialRange(1, 3, fromEnd: true).positions(in: 10) == 7..<10)
        #expect(PartialRange(3, 1, fromEnd: true).positions(in: 10) == 7..<10)
        #expect(PartialRange(5, 15, fromEnd: true).positions(in: 10) == 0..<6)
        #expect(PartialRange(11, 20, fromEnd: true).positions(in: 10) == 0..<0)
        #expect(PartialRange(1, 4_294_967_295, fromEnd: true).positions(in: 0) == 0..<0)
        #expect(PartialRange(4_294_967_295, 4_294_967_295).positions(in: 3) == 3..<3)
    }

    func encode(_ r: Response) -> String {
        var e = ResponseEncoder(utf8: false)
        e.write(r)
        return String(buffer: e.buffer)
    }

    /// RFC 9394 §3.1's answers: the range as asked, then the results in it or NIL.
    @Test func answers() {
        #expect(encode(.esearch(tag: "A02", uid: true, items: [.partial(PartialRange(23500, 24000), UIDSet(ranges: [55500...55763]))]))
            == "* ESEARCH (TAG \"A02\") UID PARTIAL (23500:24000 55500:55763)\r\n")
        #expect(encode(.esearch(tag: "A04", uid: true, items: [.partial(PartialRange(24000, 24500), UIDSet())]))
            == "* ESEARCH (TAG \"A04\") UID PARTIAL (24000:24500 NIL)\r\n")
        #expect(encode(.esearch(tag: "t", uid: false, items: [.min(2), .partial(PartialRange(1, 100, fromEnd: true), UIDSet(ranges: [2...2, 5...9])), .count(30)]))
            == "* ESEARCH (TAG \"t\") MIN 2 PARTIAL (-1:-100 2,5:9) COUNT 30\r\n")
        // ESORT keeps the sort order in the page, as in its ALL.
        #expect(encode(.esearch(tag: "t", uid: true, items: [.partialInOrder(PartialRange(2, 5), [9, 3, 4, 1])]))
            == "* ESEARCH (TAG \"t\") UID PARTIAL (2:5 9,3:4,1)\r\n")
        #expect(encode(.esearch(tag: "t", uid: true, items: [.partialInOrder(PartialRange(3, 1, fromEnd: true), [])]))
            == "* ESEARCH (TAG \"t\") UID PARTIAL (-3:-1 NIL)\r\n")
    }
}
