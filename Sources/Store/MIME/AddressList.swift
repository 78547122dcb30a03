/// One member of an ENVELOPE address list (RFC 9051 §7.5.2): a mailbox, or the start
/// or end marker of a group.
enum AddressItem: Equatable {
    case mailbox(name: [UInt8]?, route: [UInt8]?, mailbox: [UInt8], host: [UInt8]?)
    case groupStart(name: [UInt8])
    case groupEnd
}

/// A tolerant parser for RFC 5322 §3.4 address lists, including the obsolete forms of
/// §4.4 (routes, phrases with dots) and what real mail gets wrong: bare local parts,
/// missing angle brackets, unterminated quotes and groups. Encoded words stay encoded.
struct AddressList {
    private struct Token {
        enum Kind: Equatable { case atom, quoted, comment, domainLiteral, special(UInt8) }
        var kind: Kind
        var range: Range<Int>
        /// Whitespace or a comment came before it: words of a phrase are spaced there.
        var spaced: Bool
    }

    private let value: [UInt8]
    private let tokens: [Token]
    private var index = 0
    private var items: [AddressItem] = []

    /// The addresses in an unfolded header value; empty when there are none.
    static func parse(_ value: [UInt8]) -> [AddressItem] {
        var list = AddressList(value)
        while list.index < list.tokens.count {
            if list.isSpecial(",") || list.isSpecial(";") { list.index += 1; continue }
            list.addressOrGroup(inGroup: false)
        }
        return list.items
    }

    private init(_ value: [UInt8]) {
        self.value = value
        self.tokens = AddressList.tokenize(value)
    }

    // MARK: Grammar

    private mutating func addressOrGroup(inGroup: Bool) {
        let start = index
        while index < tokens.count, isPhrasePiece(tokens[index]) { index += 1 }
        let phrase = start..<index
        if isSpecial(":") && !inGroup {
            index += 1
            items.append(.groupStart(name: words(phrase) ?? []))
            while index < tokens.count && !isSpecial(";") {
                if isSpecial(",") { index += 1 } else { addressOrGroup(inGroup: true) }
            }
            if index < tokens.count { index += 1 }
            items.append(.groupEnd)
        } else if isSpecial("<") {
            index += 1
            angleAddress(name: words(phrase))
        } else if isSpecial("@") {
            addrSpec(phrase)
        } else if !phrase.isEmpty {
            // A word with no @: a local part without domain, or a lone display name.
            if let mailbox = words(phrase) {
                items.append(.mailbox(name: lastComment(phrase), route: nil, mailbox: mailbox, host: nil))
            }
        } else {
            index += 1  // a stray special
        }
    }

    /// After `<`: [route ":"] local-part ["@" domain] ">".
    private mutating func angleAddress(name: [UInt8]?) {
        var route: [UInt8]? = nil
        if isSpecial("@") {
            let start = index
            while index < tokens.count && !isSpecial(":") && !isSpecial(">") { index += 1 }
            if isSpecial(":") {
                route = joined(start..<index)
                index += 1
            } else {
                index = start
            }
        }
        let localStart = index
        skip(until: "@>,;<")
        let local = joined(localStart..<index)
        var host: [UInt8]? = nil
        var comment: [UInt8]? = nil
        if isSpecial("@") {
            index += 1
            let domainStart = index
            skip(until: ">,;<")
            host = joined(domainStart..<index)
            comment = lastComment(domainStart..<index)
        }
        if isSpecial(">") { index += 1 }
        let trailingStart = index
        skip(until: ",;")
        comment = lastComment(trailingStart..<index) ?? comment
        guard !local.isEmpty || host?.isEmpty == false else { return }  // <> is no address
        items.append(.mailbox(name: name ?? comment, route: route, mailbox: local,
                              host: host?.isEmpty == true ? nil : host))
    }

    /// A bare addr-spec; words before the local part, if any, are the display name.
    private mutating func addrSpec(_ phrase: Range<Int>) {
        var localEnd = phrase.upperBound
        while localEnd > phrase.lowerBound, tokens[localEnd - 1].kind == .comment { localEnd -= 1 }
        var localStart = localEnd
        while localStart > phrase.lowerBound {
            let token = tokens[localStart - 1]
            if token.kind == .comment { break }
            localStart -= 1
            if token.spaced { break }
        }
        index += 1
        let domainStart = index
        skip(until: ",;<>")
        let host = joined(domainStart..<index)
        let domainEnd = index
        skip(until: ",;")
        let name = words(phrase.lowerBound..<localStart)
            ?? lastComment(domainEnd..<index) ?? lastComment(domainStart..<domainEnd)
            ?? lastComment(localEnd..<phrase.upperBound)
        items.append(.mailbox(name: name, route: nil, mailbox: joined(localStart..<localEnd),
                              host: host.isEmpty ? nil : host))
    }

