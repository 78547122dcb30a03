import Store

/// GETMETADATA and SETMETADATA (RFC 5464 §4.2, §4.3, §5).
extension CommandParser {
    /// `GETMETADATA [SP "(" getmetadata-option *(SP getmetadata-option) ")"] SP mailbox SP
    /// (entry / "(" entry *(SP entry) ")")`
    mutating func getMetadata() throws -> Command {
        try space()
        var options = MetadataOptions()
        if peek() == .openParen {
            index += 1
            while true {
                let name = try atom().uppercased()
                try space()
                switch name {
                case "MAXSIZE":
                    options.maxSize = Int(try number())
                case "DEPTH":
                    switch try atom().lowercased() {
                    case "0": options.depth = .zero
                    case "1": options.depth = .one
                    case "infinity": options.depth = .infinity
                    default: throw ParseError("DEPTH is 0, 1 or infinity")
                    }
                default:
                    throw ParseError("Unknown GETMETADATA option \(name.prefix(40))")
                }
                if peek() == .closeParen { index += 1; break }
                try space()
            }
            try space()
        }
        let mailbox = try self.mailbox()
        try space()
        return .getMetadata(mailbox, try oneOrList { try $0.metadataEntry() }, options)
    }

    /// `SETMETADATA SP mailbox SP "(" entry SP value *(SP entry SP value) ")"`, value being
    /// `nstring / literal8`.
    mutating func setMetadata() throws -> Command {
        try space()
        let mailbox = try self.mailbox()
        try space()
        try expect(.openParen)
        var values: [MetadataValue] = []
        while true {
            let name = try metadataEntry()
            guard !name.path.isEmpty else { throw ParseError("Only entries below /shared or /private can be set") }
            try space()
            values.append(MetadataValue(name: name, value: try nstring()))
            if peek() == .closeParen { index += 1; break }
            try space()
        }
        return .setMetadata(mailbox, values)
    }

    /// `entry = astring`, checked against RFC 5464 §3.2 (invalid names are a BAD).
    mutating func metadataEntry() throws -> MetadataEntryName {
        let text = String(decoding: try astring(), as: UTF8.self)
        guard let name = MetadataEntryName(text) else { throw ParseError("Invalid entry name \(text.prefix(60))") }
        return name
    }

    /// `item / "(" item *(SP item) ")"`: one, or a parenthesized list (RFC 5464 entries,
    /// RFC 5465 `one-or-more-mailbox`).
    mutating func oneOrList<T>(_ item: (inout CommandParser) throws -> T) throws -> [T] {
        guard peek() == .openParen else { return [try item(&self)] }
        index += 1
        var items: [T] = []
        while true {
            items.append(try item(&self))
            if peek() == .closeParen { index += 1; return items }
            try space()
        }
    }
}
