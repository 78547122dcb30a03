import Foundation
import Store
import Testing

/// RFC 5256 §2.1 base subjects, case by case.
@Suite struct BaseSubjectTests {
    static let cases: [(subject: String?, base: String, isReply: Bool)] = [
        (nil, "", false),
        ("", "", false),
        ("Hello", "Hello", false),
        ("Re: Hello", "Hello", true),
        ("RE: Re: re: Hello", "Hello", true),
        ("Re:Hello", "Hello", true),
        ("Re : Hello", "Hello", true),
        ("Fwd: Hello", "Hello", true),
        ("FW: Hello", "Hello", true),
        ("fw:Hello", "Hello", true),
        ("Re[2]: Hello", "Hello", true),
        ("Re [2]: Hello", "Hello", true),
        ("[ietf] Re: Hello", "Hello", true),
        ("Re: [ietf] [other] Hello", "Hello", true),
        ("[ietf] Hello", "Hello", false),
        ("[ietf]", "[ietf]", false),
        ("[a][b]", "[b]", false),
        ("Re:", "", true),
        ("Reply: Hello", "Reply: Hello", false),
        ("Refund", "Refund", false),
        ("Fwding", "Fwding", false),
        ("Hello (fwd)", "Hello", true),
        ("Hello (FWD) (fwd)  ", "Hello", true),
        ("Hello(fwd)", "Hello", true),
        ("[fwd: Hello]", "Hello", true),
        ("[Fwd: Re: Hello] (fwd)", "Hello", true),
        ("Fwd: [fwd: Re: [list] Hello]", "Hello", true),
        ("[fwd: ]", "", true),
        ("  Hello \t  World  ", "Hello World", false),
        ("Re:\tRe:\t Hello", "Hello", true),
        ("=?UTF-8?Q?Re=3A_Gr=C3=BC=C3=9Fe?=", "Grüße", true),
        ("=?ISO-8859-1?Q?Gr=FC=DFe?= =?ISO-8859-1?Q?_aus_K=F6ln?=", "Grüße aus Köln", false),
        ("Re: =?UTF-8?B?5pel5pys6Kqe?=", "日本語", true),
        ("[PATCH v2 3/7] Re: fix", "fix", true),
        ("Re: Re[3]: [list]Hi", "Hi", true),
        ("AW: Hallo", "AW: Hallo", false),
    ]

    @Test(arguments: cases)
    func extraction(subject: String?, base: String, isReply: Bool) {
        let extracted = BaseSubject(subject: subject)
        #expect(extracted.text == base, "\(subject ?? "nil")")
        #expect(extracted.isReplyOrForward == isReply, "\(subject ?? "nil")")
    }

    @Test func hostileSubjectsEndQuickly() {
        let nested = String(repeating: "[fwd: ", count: 5000) + "x" + String(repeating: "]", count: 5000)
        #expect(BaseSubject(subject: nested).text == "x")
        let blobs = String(repeating: "[", count: 20_000) + "Re:"
        #expect(BaseSubject(subject: blobs).text == blobs)
        let leaders = String(repeating: "Re: ", count: 20_000) + "end"
        #expect(BaseSubject(subject: leaders).text == "end")
        let tags = String(repeating: "[tag] ", count: 100_000) + "end"
        #expect(BaseSubject(subject: tags).text == "end")
        #expect(BaseSubject(subject: String(repeating: "[tag] ", count: 50_000) + "Re: end").text == "end")
    }
}

/// SORT's ordering rules (RFC 5256 §3, RFC 5957) on fields as the store keeps them.
@Suite struct MessageSortTests {
    func message(_ uid: UInt32, date: Int64? = nil, arrival: Int64 = 0, size: Int = 0, subject: String? = nil,
                 from: String? = nil, to: String? = nil, cc: String? = nil) -> SortFields {
        SortFields(uid: UID(uid), internalDate: arrival, size: size, sentDate: date, subject: subject, from: from, to: to, cc: cc)
    }

    func sorted(_ messages: [SortFields], _ criteria: [SortCriterion]) -> [UInt32] {
        MessageSort.sorted(messages, by: criteria).map(\.rawValue)
    }

