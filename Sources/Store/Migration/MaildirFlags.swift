import Foundation

/// Flags in a Maildir file name's info (`unique:2,FRS`, https://cr.yp.to/proto/maildir.html):
/// uppercase letters are the standard flags, lowercase ones Dovecot keywords.
public enum MaildirFlags {
    /// The keyword that the standard "P" (passed: resent or forwarded) letter stands for.
    public static let forwarded = "$Forwarded"

    static let letters: [(UInt8, SystemFlags)] = [
        (UInt8(ascii: "D"), .draft), (UInt8(ascii: "F"), .flagged), (UInt8(ascii: "R"), .answered),
        (UInt8(ascii: "S"), .seen), (UInt8(ascii: "T"), .deleted),
    ]

    /// A file name split into its unique part and its info ("2,FRS"), if any. The info
    /// follows ":" (or ";" where ":" cannot be in a file name, as mbsync can write).
    public static func split(_ name: String) -> (base: String, info: String?) {
        for separator in [":2,", ";2,"] {
            if let range = name.range(of: separator, options: .backwards) {
                return (String(name[..<range.lowerBound]), String(name[range.lowerBound...].dropFirst()))
            }
        }
        return (name, nil)
    }

    /// The flags of an info part ("2,FRSa"); letters without a meaning are ignored.
    public static func flags(info: String, keywords: DovecotKeywords) -> Flags {
        var system: SystemFlags = []
        var names: [String] = []
        for letter in info.utf8.dropFirst(2) {
            if let flag = letters.first(where: { $0.0 == letter })?.1 {
                system.insert(flag)
            } else if letter == UInt8(ascii: "P") {
                names.append(forwarded)
            } else if let keyword = keywords.keyword(for: letter) {
                names.append(keyword)
            }
        }
        return Flags(system: system, keywords: names)
    }

    /// The info part for `flags` ("2," and the letters in ASCII order, as the spec asks), and
    /// the keywords that have no letter in `keywords`.
    public static func info(for flags: Flags, keywords: DovecotKeywords) -> (info: String, unnamed: [String]) {
        var out: [UInt8] = []
        for (letter, flag) in letters where flags.system.contains(flag) { out.append(letter) }
        var unnamed: [String] = []
        for keyword in flags.keywords {
            if keyword.lowercased() == forwarded.lowercased() {
                out.append(UInt8(ascii: "P"))
            } else if let letter = keywords.letter(for: keyword) {
                out.append(letter)
            } else {
                unnamed.append(keyword)
            }
        }
        return ("2," + String(decoding: out.sorted(), as: UTF8.self), unnamed)
    }
}
