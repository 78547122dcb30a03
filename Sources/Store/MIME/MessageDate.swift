/// Reads a Date: header (RFC 5322 §3.3 with the obsolete forms of §4.3, and the
/// asctime-like form some old software writes) into seconds since 1970 UTC.
enum MessageDate {
    static func parse(_ value: [UInt8]) -> Int64? {
        var words = MessageDate.words(value)
        if let first = words.first, first.first.map(isLetter) == true, month(first) == nil {
            words.removeFirst()  // the day of the week, which says nothing the date does not
        }
        guard words.count >= 3 else { return nil }

        let day: Int, monthNumber: Int, yearWord: [UInt8], time: (Int, Int, Int), zoneWord: [UInt8]?
        if let m = month(words[0]) {
            // asctime: "Jul 1 10:52:37 2003", or "Jul 1 2003 10:52:37"; a zone may follow, or
            // stand before the year as in Gmail's mbox files ("Jul 1 10:52:37 +0000 2003").
            guard words.count >= 4, let d = number(words[1]) else { return nil }
            let timeFirst = words[2].contains(UInt8(ascii: ":"))
            guard let t = clock(words[timeFirst ? 2 : 3]) else { return nil }
            if timeFirst, words.count >= 5, number(words[3]) == nil, number(words[4]) != nil {
                (day, monthNumber, yearWord, time, zoneWord) = (d, m, words[4], t, words[3])
            } else {
                (day, monthNumber, yearWord, time) = (d, m, words[timeFirst ? 3 : 2], t)
                zoneWord = words.count > 4 ? words[4] : nil
            }
        } else {
            // "1 Jul 2003 10:52:37 +0200"; the time may be missing.
            guard let d = number(words[0]), let m = month(words[1]) else { return nil }
            var t = (0, 0, 0)
            var zoneIndex = 3
            if words.count > 3, words[3].contains(UInt8(ascii: ":")) {
                guard let parsed = clock(words[3]) else { return nil }
                t = parsed
                zoneIndex = 4
            }
            (day, monthNumber, yearWord, time) = (d, m, words[2], t)
            zoneWord = words.count > zoneIndex ? words[zoneIndex] : nil
        }

        // RFC 5322 §4.3: a two-digit year below 50 is 20xx, other short years 19xx.
        guard var year = number(yearWord) else { return nil }
        if yearWord.count <= 2 { year += year < 50 ? 2000 : 1900 } else if yearWord.count == 3 { year += 1900 }
        let date = CivilDate(year: year, month: monthNumber, day: day)
        guard (1...9999).contains(year), date.isValid else { return nil }
        let offset = zoneWord.map(zoneOffset) ?? 0
        return Int64(date.daysSince1970) * 86_400
            + Int64(time.0 * 3600 + time.1 * 60 + time.2) - Int64(offset)
    }

    /// Words of the value with comments dropped, split at whitespace and commas.
    private static func words(_ value: [UInt8]) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < value.count {
            let byte = value[i]
            if byte == UInt8(ascii: "(") {
                i = MIMEValueReader.commentEnd(value, from: i)
                if !current.isEmpty { words.append(current); current = [] }
                continue
            }
            if byte <= .space || byte == UInt8(ascii: ",") {
                if !current.isEmpty { words.append(current); current = [] }
            } else {
                current.append(byte)
            }
            i += 1
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func number(_ word: [UInt8]) -> Int? {
        guard !word.isEmpty, word.count <= 9, word.allSatisfy(isDigit) else { return nil }
        return word.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static let months = CivilDate.monthNames.map { Array($0.lowercased().utf8) }

    /// 1...12 for a month name or its three-letter abbreviation, any case.
    private static func month(_ word: [UInt8]) -> Int? {
        guard word.count >= 3 else { return nil }
        let prefix = Array(word.prefix(3)).asciiLowercased
        return months.firstIndex(of: prefix).map { $0 + 1 }
    }

    /// "hh:mm" or "hh:mm:ss".
    private static func clock(_ word: [UInt8]) -> (Int, Int, Int)? {
        let parts = word.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { number(Array($0)) }
        guard parts.count == 2 || parts.count == 3, let hour = parts[0], let minute = parts[1],
              hour < 24, minute < 60 else { return nil }
        let second = parts.count == 3 ? parts[2] : 0
        guard let second, second <= 60 else { return nil }
        return (hour, minute, second)
    }

    /// Seconds east of UTC. Unknown zone names count as UTC (RFC 5322 §4.3: "-0000").
    private static func zoneOffset(_ word: [UInt8]) -> Int {
        if let sign = word.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
           word.count == 5, let hhmm = number(Array(word.dropFirst())), hhmm % 100 < 60 {
            let seconds = (hhmm / 100) * 3600 + (hhmm % 100) * 60
            return sign == UInt8(ascii: "-") ? -seconds : seconds
        }
        switch String(decoding: word, as: UTF8.self).uppercased() {
        case "EDT": return -4 * 3600
        case "EST", "CDT": return -5 * 3600
        case "CST", "MDT": return -6 * 3600
        case "MST", "PDT": return -7 * 3600
        case "PST": return -8 * 3600
        default: return 0
        }
    }
}
