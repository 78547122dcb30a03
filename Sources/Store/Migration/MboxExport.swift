import Foundation

/// `roost export mbox`: one mailbox as an mboxrd file. Each message gets a From line (the
/// Return-Path address, else MAILER-DAEMON, and the internal date in UTC) and its flags in
/// Status, X-Status and X-Keywords fields at the top of its header, which `roost import
/// mbox` reads and removes again: the round trip gives back the stored bytes.
public struct MboxExport {
    public let account: Account
    public let mailbox: String
    public let file: String

    public init(account: Account, mailbox: String, to file: String) {
        self.account = account
        self.mailbox = mailbox
        self.file = file
    }

    /// Writes `file`, which must not exist; returns once it is on disk.
    public func run(progress: MigrationProgress = { _, _ in }) throws -> ExportReport {
        let box = try account.mailbox(named: mailbox)
        let output = try ExportFile(creating: file)
        let writer = MboxWriter(file: output)
        var report = ExportReport()
        report.mailboxes = 1
        progress(0, Int64(box.messages))
        try account.forEachMessage(in: box.id) { record, read in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(record.size)
            do {
                try read { bytes += $0 }
            } catch StoreError.nonexistent {
                return  // expunged while the export ran
            }
            let lineEnd: [UInt8] = MessageCheck.hasCRLF(bytes) ? [13, 10] : [10]
            let envelope = MboxFromLine(sender: Self.sender(of: bytes), date: record.internalDate)
            try writer.write(MboxFlagHeaders.fields(for: record.flags, lineEnd: lineEnd) + bytes, envelope: envelope)
            report.messages += 1
            report.bytes += Int64(record.size)
            progress(Int64(report.messages), Int64(box.messages))
        }
        try output.sync()
        try FileSystem.syncDirectory(directoryOf(file))
        return report
    }

    /// The address of a leading Return-Path field, as MTAs put it in the From line.
    static func sender(of message: [UInt8]) -> String {
        let prefix = Array("return-path:".utf8)
        guard message.count > prefix.count, Array(message.prefix(prefix.count)).asciiLowercased == prefix,
              let end = message.firstIndex(of: 10) else { return "MAILER-DAEMON" }
        let value = String(decoding: message[prefix.count..<end], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        return value.isEmpty || value.contains(" ") ? "MAILER-DAEMON" : value
    }

    private func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
