import IMAPD
import NIOCore
import Store
import Testing

/// SORT and THREAD as the parser reads them (RFC 5256 §5, RFC 5957, RFC 5267) and their
/// answers as the encoder writes them.
@Suite struct SortGrammarTests {
    func parse(_ text: String) throws -> Command {
        try CommandParser.parse(text).get().command
    }

    @Test func sortCommands() throws {
        #expect(try parse("a SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994") == .sort(SortArguments(
            criteria: [SortCriterion(.subject)], charset: "UTF-8",
            key: .since(CivilDate(year: 1994, month: 2, day: 1).daysSince1970)), uid: false))
        #expect(try parse("a UID SORT (REVERSE ARRIVAL cc date From size Subject TO displayfrom REVERSE DISPLAYTO) us-ascii ALL")
            == .sort(SortArguments(criteria: [
                SortCriterion(.arrival, reverse: true), SortCriterion(.cc), SortCriterion(.date), SortCriterion(.from),
                SortCriterion(.size), SortCriterion(.subject), SortCriterion(.to), SortCriterion(.displayFrom),
                SortCriterion(.displayTo, reverse: true),
            ], charset: "us-ascii", key: .all), uid: true))
        #expect(try parse("a SORT (DATE) \"UTF-8\" UNSEEN FROM {5+}\r\nalice") == .sort(SortArguments(
            criteria: [SortCriterion(.date)], charset: "UTF-8", key: .and([.notFlag(.seen), .header("FROM", Array("alice".utf8))])), uid: false))
        #expect(try parse("a UID SORT RETURN (MIN MAX ALL COUNT SAVE) (DATE) UTF-8 $") == .sort(SortArguments(
            returning: [.min, .max, .all, .count, .save], criteria: [SortCriterion(.date)], charset: "UTF-8",
            key: .sequence(.savedResult)), uid: true))
        #expect(try parse("a SORT RETURN () (SIZE) UTF-8 ALL") == .sort(SortArguments(
            returning: [], criteria: [SortCriterion(.size)], charset: "UTF-8", key: .all), uid: false))
    }

    @Test func threadCommands() throws {
        #expect(try parse("a THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000") == .thread(ThreadArguments(
            algorithm: .orderedSubject, charset: "UTF-8", key: .since(CivilDate(year: 2000, month: 3, day: 5).daysSince1970)), uid: false))
        #expect(try parse("a UID THREAD references US-ASCII TEXT \"gewp\"") == .thread(ThreadArguments(
            algorithm: .references, charset: "US-ASCII", key: .text(Array("gewp".utf8))), uid: true))
        #expect(try CommandParser.parse("a THREAD REFERENCES UTF-8 ALL").get().command.name == "THREAD")
        #expect(try CommandParser.parse("a UID SORT (DATE) UTF-8 ALL").get().command.name == "UID SORT")
    }

    /// Incomplete and hostile input: a BAD that says what is wrong, never a crash.
    @Test(arguments: [
        ("a SORT", "Missing arguments"),
        ("a SORT (", "Missing sort criteria"),
        ("a SORT ()", "Expected a sort key"),
        ("a SORT (DATE", "Missing arguments"),
        ("a SORT (DATE)", "Missing arguments"),
        ("a SORT (DATE) ", "Missing charset"),
        ("a SORT (DATE) UTF-8", "Missing arguments"),
        ("a SORT (DATE) UTF-8 ", "Missing arguments"),
        ("a SORT DATE UTF-8 ALL", "Expected '('"),
        ("a SORT (DATE)UTF-8 ALL", "Expected a space"),
        ("a SORT (WEIGHT) UTF-8 ALL", "Unknown sort key WEIGHT"),
        ("a SORT (REVERSE) UTF-8 ALL", "Expected a space"),
        ("a SORT (REVERSE REVERSE DATE) UTF-8 ALL", "Unknown sort key REVERSE"),
        ("a SORT (DATE  SIZE) UTF-8 ALL", "Expected a sort key"),
        ("a SORT (DATE) (UTF-8) ALL", "Expected a charset"),
        ("a SORT (DATE) UTF-8 FROBNICATE", "Unknown search key FROBNICATE"),
        ("a SORT RETURN (UPDATE) (DATE) UTF-8 ALL", "Unknown SEARCH return option UPDATE"),
        ("a SORT (DATE) UTF-8 ALL)", "Unexpected characters after the command"),
        ("a THREAD", "Missing arguments"),
        ("a THREAD REFERENCES", "Missing arguments"),
        ("a THREAD REFERENCES UTF-8", "Missing arguments"),
        ("a THREAD JWZ UTF-8 ALL", "Unknown threading algorithm JWZ"),
        ("a THREAD (REFERENCES) UTF-8 ALL", "Expected an atom"),
        ("a UID THREAD REFERENCES \"UTF-8 ALL", "Unterminated quoted string"),
    ])
    func errors(input: String, message: String) {
        expectParseError(input, message)
    }

    @Test func hostilePrograms() {
        let many = "a SORT (" + Array(repeating: "DATE", count: 1000).joined(separator: " ") + ") UTF-8 ALL"
        guard case .failure(let tooMany) = CommandParser.parse(many) else { Issue.record("accepted"); return }
        #expect(tooMany.message == "Too many sort criteria")
        let deep = "a THREAD REFERENCES UTF-8 " + String(repeating: "(", count: 500) + "ALL" + String(repeating: ")", count: 500)
        guard case .failure(let nested) = CommandParser.parse(deep) else { Issue.record("accepted"); return }
        #expect(nested.message == "Search program nested too deeply")
    }

    func encode(_ r: Response) -> String {
        var e = ResponseEncoder(utf8: false)
        e.write(r)
        return String(buffer: e.buffer)
    }

    @Test func answers() {
        #expect(encode(.sort([5, 3, 4, 1, 2], highestModSeq: nil)) == "* SORT 5 3 4 1 2\r\n")
        #expect(encode(.sort([], highestModSeq: nil)) == "* SORT\r\n")
        #expect(encode(.sort([2], highestModSeq: 7)) == "* SORT 2 (MODSEQ 7)\r\n")
        // ESORT's ALL keeps the sort order; only runs counting up become ranges.
        #expect(encode(.esearch(tag: "t", uid: true, items: [.min(9), .max(1), .allInOrder([9, 3, 4, 5, 2, 1]), .count(6)]))
            == "* ESEARCH (TAG \"t\") UID MIN 9 MAX 1 ALL 9,3:5,2,1 COUNT 6\r\n")
        #expect(encode(.thread(ThreadForest(nodes: [], roots: []))) == "* THREAD\r\n")
    }

    /// RFC 5256 §4's examples: `(2)(3 6 (4 23)(44 7 96))` and a placeholder's `((3)(5))`.
    @Test func threadAnswers() {
        typealias Node = ThreadForest<UInt32>.Node
        let nodes: [Node] = [
            Node(member: 2, children: []),        // 0
            Node(member: 3, children: [2]),       // 1
            Node(member: 6, children: [3, 5]),    // 2
            Node(member: 4, children: [4]),       // 3
            Node(member: 23, children: []),       // 4
            Node(member: 44, children: [6]),      // 5
            Node(member: 7, children: [7]),       // 6
            Node(member: 96, children: []),       // 7
            Node(member: nil, children: [9, 10]), // 8
            Node(member: 3, children: []),        // 9
            Node(member: 5, children: []),        // 10
        ]
        #expect(encode(.thread(ThreadForest(nodes: nodes, roots: [0, 1]))) == "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n")
        #expect(encode(.thread(ThreadForest(nodes: nodes, roots: [8]))) == "* THREAD ((3)(5))\r\n")
    }
}
