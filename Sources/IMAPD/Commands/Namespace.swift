/// NAMESPACE (RFC 2342, RFC 9051 §6.3.10): personal mailboxes at the top, other users'
/// under `~` (`~owner/mailbox`), no shared namespace.
enum NamespaceCommand {
    static let response = Response.namespace(personal: [("", "/")], otherUsers: [("~", "/")], shared: [])
}
