/// ENABLE (RFC 5161, RFC 9051 §6.3.1): IMAP4rev2, CONDSTORE, QRESYNC and UTF8=ACCEPT can be turned on;
/// the answer names those this command turned on.
enum Enable {
    static func apply(_ names: [String], to options: inout ClientOptions) -> [String] {
        var enabled: [String] = []
        for name in names {
            switch name.uppercased() {
            case "IMAP4REV2":
                if !options.rev2 { enabled.append("IMAP4rev2") }
                options.rev2 = true
            case "CONDSTORE":
                if !options.condstore { enabled.append("CONDSTORE") }
                options.condstore = true
            case "QRESYNC":
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                if !options.qresync { enabled.append("QRESYNC") }
                options.qresync = true
                options.condstore = true
            case "UTF8=ACCEPT":
                if !options.utf8Accept { enabled.append("UTF8=ACCEPT") }
                options.utf8Accept = true
            default:
                continue  // RFC 5161 §3.1: unknown names are ignored
            }
        }
        return enabled
    }
}
