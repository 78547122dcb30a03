/// BODYSTRUCTURE (extensible) and BODY (non-extensible) of an entity tree
/// (RFC 9051 §7.5.2, RFC 3501 §7.4.2). Types, subtypes, parameter names, encodings and
/// disposition types are uppercased as in the RFC's examples; values stay as given.
enum BodyStructure {
    static func text(_ entity: Entity, in bytes: UnsafeRawBufferPointer, extended: Bool) -> String {
        var out = ResponseText(capacity: 512)
        write(entity, in: bytes, extended: extended, to: &out)
        return out.string
    }

    private static func write(_ entity: Entity, in bytes: UnsafeRawBufferPointer, extended: Bool,
                              to out: inout ResponseText) {
        let fields = entity.fields
        out.append("(")
        if case .multipart(let parts) = entity.content {
            for part in parts { write(part, in: bytes, extended: extended, to: &out) }
            out.append(" ")
            out.appendString(entity.mediaType.subtype.asciiUppercased)
            if extended {
                out.append(" ")
                appendParameters(entity.mediaType.parameters, to: &out)
                appendDispositionLanguageLocation(fields, in: bytes, to: &out)
            }
        } else {
            let type = entity.mediaType
            out.appendString(type.type.asciiUppercased)
            out.append(" ")
            out.appendString(type.subtype.asciiUppercased)
            out.append(" ")
            var parameters = type.parameters
            // RFC 2045 §5.2: text without a charset is US-ASCII.
            if type.isText && type.parameter("charset") == nil {
                parameters.append(MIMEParameter(name: Array("CHARSET".utf8), value: Array("US-ASCII".utf8)))
            }
            appendParameters(parameters, to: &out)
            out.append(" ")
            out.appendNString(fields.value(.contentID, in: bytes))
            out.append(" ")
            out.appendNString(fields.value(.contentDescription, in: bytes))
            out.append(" ")
            let encoding = fields.value(.contentTransferEncoding, in: bytes).flatMap(MIMETokens.transferEncoding)
            out.appendString(encoding?.asciiUppercased ?? Array("7BIT".utf8))
            out.append(" ")
            out.append(entity.body.count)
            if type.isText {
                out.append(" ")
                out.append(bytes.lineCount(in: entity.body))
            } else if case .message(let message) = entity.content {
                out.append(" ")
                Envelope.write(message.fields, in: bytes, to: &out)
                out.append(" ")
                write(message, in: bytes, extended: extended, to: &out)
                out.append(" ")
                out.append(bytes.lineCount(in: entity.body))
            }
            if extended {
                out.append(" ")
                out.appendNString(fields.value(.contentMD5, in: bytes))
                appendDispositionLanguageLocation(fields, in: bytes, to: &out)
            }
        }
        out.append(")")
    }

    /// ` disposition language location`, the extension data both part forms end with.
    private static func appendDispositionLanguageLocation(_ fields: EntityHeader, in bytes: UnsafeRawBufferPointer,
                                                          to out: inout ResponseText) {
        out.append(" ")
        if let disposition = fields.value(.contentDisposition, in: bytes).flatMap(Disposition.init(parsing:)) {
            out.append("(")
            out.appendString(disposition.type.asciiUppercased)
            out.append(" ")
            appendParameters(disposition.parameters, to: &out)
            out.append(")")
        } else {
            out.appendNil()
        }
        out.append(" ")
        let languages = fields.value(.contentLanguage, in: bytes).map(MIMETokens.languages) ?? []
        if languages.isEmpty {
            out.appendNil()
        } else {
            out.append("(")
            for (i, language) in languages.enumerated() {
                if i > 0 { out.append(" ") }
                out.appendString(language)
            }
            out.append(")")
        }
        out.append(" ")
        out.appendNString(fields.value(.contentLocation, in: bytes))
    }

    private static func appendParameters(_ parameters: [MIMEParameter], to out: inout ResponseText) {
        guard !parameters.isEmpty else { return out.appendNil() }
        out.append("(")
        for (i, parameter) in parameters.enumerated() {
            if i > 0 { out.append(" ") }
            out.appendString(parameter.name.asciiUppercased)
            out.append(" ")
            out.appendString(parameter.value)
        }
        out.append(")")
    }
}
