import NIOCore
import Store

/// FETCH response data (RFC 9051 §7.5.2), written item by item so that a large body
/// section can follow its literal header in chunks.
extension ResponseEncoder {
    public mutating func beginFetch(_ sequenceNumber: Int) {
        writeNumbered("* ", UInt64(sequenceNumber), " FETCH (")
        fetchItems = 0
    }

    /// A number in decimal, digit by digit into the buffer: a FETCH of every message writes
    /// two or three per message, and String interpolation made a string for each.
    mutating func writeDecimal(_ value: UInt64) {
        writeNumbered("", value, "")
    }

    /// `prefix`, `value` in decimal and `suffix` in one write: a FETCH of every message
    /// writes a few such pieces per message, and each write of its own costs the
    /// buffer's checks again (a third of the time of `UID FETCH 1:* (FLAGS)` on 10,000).
    mutating func writeNumbered(_ prefix: StaticString, _ value: UInt64, _ suffix: StaticString) {
        let p = prefix.utf8CodeUnitCount, s = suffix.utf8CodeUnitCount
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: p + digits + s) { out in
            let base = out.baseAddress!
            if p > 0 { base.copyMemory(from: prefix.utf8Start, byteCount: p) }
            var v = value
            var i = p + digits
            repeat {
                i -= 1
                base.storeBytes(of: UInt8(truncatingIfNeeded: v % 10) &+ 0x30, toByteOffset: i, as: UInt8.self)
                v /= 10
            } while v > 0
            if s > 0 { (base + p + digits).copyMemory(from: suffix.utf8Start, byteCount: s) }
            return p + digits + s
        }
    }

    public mutating func endFetch() {
        buffer.writeStaticString(")\r\n")
    }

    /// Writes the space between items.
    mutating func nextItem() {
        if fetchItems > 0 { writeSpace() }
        fetchItems += 1
    }

    /// Counts an item; whether a space goes before it.
    private mutating func spacedItem() -> Bool {
        defer { fetchItems += 1 }
        return fetchItems > 0
    }

    public mutating func fetchUID(_ uid: UID) {
        writeNumbered(spacedItem() ? " UID " : "UID ", UInt64(uid.rawValue), "")
    }

    /// `FLAGS (` and the names of each combination of system flags and \Recent (bit 32),
    /// made once: the common FLAGS item is then one write.
    private static let flagItems: [[UInt8]] = (0..<64).map { i in
        var names = SystemFlags.all.filter { SystemFlags(rawValue: i & 31).contains($0.0) }.map(\.1)
        if i & 32 != 0 { names.append("\\Recent") }
        return Array(("FLAGS (" + names.joined(separator: " ")).utf8)
    }

    public mutating func fetchFlags(_ flags: Flags, recent: Bool) {
        let index = (flags.system.rawValue & 31) | (recent ? 32 : 0)
        let head = ResponseEncoder.flagItems[index]
        let spaced = spacedItem()
        let closing = flags.keywords.isEmpty
        head.withUnsafeBytes { head in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: head.count + 2) { out in
                var n = 0
                if spaced {
                    out[0] = .space
                    n = 1
                }
                UnsafeMutableRawBufferPointer(rebasing: out[n...]).copyMemory(from: head)
                n += head.count
                if closing {
                    out[n] = UInt8(ascii: ")")
                    n += 1
                }
                return n
            }
        }
        guard !closing else { return }
        var first = index == 0
        for keyword in flags.keywords {
            if !first { writeSpace() }
            buffer.writeString(keyword)
            first = false
        }
        buffer.writeStaticString(")")
    }

    /// Flags as a list's contents: system flags first, then keywords.
    public mutating func writeFlagList(_ flags: Flags, recent: Bool) {
        var first = true
        for (flag, name) in SystemFlags.all where flags.system.contains(flag) {
            if !first { writeSpace() }
            buffer.writeString(name)
            first = false
        }
        if recent {
            if !first { writeSpace() }
            buffer.writeStaticString("\\Recent")
            first = false
        }
        for keyword in flags.keywords {
            if !first { writeSpace() }
            buffer.writeString(keyword)
            first = false
        }
    }

    public mutating func fetchInternalDate(_ seconds: Int64) {
        fetchDate("INTERNALDATE", seconds)
    }

    /// `NAME "date-time"` (INTERNALDATE, SAVEDATE).
    public mutating func fetchDate(_ name: StaticString, _ seconds: Int64) {
        nextItem()
        buffer.writeStaticString(name)
        buffer.writeStaticString(" \"")
        buffer.writeString(IMAPDate.dateTime(seconds))
        buffer.writeStaticString("\"")
    }

    /// `NAME (id)` (RFC 8474 EMAILID, THREADID), or `NAME NIL`.
    public mutating func fetchObjectID(_ name: StaticString, _ id: String?) {
        nextItem()
        buffer.writeStaticString(name)
        buffer.writeString(id.map { " (\($0))" } ?? " NIL")
    }

    /// `PREVIEW "text"` (RFC 8970), a literal when the text is not ASCII and UTF-8 is off.
    public mutating func fetchPreview(_ text: String?) {
        nextItem()
        buffer.writeStaticString("PREVIEW ")
        writeNString(text.map { Array($0.utf8) })
    }

    public mutating func fetchSize(_ size: Int) {
        writeNumbered(spacedItem() ? " RFC822.SIZE " : "RFC822.SIZE ", UInt64(size), "")
    }

    public mutating func fetchModSeq(_ modSeq: ModSequence) {
        writeNumbered(spacedItem() ? " MODSEQ (" : "MODSEQ (", modSeq.rawValue, ")")
    }

    /// An item whose value is IMAP text stored at append time (ENVELOPE, BODYSTRUCTURE, BODY).
    public mutating func fetchStored(_ name: StaticString, _ text: String) {
        nextItem()
        buffer.writeStaticString(name)
        writeSpace()
        buffer.writeString(text)
    }

    public mutating func fetchNumber(_ name: String, _ value: Int) {
        nextItem()
        buffer.writeString(name)
        writeSpace()
        buffer.writeString(String(value))
    }

    /// `NAME {count}CRLF` (or `~{count}` for binary data); the caller writes the bytes.
    public mutating func beginFetchLiteral(_ name: String, count: Int, binary: Bool = false) {
        nextItem()
        buffer.writeString(name)
        buffer.writeStaticString(binary ? " ~{" : " {")
        writeDecimal(UInt64(count))
        buffer.writeStaticString("}\r\n")
    }

    public mutating func fetchNil(_ name: String) {
        nextItem()
        buffer.writeString(name)
        buffer.writeStaticString(" NIL")
    }
}

/// Dates as IMAP writes them.
public enum IMAPDate {
    /// `date-time` (RFC 9051 §9): `" 7-Feb-2026 10:20:30 +0000"` without the quotes, in UTC.
    public static func dateTime(_ seconds: Int64) -> String {
        let days = Int((seconds >= 0 ? seconds : seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let date = CivilDate(daysSince1970: days)
        let day = date.day < 10 ? " \(date.day)" : "\(date.day)"
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var year = String(date.year)
        while year.count < 4 { year = "0" + year }
        return "\(day)-\(CivilDate.monthNames[date.month - 1])-\(year) \(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)) +0000"
    }
}
