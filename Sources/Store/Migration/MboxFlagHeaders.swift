import Foundation

/// Header fields in which mbox software keeps a message's flags: `Status:` (R read,
/// O old), `X-Status:` (A answered, F flagged, T draft, D deleted) as mutt, Pine and Dovecot
/// write them, and Dovecot's `X-Keywords:`. Dovecot's own bookkeeping fields (`X-UID:`,
/// `X-IMAP:`, `X-IMAPbase:`) mean nothing outside the file they were written in.
///
/// An import takes the flags from these fields and removes them all, so a message is
/// stored as its sender wrote it; an export writes them back at the top of the header.
enum MboxFlagHeaders {
    static let removed: Set<String> = ["status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase"]

    static let xStatusLetters: [(UInt8, SystemFlags)] = [
        (UInt8(ascii: "A"), .answered), (UInt8(ascii: "F"), .flagged), (UInt8(ascii: "T"), .draft), (UInt8(ascii: "D"), .deleted),
    ]

    /// The flags the header holds, and the message without those fields.
    static func extract(_ message: [UInt8]) -> (flags: Flags, message: [UInt8]) {
        var system: SystemFlags = []
        var keywords: [String] = []
        var out: [UInt8] = []
        out.reserveCapacity(message.count)
        var i = 0
        var dropping: String?  // the field whose lines are being left out
        while i < message.count {
            let end = message[i...].firstIndex(of: 10).map { $0 + 1 } ?? message.count
            let line = message[i..<end]
            if line.allSatisfy({ $0 == 13 || $0 == 10 }) {
                out += message[i...]  // the empty line and the body, untouched
                break
            }
            if line.first == 0x20 || line.first == 0x09 {
                if dropping == "x-keywords" { keywords += keywordList(line) }
            } else {
                dropping = nil
                if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                    let name = String(decoding: line[..<colon], as: UTF8.self).lowercased().trimmingCharacters(in: .whitespaces)
                    if removed.contains(name) {
                        dropping = name
                        let value = line[(colon + 1)...]
                        switch name {
                        case "status":
                            if value.contains(UInt8(ascii: "R")) { system.insert(.seen) }
                        case "x-status":
                            for (letter, flag) in xStatusLetters where value.contains(letter) { system.insert(flag) }
                        case "x-keywords":
                            keywords += keywordList(value)
                        default:
                            break
                        }
                    }
                }
            }
            if dropping == nil { out += line }
            i = end
        }
        return (Flags(system: system, keywords: keywords), out)
    }

    /// Keywords separated by spaces or commas; what is not an IMAP keyword is left out.
    private static func keywordList(_ bytes: ArraySlice<UInt8>) -> [String] {
        bytes.split(whereSeparator: { $0 == 0x20 || $0 == UInt8(ascii: ",") || $0 == 0x09 || $0 == 13 || $0 == 10 })
            .compactMap { IMAPKeyword.valid(String(decoding: $0, as: UTF8.self)) }
    }

    /// The fields for `flags`, with the line end the message uses, to put before its header.
    static func fields(for flags: Flags, lineEnd: [UInt8]) -> [UInt8] {
        var text = "Status: " + (flags.system.contains(.seen) ? "RO" : "O")
        let x = xStatusLetters.filter { flags.system.contains($0.1) }.map { Character(Unicode.Scalar($0.0)) }
        var out = Array(text.utf8) + lineEnd
        if !x.isEmpty {
            text = "X-Status: " + String(x)
            out += Array(text.utf8) + lineEnd
        }
        if !flags.keywords.isEmpty {
            text = "X-Keywords: " + flags.keywords.joined(separator: " ")
            out += Array(text.utf8) + lineEnd
        }
        return out
    }
}
