/// Client text quoted in a reply (an unknown command, a refused address, an error that
/// names what was sent): whatever the client sent, a reply stays one line of printable
/// US-ASCII, so it never carries a NUL, a bare CR or raw 8-bit text, and stays within the
/// protocol's line length.
public enum ClientText {
    /// `text` with line breaks and tabs written as spaces and every other character outside
    /// printable US-ASCII as "?", cut to `limit` characters with "..." marking the cut.
    /// Works on Unicode scalars: a Character can hold any number of combining marks, so
    /// counting Characters would not bound it.
    public static func quoted(_ text: some StringProtocol, limit: Int = 64) -> String {
        // Most text (every "completed") is already plain: taken as it is.
        if text.utf8.count <= limit, text.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) { return String(text) }
        var out = String.UnicodeScalarView()
        var count = 0
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            // CRLF is one line break, so one space.
            if scalar == "\n" && previous == "\r" { continue }
            guard count < limit else {
                out.append(contentsOf: "...".unicodeScalars)
                break
            }
            switch scalar.value {
            case 0x20...0x7E: out.append(scalar)
            case 0x09, 0x0A, 0x0D: out.append(" ")
            default: out.append("?")
            }
            count += 1
        }
        return String(out)
    }
}
