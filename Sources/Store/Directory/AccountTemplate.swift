import Foundation

/// What a new account of a domain starts with (the CommuniGate Pro account template):
/// mailboxes with their special-use attributes, subscriptions, and a quota.
public struct AccountTemplate: Codable, Sendable, Equatable {
    public struct MailboxEntry: Codable, Sendable, Equatable {
        public var name: String
        public var specialUse: String?
        public init(name: String, specialUse: String? = nil) {
            self.name = name
            self.specialUse = specialUse
        }
    }

    /// A mailbox alias a new account gets: `name` stands for `target` (often another
    /// user's mailbox, `~marketing/announce`).
    public struct AliasEntry: Codable, Sendable, Equatable {
        public var name: String
        public var target: String
        public init(name: String, target: String) {
            self.name = name
            self.target = target
        }
    }

    public var mailboxes: [MailboxEntry]
    /// Names to subscribe, own or foreign (`~marketing/announce`).
    public var subscriptions: [String]
    public var aliases: [AliasEntry]?
    /// Bytes; nil for no quota.
    public var quota: Int64?

    public init(mailboxes: [MailboxEntry], subscriptions: [String], aliases: [AliasEntry]? = nil, quota: Int64? = nil) {
        self.mailboxes = mailboxes
        self.subscriptions = subscriptions
        self.aliases = aliases
        self.quota = quota
    }

    /// The template a domain has until its administrator sets one (RFC 6154 names).
    public static let standard = AccountTemplate(
        mailboxes: [
            MailboxEntry(name: "INBOX"), MailboxEntry(name: "Sent", specialUse: "\\Sent"),
            MailboxEntry(name: "Drafts", specialUse: "\\Drafts"), MailboxEntry(name: "Trash", specialUse: "\\Trash"),
            MailboxEntry(name: "Junk", specialUse: "\\Junk"),
        ],
        subscriptions: ["INBOX", "Sent", "Drafts", "Trash", "Junk"])

    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(AccountTemplate.self, from: Data(json.utf8))
        } catch {
            throw StoreError.invalidArgument("account template is not valid: \(error)")
        }
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
