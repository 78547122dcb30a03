import IMAPD
import NIOCore
import Store
import Testing

@Suite struct CommandParserTests {
    func parse(_ text: String) throws -> TaggedCommand {
        try CommandParser.parse(text).get()
    }

    @Test(arguments: [
        ("a1 CAPABILITY", Command.capability),
        ("a1 noop", .noop),
        ("A LOGOUT", .logout),
        ("t STARTTLS", .startTLS),
        ("t NAMESPACE", .namespace),
        ("t IDLE", .idle),
        ("t CHECK", .check),
        ("t CLOSE", .close),
        ("t UNSELECT", .unselect),
        ("t EXPUNGE", .expunge),
        ("t COMPRESS deflate", .compress("DEFLATE")),
        ("t ENABLE IMAP4rev2 CONDSTORE", .enable(["IMAP4rev2", "CONDSTORE"])),
        ("t SELECT INBOX", .select(MailboxName("INBOX"), SelectParameters())),
        ("t EXAMINE \"Sent Items\"", .examine(MailboxName("Sent Items"), SelectParameters())),
        ("t SELECT x (CONDSTORE)", .select(MailboxName("x"), SelectParameters(condstore: true))),
        ("t CREATE Archive (USE (\\Archive))", .create(MailboxName("Archive"), specialUse: ["\\Archive"])),
        ("t DELETE {3+}\r\nfoo", .delete(MailboxName("foo"))),
        ("t RENAME a b", .rename(MailboxName("a"), MailboxName("b"))),
        ("t LOGIN alice \"p\\\"w\"", .login(user: Array("alice".utf8), password: Array("p\"w".utf8))),
        ("t AUTHENTICATE PLAIN", .authenticate(mechanism: "PLAIN", initialResponse: nil)),
        ("t AUTHENTICATE PLAIN =", .authenticate(mechanism: "PLAIN", initialResponse: [])),
        ("t AUTHENTICATE plain AGEAYg==", .authenticate(mechanism: "PLAIN", initialResponse: [0, 97, 0, 98])),
        ("t ID NIL", .id(nil)),
        ("t ID (\"name\" \"Thunderbird\" \"version\" NIL)", .id([IDField(name: "name", value: "Thunderbird"), IDField(name: "version", value: nil)])),
        ("t STATUS INBOX (MESSAGES UNSEEN UIDNEXT)", .status(MailboxName("INBOX"), [.messages, .unseen, .uidNext])),
        ("t UID EXPUNGE 1:3,7", .uidExpunge(SequenceSet(ranges: [.init(.number(1), .number(3)), .init(.number(7), .number(7))]))),
        ("t COPY 2:* Trash", .copy(SequenceSet(ranges: [.init(.number(2), .star)]), MailboxName("Trash"), uid: false)),
        ("t UID MOVE $ Trash", .move(.savedResult, MailboxName("Trash"), uid: true)),
        ("t LSUB \"\" *", .lsub(reference: MailboxName(""), pattern: MailboxName("*"))),
    ])
    func simpleCommands(input: String, expected: Command) throws {
        let parsed = try parse(input)
        #expect(parsed.command == expected)
    }

    @Test func tagIsKept() throws {
        #expect(try parse("A0001 NOOP").tag == "A0001")
        #expect(try parse("x.y-z NOOP").tag == "x.y-z")
    }

