import Store

/// SEARCH (RFC 9051 §6.4.4) with RETURN options (RFC 4731, RFC 5182, RFC 9394).
extension CommandParser {
    /// `SEARCH [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
    /// [SP "CHARSET" SP charset] 1*(SP search-key)`
    mutating func search() throws -> SearchArguments {
        try space()
        var partial: PartialRange? = nil
        let returning = try searchReturnOptions(partial: &partial)
        var charset: String? = nil
        if take("CHARSET ") {
            charset = String(decoding: try astring(), as: UTF8.self)
            try space()
        }
        return SearchArguments(returning: returning, partial: partial, charset: charset, key: try searchProgram())
    }

    /// `"RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")" SP`, when it comes
    /// (RFC 4731 §3.1, for SORT RFC 5267 §3); a PARTIAL option's range goes to `partial`.
    mutating func searchReturnOptions(partial: inout PartialRange?) throws -> SearchArguments.Return? {
        guard take("RETURN ") else { return nil }
        var options: SearchArguments.Return = []
        try expect(.openParen)
        while peek() != .closeParen {
            let name = try atom().uppercased()
            switch name {
            case "MIN": options.insert(.min)
            case "MAX": options.insert(.max)
            case "COUNT": options.insert(.count)
            case "SAVE": options.insert(.save)
            case "ALL", "PARTIAL":
                // RFC 9394 §3.1: one PARTIAL, one ALL, or neither.
                guard partial == nil, !options.contains(.all) else { throw ParseError("Only one of PARTIAL and ALL may be given") }
                if name == "ALL" {
                    options.insert(.all)
                } else {
                    try space()
                    partial = try partialRange()
                }
            default: throw ParseError("Unknown SEARCH return option \(name.prefix(40))")
            }
            if peek() == .space { index += 1 }
        }
        index += 1
        try space()
        return options
    }

    /// `partial-range = nz-number ":" nz-number / "-" nz-number ":" "-" nz-number`
    /// (RFC 9394 §4): no `*`, no zero, and both ends counted from the same side.
    mutating func partialRange() throws -> PartialRange {
        let fromEnd = peek() == UInt8(ascii: "-")
        if fromEnd { index += 1 }
        let first = try nzNumber()
        try expect(UInt8(ascii: ":"))
        guard (peek() == UInt8(ascii: "-")) == fromEnd else {
            throw ParseError("A PARTIAL range counts both ends from the same side")
        }
        if fromEnd { index += 1 }
        return PartialRange(first, try nzNumber(), fromEnd: fromEnd)
    }

    /// `1*(SP search-key)` after the first space: several keys are their conjunction.
    mutating func searchProgram() throws -> SearchKey {
        var keys: [SearchKey] = []
        while true {
            keys.append(try searchKey())
            guard peek() == .space else { break }
            index += 1
        }
        return keys.count == 1 ? keys[0] : .and(keys)
    }

    mutating func searchKey() throws -> SearchKey {
        depth += 1
        defer { depth -= 1 }
        guard depth <= CommandParser.maxDepth else { throw ParseError("Search program nested too deeply", code: .limit) }
        if peek() == .openParen {
            index += 1
            var keys: [SearchKey] = []
            while true {
                keys.append(try searchKey())
                if peek() == .closeParen { index += 1; break }
                try space()
            }
            return keys.count == 1 ? keys[0] : .and(keys)
        }
        if let b = peek(), b.isDigit || b == UInt8(ascii: "*") || b == UInt8(ascii: "$") {
            return .sequence(try sequenceSet())
        }
        let name = try atom().uppercased()
        switch name {
        case "ALL": return .all
        case "ANSWERED": return .flag(.answered)
        case "DELETED": return .flag(.deleted)
        case "DRAFT": return .flag(.draft)
        case "FLAGGED": return .flag(.flagged)
        case "SEEN": return .flag(.seen)
        case "UNANSWERED": return .notFlag(.answered)
        case "UNDELETED": return .notFlag(.deleted)
        case "UNDRAFT": return .notFlag(.draft)
        case "UNFLAGGED": return .notFlag(.flagged)
        case "UNSEEN": return .notFlag(.seen)
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "KEYWORD", "UNKEYWORD":
            try space()
            let keyword = try atom()
            return name == "KEYWORD" ? .keyword(keyword) : .notKeyword(keyword)
        case "BCC", "CC", "FROM", "SUBJECT", "TO":
            try space()
            return .header(name, try astring())
        case "HEADER":
            try space()
            let field = String(decoding: try astring(), as: UTF8.self)
            try space()
            return .header(field, try astring())
        case "BODY":
            try space()
            return .body(try astring())
        case "TEXT":
            try space()
            return .text(try astring())
        case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
            try space()
            let day = try date()
            switch name {
            case "BEFORE": return .before(day)
            case "ON": return .on(day)
            case "SINCE": return .since(day)
            case "SENTBEFORE": return .sentBefore(day)
            case "SENTON": return .sentOn(day)
            case "SENTSINCE": return .sentSince(day)
            case "SAVEDBEFORE": return .savedBefore(day)
            case "SAVEDON": return .savedOn(day)
            default: return .savedSince(day)
            }
        case "SAVEDATESUPPORTED": return .saveDateSupported
        case "OLDER", "YOUNGER":
            try space()
            let seconds = try nzNumber()
            return name == "OLDER" ? .older(seconds) : .younger(seconds)
        case "EMAILID", "THREADID":
            try space()
            let id = try atom()
            return name == "EMAILID" ? .emailID(id) : .threadID(id)
        case "LARGER":
            try space()
            return .larger(try number())
        case "SMALLER":
            try space()
            return .smaller(try number())
        case "UID":
            try space()
            return .uid(try sequenceSet())
        case "NOT":
            try space()
            return .not(try searchKey())
        case "OR":
            try space()
            let a = try searchKey()
            try space()
            return .or(a, try searchKey())
        case "MODSEQ":
            // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer
            try space()
            if peek() == .quote {
                _ = try quoted()
                try space()
                _ = try atom()
                try space()
            }
            return .modSeq(try number64())
        default:
            throw ParseError("Unknown search key \(name.prefix(40))")
        }
    }
}