    // MARK: Token helpers

    private func isSpecial(_ character: Unicode.Scalar) -> Bool {
        index < tokens.count && tokens[index].kind == .special(UInt8(ascii: character))
    }

    private func isPhrasePiece(_ token: Token) -> Bool {
        switch token.kind {
        case .atom, .quoted, .comment, .domainLiteral: return true
        case .special(let byte): return byte == UInt8(ascii: ".")
        }
    }

    private mutating func skip(until specials: StaticString) {
        while index < tokens.count {
            if case .special(let byte) = tokens[index].kind,
               specials.withUTF8Buffer({ $0.contains(byte) }) { return }
            index += 1
        }
    }

    /// A phrase as display text: words separated by one space where the source had
    /// whitespace, quoted strings unquoted, comments dropped. Nil when it has no words.
    private func words(_ range: Range<Int>) -> [UInt8]? {
        var out: [UInt8] = []
        var any = false
        for token in tokens[range] where token.kind != .comment {
            if any && token.spaced { out.append(.space) }
            any = true
            if token.kind == .quoted { out += unescaped(token.range.dropFirst().dropLast(isClosed(token) ? 1 : 0)) }
            else { out += value[token.range] }
        }
        return any && !out.isEmpty ? out : nil
    }

    /// Tokens as written, without whitespace or comments: a local part, a domain, a route.
    private func joined(_ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        for token in tokens[range] where token.kind != .comment { out += value[token.range] }
        return out
    }

    private func lastComment(_ range: Range<Int>) -> [UInt8]? {
        guard let token = tokens[range].last(where: { $0.kind == .comment }) else { return nil }
        let text = unescaped(token.range.dropFirst().dropLast(isClosed(token) ? 1 : 0))
        return text.isEmpty ? nil : text
    }

    private func isClosed(_ token: Token) -> Bool {
        let close: UInt8 = token.kind == .comment ? UInt8(ascii: ")") : UInt8(ascii: "\"")
        guard token.range.count >= 2, value[token.range.upperBound - 1] == close else { return false }
        // The closing byte must not itself be escaped.
        var backslashes = 0
        var i = token.range.upperBound - 2
        while i > token.range.lowerBound, value[i] == UInt8(ascii: "\\") { backslashes += 1; i -= 1 }
        return backslashes % 2 == 0
    }

    private func unescaped(_ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        var i = range.lowerBound
        while i < range.upperBound {
            if value[i] == UInt8(ascii: "\\"), i + 1 < range.upperBound { i += 1 }
            out.append(value[i])
            i += 1
        }
        return out
    }

    // MARK: Lexer

    private static func tokenize(_ value: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var spaced = false
        var i = 0
        while i < value.count {
            let byte = value[i]
            let start = i
            switch byte {
            case .space, .tab, .cr, .lf:
                spaced = true
                i += 1
                continue
            case UInt8(ascii: "("):
                i = MIMEValueReader.commentEnd(value, from: i)
                tokens.append(Token(kind: .comment, range: start..<i, spaced: spaced))
                spaced = true
                continue
            case UInt8(ascii: "\""):
                i = closing(UInt8(ascii: "\""), in: value, from: i + 1)
                tokens.append(Token(kind: .quoted, range: start..<i, spaced: spaced))
            case UInt8(ascii: "["):
                i = closing(UInt8(ascii: "]"), in: value, from: i + 1)
                tokens.append(Token(kind: .domainLiteral, range: start..<i, spaced: spaced))
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","), UInt8(ascii: ";"),
                 UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "\\"):
                i += 1
                tokens.append(Token(kind: .special(byte), range: start..<i, spaced: spaced))
            default:
                while i < value.count, !endsAtom(value[i]) { i += 1 }
                tokens.append(Token(kind: .atom, range: start..<i, spaced: spaced))
            }
            spaced = false
        }
        return tokens
    }

    /// Index just past `close`, honouring `\` escapes; the end when it never comes.
    private static func closing(_ close: UInt8, in value: [UInt8], from start: Int) -> Int {
        var i = start
        while i < value.count {
            if value[i] == UInt8(ascii: "\\") { i += 2; continue }
            if value[i] == close { return i + 1 }
            i += 1
        }
        return value.count
    }

    private static func endsAtom(_ byte: UInt8) -> Bool {
        switch byte {
        case .space, .tab, .cr, .lf, UInt8(ascii: "("), UInt8(ascii: "\""), UInt8(ascii: "["),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }
}