    @Test func numbersAndDates() {
        let m = [
            message(1, date: 300, arrival: 10, size: 500),
            message(2, date: nil, arrival: 200, size: 100),  // no Date: its internal date counts
            message(3, date: 100, arrival: 30, size: 500),
            message(4, date: 300, arrival: 5, size: 900),
        ]
        #expect(sorted(m, [SortCriterion(.date)]) == [3, 2, 1, 4])
        #expect(sorted(m, [SortCriterion(.arrival)]) == [4, 1, 3, 2])
        #expect(sorted(m, [SortCriterion(.size)]) == [2, 1, 3, 4])
        // REVERSE turns its key only: equal messages stay in mailbox order (RFC 5256 §3).
        #expect(sorted(m, [SortCriterion(.size, reverse: true)]) == [4, 1, 3, 2])
        #expect(sorted(m, [SortCriterion(.date, reverse: true)]) == [1, 4, 2, 3])
        #expect(sorted(m, [SortCriterion(.size, reverse: true), SortCriterion(.date, reverse: true)]) == [4, 1, 3, 2])
        #expect(sorted(m, [SortCriterion(.size), SortCriterion(.arrival, reverse: true)]) == [2, 3, 1, 4])
        #expect(sorted([], [SortCriterion(.subject)]) == [])
    }

    @Test func subjectsByBaseSubjectAndCasemap() {
        let m = [
            message(1, subject: "Re: banana"),
            message(2, subject: "apple"),
            message(3, subject: nil),
            message(4, subject: "[list] Apple"),
            message(5, subject: "_underscore"),
            message(6, subject: "Äpfel"),
            message(7, subject: "Cherry"),
        ]
        // The empty subject first; "apple" and "Apple" equal; titlecase puts letters before "_";
        // "Ä" decomposes to "A" and a combining mark, after the plain "apple".
        #expect(sorted(m, [SortCriterion(.subject)]) == [3, 2, 4, 6, 1, 7, 5])
        #expect(sorted(m, [SortCriterion(.subject, reverse: true)]) == [5, 7, 1, 6, 2, 4, 3])
    }

    @Test func addressKeys() {
        let m = [
            message(1, from: "Zed <alpha@z.test>", to: "b@x.test, a@x.test", cc: nil),
            message(2, from: "\"Anna\" <zulu@a.test>", to: "Undisclosed recipients:;", cc: "c@x.test"),
            message(3, from: "bravo@b.test", to: "=?UTF-8?Q?=C3=89mile?= <mile@x.test>", cc: "Bob <B@x.test>"),
            message(4, from: "=?UTF-8?B?w4Z0aGVs?= <charlie@c.test>", to: nil, cc: "(comment only)"),
        ]
        // FROM compares the addr-mailbox: alpha, zulu, bravo, charlie.
        #expect(sorted(m, [SortCriterion(.from)]) == [1, 3, 4, 2])
        // DISPLAYFROM the display name, else the address: Zed, Anna, bravo@b.test, Æthel.
        #expect(sorted(m, [SortCriterion(.displayFrom)]) == [2, 3, 1, 4])
        // TO: b, the group's name, mile, none.
        #expect(sorted(m, [SortCriterion(.to)]) == [4, 1, 3, 2])
        // DISPLAYTO: none, b@x.test, Émile, the group's name.
        #expect(sorted(m, [SortCriterion(.displayTo)]) == [4, 1, 3, 2])
        // CC: none, c, B (case does not count), a comment that is no address.
        #expect(sorted(m, [SortCriterion(.cc)]) == [1, 4, 3, 2])
    }
}

/// RFC 5256 §3 threading of fields as the store keeps them.
@Suite struct MessageThreadingTests {
    struct Mail {
        var id: String?
        var subject: String
        var date: Int64
        var references: String? = nil
        var inReplyTo: String? = nil
    }

