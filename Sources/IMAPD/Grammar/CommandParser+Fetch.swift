import Store

/// FETCH and STORE (RFC 9051 §6.4.5, §6.4.6; RFC 7162 modifiers, RFC 9394 PARTIAL).
extension CommandParser {
    /// `FETCH sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`
    mutating func fetch(uid: Bool) throws -> Command {
        try space()
        let set = try sequenceSet()
        try space()
        var attributes: [FetchAttribute] = []
        if peek() == .openParen {
            index += 1
            while true {
                attributes.append(try fetchAttribute())
                if peek() == .closeParen { index += 1; break }
                try space()
            }
        } else if take("ALL") {
            attributes = FetchAttribute.all
        } else if take("FULL") {
            attributes = FetchAttribute.full
        } else if take("FAST") {
            attributes = FetchAttribute.fast
        } else {
            attributes = [try fetchAttribute()]
        }
        var modifiers = FetchModifiers()
        if peek() == .space {
            index += 1
            try expect(.openParen)
            while true {
                let name = try atom().uppercased()
                switch name {
                case "CHANGEDSINCE":
                    try space()
                    modifiers.changedSince = try number64()
                case "VANISHED":
                    modifiers.vanished = true
                case "PARTIAL":
                    guard modifiers.partial == nil else { throw ParseError("PARTIAL may come only once") }
                    try space()
                    modifiers.partial = try partialRange()
                default:
                    throw ParseError("Unknown FETCH modifier \(name.prefix(40))")
                }
                if peek() == .closeParen { index += 1; break }
                try space()
            }
        }
        // RFC 7162 §3.2.6: VANISHED only with CHANGEDSINCE, and only in UID FETCH.
        if modifiers.vanished && (modifiers.changedSince == nil || !uid) {
            throw ParseError("VANISHED needs UID FETCH with CHANGEDSINCE")
        }
        return .fetch(set, attributes, modifiers, uid: uid)
    }

    mutating func fetchAttribute() throws -> FetchAttribute {
        let start = index
        while let b = peek(), b.isAtomChar && b != .openBracket { index += 1 }
        let name = String(decoding: bytes[start..<index], as: UTF8.self).uppercased()
        switch name {
        case "ENVELOPE": return .envelope
        case "FLAGS": return .flags
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .rfc822Size
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        case "BODYSTRUCTURE": return .bodyStructure
        case "UID": return .uid
        case "MODSEQ": return .modSeq
        case "SAVEDATE": return .saveDate
        case "EMAILID": return .emailID
        case "THREADID": return .threadID
        case "PREVIEW":
            // RFC 8970 §4: `PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"]`, LAZY the only one.
            var lazy = false
            if bytes[index...].starts(with: Array(" (".utf8)) {
                index += 2
                while true {
                    guard take("LAZY") else { throw ParseError("Unknown PREVIEW modifier") }
                    lazy = true
                    if peek() == .closeParen { index += 1; break }
                    try space()
                }
            }
            return .preview(lazy: lazy)
        case "BODY", "BODY.PEEK":
            guard peek() == .openBracket else {
                guard name == "BODY" else { throw ParseError("BODY.PEEK needs a section") }
                return .body
            }
            let section = try self.section()
            return .bodySection(section, partial: try partial(), peek: name == "BODY.PEEK")
        case "BINARY", "BINARY.PEEK", "BINARY.SIZE":
            let part = try binarySection()
            if name == "BINARY.SIZE" { return .binarySize(part: part) }
            return .binary(part: part, partial: try partial(), peek: name == "BINARY.PEEK")
        case "":
            throw ParseError(atEnd ? "Missing FETCH items" : "Invalid FETCH item")
        default:
            throw ParseError("Unknown FETCH item \(name.prefix(40))")
        }
    }

    /// `section = "[" [section-spec] "]"`
    mutating func section() throws -> Section {
        try expect(.openBracket)
        var section = Section()
        if peek() == .closeBracket {
            index += 1
            return section
        }
        while let b = peek(), b.isDigit {
            section.part.append(Int(try nzNumber()))
            guard section.part.count <= 64 else { throw ParseError("Section part path too deep") }
            guard peek() == UInt8(ascii: ".") else { break }
            index += 1
        }
        if peek() != .closeBracket {
            let start = index
            while let b = peek(), b.isAtomChar && b != .openBracket { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self).uppercased()
            switch word {
            case "HEADER": section.text = .header
            case "TEXT": section.text = .text
            case "MIME":
                guard !section.part.isEmpty else { throw ParseError("MIME needs a part number") }
                section.text = .mime
            case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
                try space()
                let names = try headerList()
                section.text = word == "HEADER.FIELDS" ? .headerFields(names) : .headerFieldsNot(names)
            default:
                throw ParseError("Invalid section \(word.prefix(40))")
            }
        }
        try expect(.closeBracket)
        return section
    }

    /// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`
    mutating func headerList() throws -> [String] {
        try expect(.openParen)
        var names: [String] = []
        while true {
            let name = String(decoding: try astring(), as: UTF8.self)
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) else {
                throw ParseError("Invalid header field name")
            }
            guard names.count < 500 else { throw ParseError("Too many header field names") }
            names.append(name)
            if peek() == .closeParen {
                index += 1
                return names
            }
            try space()
        }
    }

    /// `section-binary = "[" [section-part] "]"` (RFC 3516).
    mutating func binarySection() throws -> [Int] {
        try expect(.openBracket)
        var part: [Int] = []
        while peek() != .closeBracket {
            part.append(Int(try nzNumber()))
            guard part.count <= 64 else { throw ParseError("Section part path too deep") }
            if peek() == UInt8(ascii: ".") { index += 1 } else { break }
        }
        try expect(.closeBracket)
        return part
    }

    /// `partial = "<" number "." nz-number ">"`
    mutating func partial() throws -> Partial? {
        guard peek() == UInt8(ascii: "<") else { return nil }
        index += 1
        let origin = try number()
        try expect(UInt8(ascii: "."))
        let length = try nzNumber()
        try expect(UInt8(ascii: ">"))
        return Partial(origin: Int(origin), length: Int(length))
    }

    /// `STORE sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"] SP store-att-flags`,
    /// `store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))`
    mutating func store(uid: Bool) throws -> Command {
        try space()
        let set = try sequenceSet()
        try space()
        var unchangedSince: UInt64? = nil
        if peek() == .openParen {
            index += 1
            guard take("UNCHANGEDSINCE") else { throw ParseError("Unknown STORE modifier") }
            try space()
            unchangedSince = try number64()
            try expect(.closeParen)
            try space()
        }
        var operation = Flags.Operation.replace
        if peek() == UInt8(ascii: "+") {
            operation = .add
            index += 1
        } else if peek() == UInt8(ascii: "-") {
            operation = .remove
            index += 1
        }
        let item = try atom().uppercased()
        guard item == "FLAGS" || item == "FLAGS.SILENT" else { throw ParseError("Invalid STORE item \(item.prefix(40))") }
        try space()
        var flags: [Flag]
        if peek() == .openParen {
            flags = try flagList()
        } else {
            flags = [try flag()]
            while peek() == .space {
                index += 1
                flags.append(try flag())
            }
        }
        return .store(set, StoreAction(operation: operation, silent: item == "FLAGS.SILENT", flags: flags),
                      unchangedSince: unchangedSince, uid: uid)
    }
}
