/// The ENVELOPE of a message (RFC 9051 §7.5.2, RFC 3501 §7.4.2), written from its header:
/// date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id.
enum Envelope {
    static func text(_ fields: EntityHeader, in bytes: UnsafeRawBufferPointer) -> String {
        var out = ResponseText()
        write(fields, in: bytes, to: &out)
        return out.string
    }

    static func write(_ fields: EntityHeader, in bytes: UnsafeRawBufferPointer, to out: inout ResponseText) {
        func addresses(_ field: EntityHeader.Field) -> [AddressItem] {
            fields.value(field, in: bytes).map(AddressList.parse) ?? []
        }
        let from = addresses(.from)
        // Sender and Reply-To absent or empty: the server repeats From.
        let sender = addresses(.sender), replyTo = addresses(.replyTo)

        out.append("(")
        out.appendNString(fields.value(.date, in: bytes))
        out.append(" ")
        out.appendNString(fields.value(.subject, in: bytes))
        for list in [from, sender.isEmpty ? from : sender, replyTo.isEmpty ? from : replyTo,
                     addresses(.to), addresses(.cc), addresses(.bcc)] {
            out.append(" ")
            append(list, to: &out)
        }
        out.append(" ")
        out.appendNString(fields.value(.inReplyTo, in: bytes))
        out.append(" ")
        out.appendNString(fields.value(.messageID, in: bytes))
        out.append(")")
    }

    /// `((name adl mailbox host) ...)`; a group is `(NIL NIL "name" NIL)`, its members,
    /// then `(NIL NIL NIL NIL)`.
    private static func append(_ list: [AddressItem], to out: inout ResponseText) {
        guard !list.isEmpty else { return out.appendNil() }
        out.append("(")
        for item in list {
            switch item {
            case .mailbox(let name, let route, let mailbox, let host):
                out.append("(")
                out.appendNString(name)
                out.append(" ")
                out.appendNString(route)
                out.append(" ")
                out.appendString(mailbox)
                out.append(" ")
                // A NIL host would read as the start of a group (RFC 3501 §7.4.2); like
                // Dovecot, an address without a domain gets a placeholder.
                out.appendNString(host ?? Array("MISSING_DOMAIN".utf8))
                out.append(")")
            case .groupStart(let name):
                out.append("(NIL NIL ")
                out.appendString(name)
                out.append(" NIL)")
            case .groupEnd:
                out.append("(NIL NIL NIL NIL)")
            }
        }
        out.append(")")
    }
}
