/// The "base subject" of RFC 5256 §2.1: the subject with reply and forward markers,
/// list tags and whitespace artifacts removed, which SORT (SUBJECT) and THREAD compare.
public struct BaseSubject: Sendable, Equatable {
    /// The base subject text.
    public var text: String
    /// Whether extraction removed a subj-refwd, a "(fwd)" trailer or a "[fwd: ...]"
    /// wrapper: the message is a reply or forward (RFC 5256 §3, REFERENCES).
    public var isReplyOrForward: Bool

    /// Extracts the base subject of a raw Subject: header value (encoded words still encoded).
    public init(subject: String?) {
        // Step 1: decode encoded words; tabs and line breaks become spaces, runs of spaces one.
        var s: [UInt8] = []
        let decoded = subject.map(EncodedWords.decodeIfEncoded) ?? ""
        s.reserveCapacity(decoded.utf8.count)
        for var b in decoded.utf8 {
            if b == .tab || b == .cr || b == .lf { b = .space }
            if b == .space, s.last == .space { continue }
            s.append(b)
        }
        var marked = false
        var start = 0, end = s.count
        while true {
            // Step 2: trailing "(fwd)" and whitespace.
            while end > start {
                if s[end - 1] == .space {
                    end -= 1
                } else if BaseSubject.matches(s, end - 5, "(fwd)"), end - 5 >= start {
                    end -= 5
                    marked = true
                } else {
                    break
                }
            }
            // Steps 3 to 5: leaders, and leading blobs that leave something behind. When blobs
            // lead to no subj-refwd, none of them starts a leader: step 4 takes them one by one.
            var noLeaderBefore = start
            while start < end {
                if start >= noLeaderBefore, let after = BaseSubject.leader(s, start, end, blobsEnd: &noLeaderBefore) {
                    if s[start] != .space { marked = true }
                    start = after
                } else if let after = BaseSubject.blob(s, start, end), after < end {
                    start = after
                } else {
                    break
                }
            }
            // Step 6: a "[fwd: ...]" wrapper, then again from step 2.
            if end - start >= 6, BaseSubject.matches(s, start, "[fwd:"), s[end - 1] == .closeBracket {
                start += 5
                end -= 1
                marked = true
                continue
            }
            break
        }
        text = String(decoding: s[start..<end], as: UTF8.self)
        isReplyOrForward = marked
    }

    /// `subj-leader = (*subj-blob subj-refwd) / WSP`: where the leader at `i` ends, if one is
    /// there; if not, `blobsEnd` is set past the blobs it began with.
    static func leader(_ s: [UInt8], _ i: Int, _ end: Int, blobsEnd: inout Int) -> Int? {
        if s[i] == .space { return i + 1 }
        var j = i
        while j < end, s[j] == .openBracket, let after = blob(s, j, end) { j = after }
        guard let after = refwd(s, j, end) else {
            blobsEnd = max(j, i + 1)
            return nil
        }
        return after
    }

    /// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`
    static func refwd(_ s: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var j: Int
        if matches(s, i, "re") {
            j = i + 2
        } else if matches(s, i, "fwd") {
            j = i + 3
        } else if matches(s, i, "fw") {
            j = i + 2
        } else {
            return nil
        }
        while j < end, s[j] == .space { j += 1 }
        if j < end, s[j] == .openBracket, let after = blob(s, j, end) { j = after }
        guard j < end, s[j] == UInt8(ascii: ":") else { return nil }
        return j + 1
    }

    /// `subj-blob = "[" *BLOBCHAR "]" *WSP`
    static func blob(_ s: [UInt8], _ i: Int, _ end: Int) -> Int? {
        guard i < end, s[i] == .openBracket else { return nil }
        var j = i + 1
        while j < end, s[j] != .openBracket, s[j] != .closeBracket { j += 1 }
        guard j < end, s[j] == .closeBracket else { return nil }
        j += 1
        while j < end, s[j] == .space { j += 1 }
        return j
    }

    /// Whether `lowercase` (ASCII) is at `i`, in any case; ABNF strings are case-insensitive.
    static func matches(_ s: [UInt8], _ i: Int, _ lowercase: StaticString) -> Bool {
        guard i >= 0, i + lowercase.utf8CodeUnitCount <= s.count else { return false }
        var k = i
        for c in UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount) {
            guard s[k].asciiLowercased == c else { return false }
            k += 1
        }
        return true
    }
}

private extension UInt8 {
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
}
