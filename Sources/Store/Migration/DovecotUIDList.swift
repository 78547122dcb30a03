import Foundation

/// A Maildir folder's `dovecot-uidlist`: the folder's UIDVALIDITY, its next UID, and the UID
/// of each message file, by the file name's unique part.
///
/// Version 3 (Dovecot 1.0 and later): a header `3 V<uidvalidity> N<nextuid> G<guid>`, then
/// `<uid> [<field> ...] :<file name>` lines. Version 1: `1 <uidvalidity> <nextuid>`, then
/// `<uid> <file name>` lines.
public struct DovecotUIDList: Sendable, Equatable {
    public static let fileName = "dovecot-uidlist"

    public var uidValidity: UInt32
    public var nextUID: UID
    /// UID of each file, keyed by the unique part of its name (without the info).
    public var uids: [String: UID]

    public init(uidValidity: UInt32, nextUID: UID, uids: [String: UID] = [:]) {
        self.uidValidity = uidValidity
        self.nextUID = nextUID
        self.uids = uids
    }

    /// Parses the file; nil when its header is not one of the two versions or has no
    /// UIDVALIDITY. Lines that do not parse are ignored (the message then gets a new UID).
    public init?(parsing text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst() else { return nil }
        let fields = header.split(separator: " ")
        var validity: UInt32?
        var next: UInt32 = 1
        let version = fields.first
        switch version {
        case "3":
            for field in fields.dropFirst() {
                let value = field.dropFirst()
                switch field.first {
                case "V": validity = UInt32(value)
                case "N": next = UInt32(value) ?? 1
                default: break
                }
            }
        case "1":
            guard fields.count >= 3 else { return nil }
            validity = UInt32(fields[1])
            next = UInt32(fields[2]) ?? 1
        default:
            return nil
        }
        guard let validity, validity != 0 else { return nil }
        var uids: [String: UID] = [:]
        for line in lines {
            let name: Substring
            let uidText: Substring
            if version == "3" {
                guard let colon = line.range(of: " :") else { continue }
                uidText = line[..<colon.lowerBound].prefix { $0 != " " }
                name = line[colon.upperBound...]
            } else {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { continue }
                (uidText, name) = (parts[0], parts[1])
            }
            guard let uid = UInt32(uidText), uid > 0, !name.isEmpty else { continue }
            uids[MaildirFlags.split(String(name)).base] = UID(uid)
        }
        let highest = uids.values.map(\.rawValue).max() ?? 0
        self.init(uidValidity: validity, nextUID: UID(max(next, highest &+ 1, 1)), uids: uids)
    }

    /// Version 3 text, files in UID order.
    public var text: String {
        var out = "3 V\(uidValidity) N\(nextUID)\n"
        for (name, uid) in uids.sorted(by: { $0.value < $1.value }) { out += "\(uid) :\(name)\n" }
        return out
    }
}
