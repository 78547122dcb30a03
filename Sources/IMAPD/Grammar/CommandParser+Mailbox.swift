/// LIST and APPEND: the mailbox commands with more than a name to read.
extension CommandParser {
    /// `LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
    /// (RFC 9051 §6.3.9, RFC 5258 §3); XLIST takes only the basic form.
    mutating func list(xlist: Bool) throws -> ListArguments {
        try space()
        var selection: ListArguments.Selection = []
        var extended = false
        if !xlist, peek() == .openParen {
            extended = true
            index += 1
            while peek() != .closeParen {
                let option = try atom().uppercased()
                switch option {
                case "SUBSCRIBED": selection.insert(.subscribed)
                case "REMOTE": selection.insert(.remote)
                case "RECURSIVEMATCH": selection.insert(.recursiveMatch)
                case "SPECIAL-USE": selection.insert(.specialUse)
                default: throw ParseError("Unknown LIST selection option \(option.prefix(40))")
                }
                if peek() == .space { index += 1 }
            }
            index += 1
            try space()
            // RFC 5258 §3: RECURSIVEMATCH alone is an error.
            if selection.contains(.recursiveMatch) && selection.subtracting([.recursiveMatch, .remote]).isEmpty {
                throw ParseError("RECURSIVEMATCH needs another selection option")
            }
        }
        let reference = try mailbox()
        try space()
        var patterns: [MailboxName] = []
        if !xlist, peek() == .openParen {
            extended = true
            index += 1
            while true {
                patterns.append(try listMailbox())
                if peek() == .closeParen { index += 1; break }
                try space()
            }
        } else {
            patterns.append(try listMailbox())
        }
        var command = ListArguments(reference: reference, patterns: patterns)
        command.selection = selection
        command.isXList = xlist
        if !xlist, peek() == .space {
            index += 1
            guard take("RETURN") else { throw ParseError("Expected RETURN") }
            extended = true
            try space()
            try expect(.openParen)
            while peek() != .closeParen {
                let option = try atom().uppercased()
                switch option {
                case "SUBSCRIBED": command.returning.insert(.subscribed)
                case "CHILDREN": command.returning.insert(.children)
                case "SPECIAL-USE": command.returning.insert(.specialUse)
                case "STATUS":
                    try space()
                    command.status = try statusAttributes()
                default: throw ParseError("Unknown LIST return option \(option.prefix(40))")
                }
                if peek() == .space { index += 1 }
            }
            index += 1
        }
        command.isExtended = extended
        return command
    }

    /// `APPEND mailbox 1*(SP [flag-list SP] [date-time SP] append-data)` (RFC 9051 §6.3.12,
    /// RFC 3502 MULTIAPPEND; `literal8` for binary content, RFC 3516).
    mutating func append() throws -> Command {
        try space()
        let mailbox = try self.mailbox()
        var messages: [AppendMessage] = []
        while peek() == .space {
            index += 1
            var flags: [Flag] = []
            var date: Int64? = nil
            if peek() == .openParen {
                flags = try flagList()
                try space()
            }
            if peek() == .quote {
                date = try dateTime()
                try space()
            }
            messages.append(AppendMessage(flags: flags, internalDate: date, content: try appendContent()))
        }
        guard !messages.isEmpty else { throw ParseError("Missing message") }
        return .append(mailbox, messages)
    }

    /// `literal / literal8 / "UTF8" SP "(" literal8 ")" (RFC 6855 §4) /
    /// "CATENATE" SP "(" cat-part *(SP cat-part) ")"` (RFC 4469 §5), a cat-part being
    /// `"URL" SP astring / "TEXT" SP literal`.
    mutating func appendContent() throws -> AppendContent {
        if take("UTF8 (") {
            guard peek() == .tilde else { throw ParseError("UTF8 takes a literal8") }
            let range = try literal()
            try expect(.closeParen)
            return .utf8(Array(bytes[range]))
        }
        if take("CATENATE (") {
            var parts: [CatenatePart] = []
            while true {
                if take("URL ") {
                    parts.append(.url(String(decoding: try astring(), as: UTF8.self)))
                } else if take("TEXT ") {
                    guard peek() == .openBrace || peek() == .tilde else { throw ParseError("TEXT takes a literal") }
                    parts.append(.text(Array(bytes[try literal()])))
                } else {
                    throw ParseError("CATENATE takes URL and TEXT parts")
                }
                if peek() == .closeParen { index += 1; break }
                try space()
            }
            return .catenate(parts)
        }
        guard peek() == .openBrace || peek() == .tilde else { throw ParseError("Expected the message as a literal") }
        return .literal(Array(bytes[try literal()]))
    }
}