    /// The threads in RFC 5256 §4 form, with UIDs.
    func threads(_ mails: [Mail], _ algorithm: ThreadAlgorithm) -> String {
        let fields = mails.enumerated().map { i, m in
            SortFields(uid: UID(UInt32(i + 1)), internalDate: 0, size: 0, sentDate: m.date, subject: m.subject,
                       messageID: m.id, inReplyTo: m.inReplyTo, references: m.references)
        }
        let forest = MessageThreading.threads(fields, by: algorithm)
        func members(_ k: Int) -> String {
            let node = forest.nodes[k]
            let nested = node.children.map { "(" + members($0) + ")" }.joined()
            guard let uid = node.member else { return nested }
            switch node.children.count {
            case 0: return "\(uid)"
            case 1: return "\(uid) " + members(node.children[0])
            default: return "\(uid) " + nested
            }
        }
        return forest.roots.map { "(" + members($0) + ")" }.joined()
    }

    @Test func orderedSubject() {
        let mails = [
            Mail(id: "<1@x>", subject: "B", date: 50),
            Mail(id: "<2@x>", subject: "A", date: 10),
            Mail(id: "<3@x>", subject: "Re: B", date: 60),
            Mail(id: "<4@x>", subject: "re: a", date: 5),
            Mail(id: "<5@x>", subject: "C", date: 70),
            Mail(id: "<6@x>", subject: "Fwd: A", date: 80),
        ]
        // A: 4 (5), 2 (10), 6 (80); B: 1, 3; threads by their first message's date.
        #expect(threads(mails, .orderedSubject) == "(4 (2)(6))(1 3)(5)")
    }

    @Test func referencesChains() {
        let mails = [
            Mail(id: "<a@x>", subject: "Plan", date: 10),
            Mail(id: "<b@x>", subject: "Re: Plan", date: 20, references: "<a@x>"),
            Mail(id: "<c@x>", subject: "Re: Plan", date: 30, references: "<a@x> <b@x>"),
            Mail(id: "<d@x>", subject: "Re: Plan", date: 25, references: "<a@x>\r\n <b@x>"),
            Mail(id: "<e@x>", subject: "Other", date: 5, inReplyTo: "Mail of Bob <nowhere@x> (really)"),
        ]
        // 2 has two replies, sorted by date: 4 (25) before 3 (30). 5 replies to a message
        // not here: its placeholder parent goes, leaving 5 alone.
        #expect(threads(mails, .references) == "(5)(1 2 (4)(3))")
    }

    @Test func placeholdersForMissingParents() {
        let mails = [
            Mail(id: "<c1@x>", subject: "Re: Lost", date: 10, references: "<lost@x>"),
            Mail(id: "<c2@x>", subject: "Re: Lost", date: 20, references: "<lost@x>"),
            Mail(id: "<d1@x>", subject: "Deep", date: 30, references: "<p1@x> <p2@x>"),
        ]
        // Two siblings of a missing parent stay together under a placeholder; a single
        // child of a missing chain moves up to the root.
        #expect(threads(mails, .references) == "((1)(2))(3)")
    }

    @Test func referencesQuotingDuplicatesAndLoops() {
        let mails = [
            Mail(id: "<\"q.id\"@x>", subject: "One", date: 10),
            Mail(id: "<r@x>", subject: "Two", date: 20, references: "<q.id@x>"),
            Mail(id: "<r@x>", subject: "Three", date: 30),  // a duplicate ID: this one is no parent
            Mail(id: "<s@x>", subject: "Four", date: 40, references: "<t@x>"),
            Mail(id: "<t@x>", subject: "Five", date: 50, references: "<s@x>"),
            Mail(id: "<self@x>", subject: "Six", date: 60, references: "<self@x>"),
        ]
        // 2 answers 1 despite the quoting. 4 and 5 refer to each other: 4 goes under 5, and
        // the link that would close the loop is not made. 6 refers to itself and stays alone.
        #expect(threads(mails, .references) == "(1 2)(3)(5 4)(6)")
    }

    @Test func subjectGathering() {
        let mails = [
            Mail(id: "<1@x>", subject: "Lunch", date: 10),
            Mail(id: "<2@x>", subject: "Re: Lunch", date: 20),       // no references, a reply by subject
            Mail(id: "<3@x>", subject: "Lunch", date: 30),           // same subject, not a reply
            Mail(id: "<4@x>", subject: "Re: Dinner", date: 5),       // replies only
            Mail(id: "<5@x>", subject: "Re: Dinner", date: 15),
            Mail(id: "<6@x>", subject: "", date: 1),                 // an empty subject joins nothing
            Mail(id: "<7@x>", subject: "", date: 2),
        ]
        // Lunch: the reply 2 goes under the original 1; 1 and 3 are both originals, so they
        // become siblings under a placeholder. Dinner: two replies, siblings likewise.
        #expect(threads(mails, .references) == "(6)(7)((4)(5))((1 2)(3))")
    }

