import NIOCore
import Store

/// FETCH response data (RFC 9051 §7.5.2), written item by item so that a large body
/// section can follow its literal header in chunks.
extension ResponseEncoder {
    public mutating func beginFetch(_ sequenceNumber: Int) {
        buffer.writeStaticString("* ")
        writeDecimal(UInt64(sequenceNumber))
        buffer.writeStaticString(" FETCH (")
        fetchItems = 0
    }

    /// A number in decimal, digit by digit into the buffer: a FETCH of every message writes
    /// two or three per message, and String interpolation made a string for each.
    mutating func writeDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes: 20 digits fit
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            var v = value
            repeat {
                raw[31 - count] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                v /= 10
                count += 1
            } while v > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(32 - count)...]))
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

    public mutating func fetchUID(_ uid: UID) {
        nextItem()
        buffer.writeStaticString("UID ")
        writeDecimal(UInt64(uid.rawValue))
    }

    public mutating func fetchFlags(_ flags: Flags, recent: Bool) {
        nextItem()
        buffer.writeStaticString("FLAGS (")
        writeFlagList(flags, recent: recent)
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
        nextItem()
        buffer.writeStaticString("RFC822.SIZE ")
        writeDecimal(UInt64(size))
    }

    public mutating func fetchModSeq(_ modSeq: ModSequence) {
        nextItem()
        buffer.writeStaticString("MODSEQ (")
        writeDecimal(modSeq.rawValue)
        buffer.writeStaticString(")")
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
