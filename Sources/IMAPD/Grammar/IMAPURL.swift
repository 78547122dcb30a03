import Store

/// An IMAP URL naming a message or a part of one (RFC 5092 §3, as CATENATE uses it, RFC
/// 4469 §3): `[imap://server]/mailbox[;UIDVALIDITY=v]/;UID=u[/;SECTION=s][/;PARTIAL=o[.l]]`.
/// The mailbox is UTF-8, percent-encoded. URLAUTH forms are not taken.
public struct IMAPURL: Equatable, Sendable {
    public var mailbox: String
    public var uidValidity: UInt32?
    public var uid: UID
    public var section: Section
    public var partial: Partial?

    public init(mailbox: String, uidValidity: UInt32? = nil, uid: UID, section: Section = Section(), partial: Partial? = nil) {
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
        self.section = section
        self.partial = partial
    }

    /// Nil for anything that is not such a URL.
    public init?(_ text: String) {
        var path = Substring(text)
        if path.lowercased().hasPrefix("imap://") {
            // The server part names this server; the session's rights decide what it may read.
            let rest = path.dropFirst("imap://".count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            path = rest[slash...]
        }
        guard path.first == "/" else { return nil }
        let pieces = path.dropFirst().components(separatedBy: "/;")
        guard pieces.count >= 2 else { return nil }
        var box = Substring(pieces[0])
        var validity: UInt32? = nil
        if let semicolon = box.firstIndex(of: ";") {
            let parameter = box[box.index(after: semicolon)...]
            guard parameter.uppercased().hasPrefix("UIDVALIDITY="),
                  let v = UInt32(parameter.dropFirst("UIDVALIDITY=".count)), v > 0 else { return nil }
            validity = v
            box = box[..<semicolon]
        }
        guard let mailbox = IMAPURL.percentDecoded(box), !mailbox.isEmpty else { return nil }
        var uid: UID?
        var section = Section()
        var partial: Partial?
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { return nil }
            let name = piece[..<equals].uppercased()
            guard let value = IMAPURL.percentDecoded(piece[piece.index(after: equals)...]) else { return nil }
            switch name {
            case "UID" where uid == nil:
                guard let n = UInt32(value), n > 0 else { return nil }
                uid = UID(n)
            case "SECTION" where uid != nil:
                guard let s = IMAPURL.section(value) else { return nil }
                section = s
            case "PARTIAL" where uid != nil:
                let numbers = value.split(separator: ".", omittingEmptySubsequences: false)
                guard numbers.count <= 2, let origin = Int(numbers[0]), origin >= 0 else { return nil }
                let length = numbers.count == 2 ? Int(numbers[1]) : Int(UInt32.max)  // to the end
                guard let length, length > 0 else { return nil }
                partial = Partial(origin: origin, length: length)
            default:
                return nil
            }
        }
        guard let uid else { return nil }
        self.init(mailbox: mailbox, uidValidity: validity, uid: uid, section: section, partial: partial)
    }

    /// The section as FETCH writes it between brackets.
    private static func section(_ text: String) -> Section? {
        let bytes = Array("[\(text)]".utf8)
        return bytes.withUnsafeBytes { raw -> Section? in
            var parser = CommandParser(raw)
            guard let s = try? parser.section(), parser.atEnd else { return nil }
            return s
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else {
                out.append(b)
                continue
            }
            guard bytes.count >= 2, let n = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            out.append(n)
            bytes = bytes.dropFirst(2)
        }
        return String(validating: out, as: UTF8.self)
    }
}
