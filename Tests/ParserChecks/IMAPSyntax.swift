/// A strict reader of the IMAP values ENVELOPE, BODY and BODYSTRUCTURE are made of
/// (RFC 3501 §9, RFC 9051 §9), to prove parser output well-formed whatever the input.
public enum IMAPSyntax {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public indirect enum Value {
        case absent
        case number(Int)
        case string([UInt8])
        case list([Value])

        public var isNString: Bool {
            switch self {
            case .absent, .string: true
            default: false
            }
        }
        public var items: [Value]? {
            if case .list(let items) = self { items } else { nil }
        }
        public var text: String? {
            if case .string(let bytes) = self { String(decoding: bytes, as: UTF8.self).uppercased() } else { nil }
        }
    }

    /// The single value `text` consists of.
    public static func value(_ text: String) throws -> Value {
        var reader = Reader(bytes: Array(text.utf8))
        let value = try reader.value()
        guard reader.index == reader.bytes.count else { throw Invalid(description: "trailing bytes at \(reader.index)") }
        return value
    }

    public static func checkEnvelope(_ text: String) throws { try envelope(value(text)) }

    public static func checkBody(_ text: String, extended: Bool) throws { try body(value(text), extended: extended) }

    private static func envelope(_ value: Value) throws {
        guard let items = value.items, items.count == 10 else { throw Invalid(description: "envelope needs 10 items") }
        for (i, item) in items.enumerated() {
            if (2...7).contains(i) {
                guard case .list(let addresses) = item else {
                    guard case .absent = item else { throw Invalid(description: "address list expected") }
                    continue
                }
                for address in addresses {
                    guard let parts = address.items, parts.count == 4, parts.allSatisfy(\.isNString) else {
                        throw Invalid(description: "address needs 4 nstrings")
                    }
                }
            } else {
                guard item.isNString else { throw Invalid(description: "envelope field \(i) must be an nstring") }
            }
        }
    }

    private static func body(_ value: Value, extended: Bool) throws {
        guard let items = value.items, !items.isEmpty else { throw Invalid(description: "body must be a non-empty list") }
        if case .list = items[0] {
            var i = 0
            while i < items.count, case .list = items[i] {
                try body(items[i], extended: extended)
                i += 1
            }
            guard i < items.count, items[i].text != nil else { throw Invalid(description: "multipart subtype missing") }
            i += 1
            if extended {
                guard items.count == i + 4 else { throw Invalid(description: "multipart extension data") }
                try parameters(items[i])
                try disposition(items[i + 1])
                try language(items[i + 2])
                guard items[i + 3].isNString else { throw Invalid(description: "location") }
            } else {
                guard items.count == i else { throw Invalid(description: "BODY multipart has extra items") }
            }
            return
        }
        guard items.count >= 7, let type = items[0].text, let subtype = items[1].text else {
            throw Invalid(description: "body type and subtype")
        }
        try parameters(items[2])
        guard items[3].isNString, items[4].isNString, items[5].text != nil,
              case .number = items[6] else { throw Invalid(description: "basic fields") }
        var i = 7
        if type == "TEXT" {
            guard items.count > i, case .number = items[i] else { throw Invalid(description: "text lines") }
            i += 1
        } else if type == "MESSAGE" && (subtype == "RFC822" || subtype == "GLOBAL") {
            guard items.count > i + 2, case .number = items[i + 2] else { throw Invalid(description: "message fields") }
            try envelope(items[i])
            try body(items[i + 1], extended: extended)
            i += 3
        }
        if extended {
            guard items.count == i + 4, items[i].isNString else { throw Invalid(description: "part extension data") }
            try disposition(items[i + 1])
            try language(items[i + 2])
            guard items[i + 3].isNString else { throw Invalid(description: "location") }
        } else {
            guard items.count == i else { throw Invalid(description: "BODY part has extra items") }
        }
    }

    private static func parameters(_ value: Value) throws {
        if case .absent = value { return }
        guard let items = value.items, !items.isEmpty, items.count % 2 == 0, items.allSatisfy({ $0.text != nil }) else {
            throw Invalid(description: "parameters must be NIL or string pairs")
        }
    }

    private static func disposition(_ value: Value) throws {
        if case .absent = value { return }
        guard let items = value.items, items.count == 2, items[0].text != nil else { throw Invalid(description: "disposition") }
        try parameters(items[1])
    }

    private static func language(_ value: Value) throws {
        if value.isNString { return }
        guard let items = value.items, !items.isEmpty, items.allSatisfy({ $0.text != nil }) else {
            throw Invalid(description: "language")
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func value() throws -> Value {
            guard index < bytes.count else { throw Invalid(description: "value expected at end") }
            switch bytes[index] {
            case UInt8(ascii: "("):
                index += 1
                var items: [Value] = []
                while true {
                    guard index < bytes.count else { throw Invalid(description: "unclosed list") }
                    if bytes[index] == UInt8(ascii: ")") {
                        index += 1
                        return .list(items)
                    }
                    if !items.isEmpty {
                        // Items are separated by one space, except bodies of a multipart.
                        if bytes[index] == UInt8(ascii: " ") {
                            index += 1
                        } else if !(bytes[index] == UInt8(ascii: "(") && items.last?.items != nil) {
                            throw Invalid(description: "separator expected at \(index)")
                        }
                    }
                    items.append(try value())
                }
            case UInt8(ascii: "\""):
                index += 1
                var out: [UInt8] = []
                while true {
                    guard index < bytes.count else { throw Invalid(description: "unclosed quoted string") }
                    let byte = bytes[index]
                    index += 1
                    switch byte {
                    case UInt8(ascii: "\""): return .string(out)
                    case UInt8(ascii: "\\"):
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "\\") else {
                            throw Invalid(description: "bad escape")
                        }
                        out.append(bytes[index])
                        index += 1
                    case 0, 0x0A, 0x0D, 0x80...:
                        throw Invalid(description: "byte \(byte) in quoted string")
                    default:
                        out.append(byte)
                    }
                }
            case UInt8(ascii: "{"):
                index += 1
                let start = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > start, let count = Int(String(decoding: bytes[start..<index], as: UTF8.self)),
                      count <= bytes.count - index - 3,
                      bytes[index] == UInt8(ascii: "}"), bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A
                else { throw Invalid(description: "bad literal") }
                index += 3
                let content = Array(bytes[index..<index + count])
                guard !content.contains(0) else { throw Invalid(description: "NUL in literal") }
                index += count
                return .string(content)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard let number = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                    throw Invalid(description: "bad number")
                }
                return .number(number)
            default:
                guard bytes.count - index >= 3, bytes[index..<index + 3].elementsEqual("NIL".utf8) else {
                    throw Invalid(description: "unexpected byte \(bytes[index]) at \(index)")
                }
                index += 3
                return .absent
            }
        }
    }
}
