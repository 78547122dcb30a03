#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Byte-level helpers the MIME parser scans with. Every index is an offset into the
// whole message buffer; every range passed in must lie inside it.

extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    var isWhitespace: Bool { self == .space || self == .tab }

    var asciiLowercased: UInt8 { self &- 65 < 26 ? self | 0x20 : self }
    var asciiUppercased: UInt8 { self &- 97 < 26 ? self & 0xDF : self }
}

extension UnsafeRawBufferPointer {
    /// Offset of the first `byte` in `range`, found with memchr.
    func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = baseAddress,
              let hit = memchr(base + range.lowerBound, Int32(byte), range.count)
        else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// Offset just past the LF that ends the line starting at `start`, or `limit`.
    func lineEnd(from start: Int, limit: Int) -> Int {
        firstIndex(of: .lf, in: start..<limit).map { $0 + 1 } ?? limit
    }

    /// How many bytes of line end (CRLF, LF or none) come right before `index`.
    func lineBreakLength(before index: Int, floor: Int) -> Int {
        guard index > floor, self[index - 1] == .lf else { return 0 }
        return index - 1 > floor && self[index - 2] == .cr ? 2 : 1
    }

    /// Lines in `range` as IMAP counts them: each LF ends one, and a last line without
    /// one still counts.
    func lineCount(in range: Range<Int>) -> Int {
        var count = 0
        var i = range.lowerBound
        while let lf = firstIndex(of: .lf, in: i..<range.upperBound) {
            count += 1
            i = lf + 1
        }
        return i < range.upperBound ? count + 1 : count
    }

    /// `range` without the whitespace (SP, TAB, CR, LF) at either end.
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, self[lower].isWhitespace || self[lower] == .cr || self[lower] == .lf { lower += 1 }
        while upper > lower, self[upper - 1].isWhitespace || self[upper - 1] == .cr || self[upper - 1] == .lf { upper -= 1 }
        return lower..<upper
    }

    /// A header value with its folding removed (RFC 5322 §2.2.3) and surrounding
    /// whitespace trimmed. A CR that is not part of a line break stays.
    func unfolded(_ range: Range<Int>) -> [UInt8] {
        let value = trimmed(range)
        guard firstIndex(of: .lf, in: value) != nil else { return Array(self[value]) }
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var i = value.lowerBound
        while i < value.upperBound {
            let byte = self[i]
            if byte == .cr, i + 1 < value.upperBound, self[i + 1] == .lf {
                i += 2
                continue
            }
            if byte != .lf { out.append(byte) }
            i += 1
        }
        return out
    }

    /// Whether the bytes at `range` equal `lowercaseASCII` ignoring ASCII case.
    func equalsIgnoringCase(_ range: Range<Int>, _ lowercaseASCII: [UInt8]) -> Bool {
        guard range.count == lowercaseASCII.count else { return false }
        var j = 0
        for i in range {
            if self[i].asciiLowercased != lowercaseASCII[j] { return false }
            j += 1
        }
        return true
    }
}

extension Array where Element == UInt8 {
    var asciiLowercased: [UInt8] { map(\.asciiLowercased) }
    var asciiUppercased: [UInt8] { map(\.asciiUppercased) }

    func equalsIgnoringCase(_ lowercaseASCII: [UInt8]) -> Bool {
        count == lowercaseASCII.count && zip(self, lowercaseASCII).allSatisfy { $0.asciiLowercased == $1 }
    }
}
