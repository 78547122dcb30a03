import Testing
@testable import Store

/// What MailboxNameFuzzer found (Fuzzing/), each as the smallest input that showed it.
@Suite struct MailboxNameFuzzFindingsTests {
    /// Spellings that decoded to a name with another, canonical spelling: printable ASCII
    /// in base64, two base64 runs in a row, "&" in base64. Two spellings of one name would
    /// let a client reach one mailbox under two names, so only the canonical one is read.
    @Test(arguments: ["&AGE-", "&ACY-", "&APw-&APw-", "&AC4-", "x&AC8-y", "&AC0-"])
    func nonCanonicalSpellingsAreRefused(_ encoded: String) {
        #expect(ModifiedUTF7.decode(encoded) == nil)
    }

    @Test(arguments: [("üü", "&APwA,A-"), ("a.b", "a.b"), ("&", "&-"), ("-", "-")])
    func canonicalSpellingsAreRead(_ text: String, _ encoded: String) {
        #expect(ModifiedUTF7.encode(text) == encoded)
        #expect(ModifiedUTF7.decode(encoded) == text)
    }

    /// The encoder took whole Characters, so an ASCII letter or "&" carrying a combining
    /// mark went into base64 with it: a spelling no other client would write.
    @Test(arguments: [("e\u{301}", "e&AwE-"), ("&\u{301}", "&-&AwE-"), (".\u{301}x", ".&AwE-x")])
    func encodingGoesScalarByScalar(_ text: String, _ encoded: String) {
        #expect(ModifiedUTF7.encode(text) == encoded)
        #expect(ModifiedUTF7.decode(encoded) == text)
    }

    /// A "." inside a level is written in base64 in a Maildir++ folder name, also when a
    /// combining mark follows it, so it never reads back as a level separator.
    @Test(arguments: [("a.b", ".a&AC4-b"), (".\u{301}", ".&AC4DAQ-"), ("v1.2/x.\u{301}y", ".v1&AC4-2.x&AC4DAQ-y")])
    func maildirFolderDots(_ mailbox: String, _ folder: String) throws {
        #expect(MaildirLayout.folder(for: mailbox) == folder)
        #expect(try MaildirLayout.mailbox(forFolder: folder) == mailbox)
    }

    /// A combining mark right after "/" joins it into one Character, so the name split
    /// into levels in one place and not in another.
    @Test(arguments: ["a/\u{301}b", "a/\u{20DD}", "\u{600}/b", "INBOX/\u{308}"])
    func slashJoinedToAnotherCharacterIsRefused(_ name: String) {
        #expect(throws: StoreError.invalidName("mailbox name has a '/' joined to the character next to it")) {
            try MailboxPath.canonical(name)
        }
    }
}
