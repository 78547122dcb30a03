/// Every capability Roost announces, the RFC it comes from, and when it is shown: the
/// one place to look when a client asks what the server can do.
enum Capabilities {
    /// When a capability is listed.
    enum Shown {
        case always
        /// After login, while compression is not yet on (RFC 4978 §3).
        case compressionOffer
        /// Before login, when a certificate is configured and TLS is not yet on.
        case tlsOffer
        /// Before login, when passwords may be sent on this connection.
        case plaintextAuth
        /// Before login, when they may not (RFC 9051 §6.2.3).
        case loginDisabled
        /// Always, with the largest message size: `APPENDLIMIT=52428800`.
        case appendLimit
    }

    struct Entry {
        var name: String
        var rfc: String
        var shown: Shown
    }

    static let table: [Entry] = [
        Entry(name: "IMAP4rev1", rfc: "RFC 3501", shown: .always),
        Entry(name: "IMAP4rev2", rfc: "RFC 9051", shown: .always),
        Entry(name: "SASL-IR", rfc: "RFC 4959", shown: .always),
        // Non-synchronizing literals of any size; LITERAL- (RFC 7888, what IMAP4rev2
        // requires) is the subset up to 4,096 octets, so it is not advertised beside it.
        Entry(name: "LITERAL+", rfc: "RFC 7888", shown: .always),
        Entry(name: "ID", rfc: "RFC 2971", shown: .always),
        Entry(name: "ENABLE", rfc: "RFC 5161", shown: .always),
        Entry(name: "IDLE", rfc: "RFC 2177", shown: .always),
        Entry(name: "NAMESPACE", rfc: "RFC 2342", shown: .always),
        Entry(name: "UIDPLUS", rfc: "RFC 4315", shown: .always),
        Entry(name: "MULTIAPPEND", rfc: "RFC 3502", shown: .always),
        Entry(name: "CATENATE", rfc: "RFC 4469", shown: .always),
        Entry(name: "UTF8=ACCEPT", rfc: "RFC 6855", shown: .always),
        Entry(name: "MOVE", rfc: "RFC 6851", shown: .always),
        Entry(name: "UNSELECT", rfc: "RFC 3691", shown: .always),
        Entry(name: "CHILDREN", rfc: "RFC 3348", shown: .always),
        Entry(name: "SPECIAL-USE", rfc: "RFC 6154", shown: .always),
        Entry(name: "CREATE-SPECIAL-USE", rfc: "RFC 6154", shown: .always),
        Entry(name: "XLIST", rfc: "Outlook 2013/2016 (Gmail's XLIST)", shown: .always),
        Entry(name: "LIST-EXTENDED", rfc: "RFC 5258", shown: .always),
        Entry(name: "LIST-STATUS", rfc: "RFC 5819", shown: .always),
        Entry(name: "ESEARCH", rfc: "RFC 4731", shown: .always),
        Entry(name: "SEARCHRES", rfc: "RFC 5182", shown: .always),
        Entry(name: "PARTIAL", rfc: "RFC 9394", shown: .always),
        Entry(name: "WITHIN", rfc: "RFC 5032", shown: .always),
        Entry(name: "SORT", rfc: "RFC 5256", shown: .always),
        Entry(name: "SORT=DISPLAY", rfc: "RFC 5957", shown: .always),
        Entry(name: "ESORT", rfc: "RFC 5267", shown: .always),
        Entry(name: "THREAD=ORDEREDSUBJECT", rfc: "RFC 5256", shown: .always),
        Entry(name: "THREAD=REFERENCES", rfc: "RFC 5256", shown: .always),
        Entry(name: "BINARY", rfc: "RFC 3516", shown: .always),
        Entry(name: "STATUS=SIZE", rfc: "RFC 8438", shown: .always),
        Entry(name: "CONDSTORE", rfc: "RFC 7162", shown: .always),
        Entry(name: "QRESYNC", rfc: "RFC 7162 §3.2", shown: .always),
        Entry(name: "OBJECTID", rfc: "RFC 8474", shown: .always),
        Entry(name: "SAVEDATE", rfc: "RFC 8514", shown: .always),
        Entry(name: "PREVIEW", rfc: "RFC 8970", shown: .always),
        Entry(name: "ACL", rfc: "RFC 4314", shown: .always),
        Entry(name: "RIGHTS=texk", rfc: "RFC 4314 §5.1.1", shown: .always),
        Entry(name: "NOTIFY", rfc: "RFC 5465", shown: .always),
        Entry(name: "METADATA", rfc: "RFC 5464", shown: .always),
        Entry(name: "QUOTA", rfc: "RFC 9208", shown: .always),
        Entry(name: "QUOTA=RES-STORAGE", rfc: "RFC 9208 §5.1", shown: .always),
        Entry(name: "APPENDLIMIT", rfc: "RFC 7889", shown: .appendLimit),
        Entry(name: "COMPRESS=DEFLATE", rfc: "RFC 4978", shown: .compressionOffer),
        Entry(name: "STARTTLS", rfc: "RFC 9051 §6.2.1", shown: .tlsOffer),
        Entry(name: "AUTH=PLAIN", rfc: "RFC 4616", shown: .plaintextAuth),
        Entry(name: "AUTH=LOGIN", rfc: "draft-murchison-sasl-login", shown: .plaintextAuth),
        Entry(name: "LOGINDISABLED", rfc: "RFC 9051 §6.2.3", shown: .loginDisabled),
    ]

    /// The capability list for a connection as it is now.
    static func list(loggedIn: Bool, tlsActive: Bool, tlsAvailable: Bool, plaintextAllowed: Bool,
                     compressionActive: Bool, appendLimit: Int) -> [String] {
        var caps: [String] = []
        for entry in table {
            switch entry.shown {
            case .always: caps.append(entry.name)
            case .compressionOffer: if loggedIn && !compressionActive { caps.append(entry.name) }
            case .tlsOffer: if !loggedIn && tlsAvailable && !tlsActive { caps.append(entry.name) }
            case .plaintextAuth: if !loggedIn && plaintextAllowed { caps.append(entry.name) }
            case .loginDisabled: if !loggedIn && !plaintextAllowed { caps.append(entry.name) }
            case .appendLimit: caps.append("\(entry.name)=\(appendLimit)")
            }
        }
        return caps
    }
}
