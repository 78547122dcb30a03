/// The PREVIEW of a message (RFC 8970): the first words of its readable text, made once
/// when the message is stored. The text comes from the first text/plain part that is not
/// an attachment, else from the first text/html part with its markup removed; transfer
/// encoding and charset are undone and runs of white space become one space.
enum MessagePreview {
    /// RFC 8970 §3.1: at most 256 characters.
    static let maxCharacters = 256
    /// Enough of a part's decoded text for the preview, even when most of it is markup.
    private static let scanLimit = 64 << 10

    static func text(of bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            var parser = EntityParser(raw)
            return text(parser.entity(0..<raw.count, depth: 0, inDigest: false), in: raw)
        }
    }

    static func text(_ root: Entity, in raw: UnsafeRawBufferPointer) -> String? {
        let html = Array("html".utf8)
        guard let part = firstPart(root, in: raw, where: { !$0.isHTML(html) }) ?? firstPart(root, in: raw, where: { $0.isHTML(html) })
        else { return nil }
        if part.isHTML(html) { return condensed(HTMLText.strip(part.decodedText(in: raw, limit: scanLimit))) }
        // Plain text seldom needs more than its first few kilobytes for 256 characters;
        // the whole scan only when they were mostly white space or control characters.
        if part.body.count > plainFirstLook, let found = condensed(part.decodedText(in: raw, limit: plainFirstLook)),
           found.count >= maxCharacters {
            return found
        }
        return condensed(part.decodedText(in: raw, limit: scanLimit))
    }

    /// How much of a plain text part is decoded first.
    private static let plainFirstLook = 4 << 10

    /// The first text leaf, depth first, that `accept` takes and that is not an attachment.
    /// Encapsulated messages are not looked into: their text is not this message's.
    private static func firstPart(_ entity: Entity, in raw: UnsafeRawBufferPointer, where accept: (Entity) -> Bool) -> Entity? {
        switch entity.content {
        case .multipart(let parts):
            for part in parts {
                if let found = firstPart(part, in: raw, where: accept) { return found }
            }
            return nil
        case .message:
            return nil
        case .leaf:
            guard entity.mediaType.isText, accept(entity), !entity.isAttachment(in: raw) else { return nil }
            return entity
        }
    }

    /// White space runs (line breaks included) as single spaces, trimmed, cut to 256 characters.
    static func condensed(_ text: String) -> String? {
        var out = ""
        var count = 0
        var pendingSpace = false
        // ASCII first, byte by byte: what most previews are made of, without the Unicode
        // property tables. It stops before the last ASCII byte ahead of anything else, which
        // may begin a cluster with what follows; the Character loop takes over from there.
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            if byte >= 0x80 || (next != utf8.endIndex && utf8[next] >= 0x80) { break }
            index = next
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                pendingSpace = !out.isEmpty
                continue
            }
            if byte < 0x20 || byte == 0x7F { continue }
            if pendingSpace {
                guard count < maxCharacters else { return out }
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            guard count < maxCharacters else { return out }
            out.unicodeScalars.append(Unicode.Scalar(byte))
            count += 1
        }
        for c in text[index...] {
            if c.isWhitespace || c == "\u{00A0}" {
                pendingSpace = !out.isEmpty
                continue
            }
            if c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
                continue
            }
            if pendingSpace {
                guard count < maxCharacters else { break }
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            guard count < maxCharacters else { break }
            out.append(c)
            count += 1
        }
        return out.isEmpty ? nil : out
    }
}

extension Entity {
    /// The body with its transfer encoding and charset undone (at most `limit` bytes of it).
    func decodedText(in raw: UnsafeRawBufferPointer, limit: Int = .max) -> String {
        let encoding = fields.value(.contentTransferEncoding, in: raw).flatMap(MIMETokens.transferEncoding)
            .map { String(decoding: $0, as: UTF8.self) }
        let slice = raw[body.lowerBound..<min(body.upperBound, body.lowerBound + limit)]
        let content = TransferEncoding.decode(slice, encoding: encoding) ?? Array(slice)
        let charset = mediaType.parameter("charset").map { String(decoding: $0, as: UTF8.self) }
        return Charset.decode(content, charset: charset)
    }

    func isHTML(_ html: [UInt8]) -> Bool { mediaType.isText && mediaType.subtype == html }

    /// Content-Disposition: attachment (RFC 2183).
    func isAttachment(in raw: UnsafeRawBufferPointer) -> Bool {
        guard let value = fields.value(.contentDisposition, in: raw) else { return false }
        let word = value.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        return word.equalsIgnoringCase(Array("attachment".utf8))
    }
}

/// Readable text of an HTML body: tags, comments, scripts and styles dropped, block
/// elements turned into spaces, the common character references decoded.
enum HTMLText {
    static func strip(_ html: String) -> String {
        var out = ""
        var scalars = html.unicodeScalars[...]
        while let c = scalars.first {
            if c == "<" {
                let rest = String(scalars.prefix(12)).lowercased()
                if rest.hasPrefix("<!--") {
                    scalars = skip(past: "-->", in: scalars)
                } else if rest.hasPrefix("<script") || rest.hasPrefix("<style") || rest.hasPrefix("<head") {
                    let name = rest.hasPrefix("<script") ? "script" : rest.hasPrefix("<style") ? "style" : "head"
                    scalars = skip(past: "</\(name)", in: scalars)
                    scalars = skip(past: ">", in: scalars)
                } else {
                    scalars = skip(past: ">", in: scalars)
                    out.append(" ")
                }
            } else if c == "&", let (decoded, rest) = reference(scalars) {
                out.unicodeScalars.append(decoded)
                scalars = rest
            } else {
                out.unicodeScalars.append(c)
                scalars = scalars.dropFirst()
            }
        }
        return out
    }

    /// What follows the first `marker` (matched in any case), or nothing when it never comes.
    private static func skip(past marker: String, in scalars: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        let text = Substring(scalars)
        guard let r = text.range(of: marker, options: .caseInsensitive) else { return ""[...].unicodeScalars }
        return text[r.upperBound...].unicodeScalars
    }

    private static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
    ]

    /// `&name;`, `&#123;` or `&#x1F600;` at the start, decoded, and what follows it.
    private static func reference(_ scalars: Substring.UnicodeScalarView) -> (Unicode.Scalar, Substring.UnicodeScalarView)? {
        let body = scalars.dropFirst().prefix(10)
        guard let end = body.firstIndex(of: ";") else { return nil }
        let name = String(body[..<end])
        let rest = scalars[scalars.index(after: end)...]
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { ($0, rest) }
        }
        if name.hasPrefix("#") {
            return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { ($0, rest) }
        }
        return named[name.lowercased()].map { ($0, rest) }
    }
}
