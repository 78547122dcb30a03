import Store

/// SORT and THREAD (RFC 5256 §5), SORT=DISPLAY keys (RFC 5957 §4), ESORT (RFC 5267 §3) with
/// PARTIAL (RFC 9394).
extension CommandParser {
    /// Most keys a sort program may have; real clients send one to three.
    static let maxSortCriteria = 16

    /// `SORT [SP "RETURN" SP "(" ... ")"] SP sort-criteria SP charset 1*(SP search-key)`
    mutating func sort() throws -> SortArguments {
        try space()
        var partial: PartialRange? = nil
        let returning = try searchReturnOptions(partial: &partial)
        try expect(.openParen)
        var criteria: [SortCriterion] = []
        while true {
            guard criteria.count < CommandParser.maxSortCriteria else { throw ParseError("Too many sort criteria") }
            var name = try sortKeyName()
            let reverse = name == "REVERSE"
            if reverse {
                try space()
                name = try sortKeyName()
            }
            guard let key = CommandParser.sortKeys[name] else { throw ParseError("Unknown sort key \(name.prefix(40))") }
            criteria.append(SortCriterion(key, reverse: reverse))
            if peek() == .closeParen { break }
            try space()
        }
        index += 1
        try space()
        let charset = try searchCharset()
        try space()
        return SortArguments(returning: returning, partial: partial, criteria: criteria, charset: charset, key: try searchProgram())
    }

    /// `THREAD SP thread-alg SP charset 1*(SP search-key)`
    mutating func thread() throws -> ThreadArguments {
        try space()
        let name = try atom().uppercased()
        let algorithm: ThreadAlgorithm
        switch name {
        case "ORDEREDSUBJECT": algorithm = .orderedSubject
        case "REFERENCES": algorithm = .references
        default: throw ParseError("Unknown threading algorithm \(name.prefix(40))")
        }
        try space()
        let charset = try searchCharset()
        try space()
        return ThreadArguments(algorithm: algorithm, charset: charset, key: try searchProgram())
    }

    private mutating func sortKeyName() throws -> String {
        guard let b = peek(), b.isAtomChar else {
            throw ParseError(atEnd ? "Missing sort criteria" : "Expected a sort key")
        }
        return try atom().uppercased()
    }

    /// `charset = atom / quoted`
    private mutating func searchCharset() throws -> String {
        if peek() == .quote { return String(decoding: try quoted(), as: UTF8.self) }
        guard let b = peek(), b.isAtomChar else { throw ParseError(atEnd ? "Missing charset" : "Expected a charset") }
        return try atom()
    }

    static let sortKeys: [String: SortKey] = [
        "ARRIVAL": .arrival, "CC": .cc, "DATE": .date, "FROM": .from, "SIZE": .size, "SUBJECT": .subject, "TO": .to,
        "DISPLAYFROM": .displayFrom, "DISPLAYTO": .displayTo,
    ]
}