    @Test func fetchItems() throws {
        let c = try parse("a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject)]<0.2048> BODY[1.2.MIME] BINARY[2] BINARY.SIZE[2])").command
        guard case .fetch(let set, let items, _, let uid) = c else { Issue.record("not a fetch: \(c)"); return }
        #expect(uid)
        #expect(set == SequenceSet.all)
        #expect(items == [
            .uid, .rfc822Size, .flags,
            .bodySection(Section(text: .headerFields(["From", "To", "Subject"])), partial: Partial(origin: 0, length: 2048), peek: true),
            .bodySection(Section(part: [1, 2], text: .mime), partial: nil, peek: false),
            .binary(part: [2], partial: nil, peek: false),
            .binarySize(part: [2]),
        ])
        #expect(try parse("a FETCH 1 ALL").command == .fetch(SequenceSet(ranges: [.init(.number(1), .number(1))]), FetchAttribute.all, FetchModifiers(), uid: false))
        #expect(try parse("a FETCH 1 BODY[]").command == .fetch(SequenceSet(ranges: [.init(.number(1), .number(1))]), [.bodySection(Section(), partial: nil, peek: false)], FetchModifiers(), uid: false))
        #expect(try parse("a FETCH 1 (FLAGS) (CHANGEDSINCE 12345)").command == .fetch(SequenceSet(ranges: [.init(.number(1), .number(1))]), [.flags], FetchModifiers(changedSince: 12345), uid: false))
    }

    /// RFC 7162 §3.2.5.2's own SELECT, and the other QRESYNC forms.
    @Test func qresyncParameters() throws {
        func set(_ ranges: [(UInt32, UInt32)]) -> SequenceSet { SequenceSet(ranges: ranges.map { .init(.number($0.0), .number($0.1)) }) }
        #expect(try parse("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))").command == .select(MailboxName("INBOX"),
            SelectParameters(qresync: QResyncParameters(uidValidity: 67890007, modSeq: 20050715194045000,
                                                        knownUIDs: set([(41, 41), (43, 211), (214, 541)])))))
        #expect(try parse("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))").command
            == .select(MailboxName("INBOX"), SelectParameters(qresync: QResyncParameters(
                uidValidity: 67890007, modSeq: 90060115194045000, knownUIDs: set([(1, 29997)]),
                sequenceMatch: .init(sequences: set([(5000, 5000), (7500, 7500), (9000, 9000), (9990, 9999)]),
                                     uids: set([15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map { ($0, $0) }))))))
        #expect(try parse("a EXAMINE x (CONDSTORE QRESYNC (1 2))").command == .examine(MailboxName("x"),
            SelectParameters(condstore: true, qresync: QResyncParameters(uidValidity: 1, modSeq: 2))))
        #expect(try parse("a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)").command == .fetch(
            set([(300, 500)]), [.flags], FetchModifiers(changedSince: 12345, vanished: true), uid: true))
        for (bad, message) in [
            ("a SELECT x (QRESYNC (0 5))", "UIDVALIDITY must not be 0"),
            ("a SELECT x (QRESYNC (5 0))", "The mod-sequence must not be 0"),
            ("a SELECT x (QRESYNC (5 6 1:*))", "Known UIDs must be numbers"),
            ("a SELECT x (QRESYNC (5 6 1:9 (1:3 4:5)))", "The sequence match data must pair as many numbers as UIDs"),
            ("a SELECT x (QRESYNC (5 6 1:9 (1:3)))", "Expected a space"),
            ("a SELECT x (QRESYNC (5))", "Expected a space"),
            ("a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "VANISHED needs UID FETCH with CHANGEDSINCE"),
        ] {
            guard case .failure(let e) = CommandParser.parse(bad) else { Issue.record("accepted \(bad)"); continue }
            #expect(e.message == message, "\(bad)")
        }
    }

    @Test func metadataCommands() throws {
        let comment = MetadataEntryName("/shared/comment")!, mine = MetadataEntryName("/private/Vendor/X")!
        #expect(mine.description == "/private/vendor/x")
        #expect(try parse("a GETMETADATA \"\" /shared/comment").command == .getMetadata(MailboxName(""), [comment], MetadataOptions()))
        #expect(try parse("a GETMETADATA (MAXSIZE 1024 DEPTH infinity) INBOX (/shared/comment /private/vendor/x)").command
            == .getMetadata(MailboxName("INBOX"), [comment, mine], MetadataOptions(maxSize: 1024, depth: .infinity)))
        #expect(try parse("a SETMETADATA INBOX (/shared/comment {3}\r\nabc /private/vendor/x NIL)").command
            == .setMetadata(MailboxName("INBOX"), [MetadataValue(name: comment, value: Array("abc".utf8)), MetadataValue(name: mine, value: nil)]))
        guard case .failure(let e) = CommandParser.parse("a GETMETADATA (COLOR red) INBOX /shared/x") else { Issue.record("accepted"); return }
        #expect(e.message == "Unknown GETMETADATA option COLOR")
    }

    @Test func storeForms() throws {
        let one = SequenceSet(ranges: [.init(.number(1), .number(1))])
        #expect(try parse("a STORE 1 +FLAGS.SILENT (\\Seen $Forwarded)").command ==
            .store(one, StoreAction(operation: .add, silent: true, flags: [.system(.seen), .keyword("$Forwarded")]), unchangedSince: nil, uid: false))
        #expect(try parse("a UID STORE 1 -FLAGS \\Deleted \\Flagged").command ==
            .store(one, StoreAction(operation: .remove, silent: false, flags: [.system(.deleted), .system(.flagged)]), unchangedSince: nil, uid: true))
        #expect(try parse("a STORE 1 (UNCHANGEDSINCE 7) FLAGS ()").command ==
            .store(one, StoreAction(operation: .replace, silent: false, flags: []), unchangedSince: 7, uid: false))
    }

    @Test func searchPrograms() throws {
        let c = try parse("a UID SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR FROM alice (SUBJECT \"hi there\" SINCE 1-Feb-2026) NOT 1:5 UNSEEN").command
        guard case .search(let s, uid: true) = c else { Issue.record("not a search: \(c)"); return }
        #expect(s.returning == [.min, .count])
        #expect(s.charset == "UTF-8")
        let feb1 = CivilDate(year: 2026, month: 2, day: 1).daysSince1970
        #expect(s.key == .and([
            .or(.header("FROM", Array("alice".utf8)), .and([.header("SUBJECT", Array("hi there".utf8)), .since(feb1)])),
            .not(.sequence(SequenceSet(ranges: [.init(.number(1), .number(5))]))),
            .notFlag(.seen),
        ]))
    }

    @Test func appendWithFlagsDateAndLiteral() throws {
        let c = try parse("a APPEND Sent (\\Seen) \"05-Mar-2026 10:00:00 +0100\" {5}\r\nHello").command
        #expect(c == .append(MailboxName("Sent"), [AppendMessage(flags: [.system(.seen)], internalDate: 1_772_701_200, bytes: Array("Hello".utf8))]))
    }

    @Test func listForms() throws {
        guard case .list(let l) = try parse("a LIST (SUBSCRIBED) \"\" (\"INBOX\" \"Sent\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))").command else {
            Issue.record("not a LIST")
            return
        }
        #expect(l.selection == .subscribed)
        #expect(l.patterns == [MailboxName("INBOX"), MailboxName("Sent")])
        #expect(l.returning == .children)
        #expect(l.status == [.messages, .unseen])
        #expect(l.isExtended)
        guard case .list(let basic) = try parse("a LIST \"\" %").command else { Issue.record("not a LIST"); return }
        #expect(!basic.isExtended && basic.patterns == [MailboxName("%")])
    }

    /// Errors carry the tag when there is one, and say what was wrong.
    @Test(arguments: [
        ("", nil, "Missing or invalid tag"),
        ("+a NOOP", nil, "Missing or invalid tag"),
        ("a", nil, "Missing arguments"),
        ("a FOO", "a", "Unknown command FOO"),
        ("a SELECT", "a", "Missing arguments"),
        ("a NOOP extra", "a", "Unexpected characters after the command"),
        ("a FETCH 0 FLAGS", "a", "Zero is not allowed here"),
        ("a FETCH 1 (FLAGS", "a", "Missing arguments"),
        ("a LOGIN \"unterminated", "a", "Unterminated quoted string"),
        ("a SEARCH SINCE 31-Feb-2026", "a", "Invalid date"),
        ("a DELETE {10}\r\nabc", "a", "Literal shorter than announced"),
        ("a FETCH 1 BODY.PEEK", "a", "BODY.PEEK needs a section"),
    ] as [(String, String?, String)])
    func errors(input: String, tag: String?, message: String) {
        expectParseError(input, tag: tag, message)
    }

    @Test func deepNestingIsRefused() {
        let deep = "a SEARCH " + String(repeating: "(", count: 500) + "ALL" + String(repeating: ")", count: 500)
        guard case .failure(let e) = CommandParser.parse(deep) else { Issue.record("accepted"); return }
        #expect(e.message == "Search program nested too deeply")
    }
}

extension CommandParserTests {
    /// `~` starts a literal8 only before `{`; elsewhere it is part of a name (`~alice/INBOX`).
    @Test func tildeNames() throws {
        #expect(try parse("a SELECT ~alice/INBOX").command == .select(MailboxName("~alice/INBOX"), SelectParameters()))
        #expect(try parse("a LIST \"\" ~%").command == .list(ListArguments(reference: MailboxName(""), patterns: [MailboxName("~%")])))
        #expect(try parse("a APPEND x ~{2}\r\nhi").command == .append(MailboxName("x"), [AppendMessage(flags: [], internalDate: nil, bytes: Array("hi".utf8))]))
    }
}
