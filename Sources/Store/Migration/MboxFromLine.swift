import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `From sender date` line that starts each message of an mbox file. The date is in
/// asctime(3) form, "Thu Jan  1 00:00:00 1970", which writers vary (a zone before or after
/// the year, no seconds); it is read as a Date: header's asctime form is, a date without
/// a zone being UTC.
public struct MboxFromLine: Sendable, Equatable {
    public var sender: String
    /// Seconds since 1970; nil when the line's date does not parse.
    public var date: Int64?

    public init(sender: String, date: Int64?) {
        self.sender = sender
        self.date = date
    }

    /// Parses a line that starts with "From " (a line end may follow); nil otherwise.
    public init?(parsing line: some Collection<UInt8>) {
        guard line.starts(with: Self.prefix) else { return nil }
        let rest = line.dropFirst(Self.prefix.count).drop { $0 == 0x20 || $0 == 0x09 }
        let end = rest.firstIndex(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) ?? rest.endIndex
        guard end > rest.startIndex else { return nil }
        sender = String(decoding: rest[..<end], as: UTF8.self)
        date = MessageDate.parse(Array(rest[end...].filter { $0 != 0x0D && $0 != 0x0A }))
    }

    static let prefix = Array("From ".utf8)
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The line as an export writes it, the date in UTC (no line end).
    public var text: String {
        var seconds = time_t(date ?? 0)
        var t = tm()
        gmtime_r(&seconds, &t)
        let day = t.tm_mday < 10 ? " \(t.tm_mday)" : "\(t.tm_mday)"
        return "From \(sender) \(Self.weekdays[Int(t.tm_wday)]) \(Self.months[Int(t.tm_mon)]) \(day) "
            + String(format: "%02d:%02d:%02d", t.tm_hour, t.tm_min, t.tm_sec) + " \(t.tm_year + 1900)"
    }
}