    @Test func subjectGatheringIntoPlaceholder() {
        let mails = [
            Mail(id: "<a@x>", subject: "Re: Trip", date: 10, references: "<gone@x>"),
            Mail(id: "<b@x>", subject: "Re: Trip", date: 20, references: "<gone@x>"),
            Mail(id: "<c@x>", subject: "Trip", date: 30),
        ]
        // The placeholder of the missing parent holds the subject; the original joins it.
        #expect(threads(mails, .references) == "((1)(2)(3))")
    }

    @Test func deepThreadsNeedNoRecursion() {
        var mails = [Mail(id: "<0@x>", subject: "Chain", date: 0)]
        for i in 1..<20_000 { mails.append(Mail(id: "<\(i)@x>", subject: "Re: Chain", date: Int64(i), inReplyTo: "<\(i - 1)@x>")) }
        let fields = mails.enumerated().map { i, m in
            SortFields(uid: UID(UInt32(i + 1)), internalDate: 0, size: 0, sentDate: m.date, subject: m.subject,
                       messageID: m.id, inReplyTo: m.inReplyTo)
        }
        let forest = MessageThreading.threads(fields, by: .references)
        #expect(forest.roots.count == 1)
        var depth = 0
        var k = forest.roots[0]
        while let next = forest.nodes[k].children.first {
            k = next
            depth += 1
        }
        #expect(depth == 19_999)
    }
}

/// The store's side: one query for the fields, in UID order, only the columns asked for.
@Suite struct SortFieldsTests {
    @Test func fieldsFromTheIndex() throws {
        let f = try Fixture()
        let inbox = try f.inbox()
        let raw = "From: \"Ann\" <ann@x.test>\r\nTo: bob@y.test\r\nCc: c@z.test\r\nSubject: =?UTF-8?Q?Re=3A_Hi?=\r\n"
            + "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\nMessage-ID: <m1@x.test>\r\nIn-Reply-To: <m0@x.test>\r\n"
            + "References: <m-1@x.test> <m0@x.test>\r\n\r\nBody\r\n"
        _ = try f.alice.append([NewMessage(bytes: Array(raw.utf8), internalDate: 1_000)], to: inbox.id)
        _ = try f.alice.append([NewMessage(bytes: Array("Subject: second\r\n\r\nx".utf8), internalDate: 2_000)], to: inbox.id)
        _ = try f.alice.append([NewMessage(bytes: Array("Subject: third\r\n\r\nx".utf8), internalDate: 3_000)], to: inbox.id)
        let all = try f.alice.sortFields(in: inbox.id, uids: UIDSet(ranges: [1...3]), parts: [.sentDate, .subject, .from, .to, .cc, .references])
        #expect(all.map(\.uid) == [UID(1), UID(2), UID(3)])
        #expect(all[0] == SortFields(uid: UID(1), internalDate: 1_000, size: raw.utf8.count, sentDate: 1_796_115_600,
                                     subject: "=?UTF-8?Q?Re=3A_Hi?=", from: "\"Ann\" <ann@x.test>", to: "bob@y.test",
                                     cc: "c@z.test", messageID: "<m1@x.test>", inReplyTo: "<m0@x.test>",
                                     references: "<m-1@x.test> <m0@x.test>"))
        #expect(all[1].sentDate == nil && all[1].sentOrInternalDate == 2_000)
        let some = try f.alice.sortFields(in: inbox.id, uids: UIDSet([UID(1), UID(3)]), parts: [])
        #expect(some.map(\.uid) == [UID(1), UID(3)])
        #expect(some[0].sentDate == nil && some[0].subject == nil && some[0].from == nil && some[0].references == nil)
        #expect(try f.alice.sortFields(in: inbox.id, uids: UIDSet([UID(1)]), parts: .sentDate)[0].sentDate == 1_796_115_600)
        #expect(try f.alice.sortFields(in: inbox.id, uids: UIDSet(), parts: .subject).isEmpty)
    }
}
