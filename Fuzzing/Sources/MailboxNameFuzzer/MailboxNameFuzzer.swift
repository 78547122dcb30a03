import FuzzSupport
import Store

/// Mailbox names both ways: text to modified UTF-7 and back (RFC 3501 §5.1.3), wire
/// spellings to text, the validation every name goes through, and the Maildir++ folder
/// names import and export use. The seed byte picks nothing here; all checks run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    let encoded = ModifiedUTF7.encode(text)
    precondition(encoded.utf8.allSatisfy { (0x20...0x7E).contains($0) }, "encoding is not printable ASCII: \(Array(encoded.utf8))")
    precondition(ModifiedUTF7.decode(encoded) == text, "\(Array(text.unicodeScalars)) does not survive modified UTF-7")

    // A spelling a client sent: only the canonical one may be accepted, or two names
    // the server keeps apart would be the same mailbox.
    if let decoded = ModifiedUTF7.decode(String(decoding: bytes, as: UTF8.self)) {
        precondition(ModifiedUTF7.encode(decoded) == text, "\(text) is not the canonical spelling of \(Array(decoded.unicodeScalars))")
    }

    guard let name = try? MailboxPath.canonical(text) else { return 0 }
    precondition((try? MailboxPath.canonical(name)) == name, "canonical form of \(name) is not stable")
    let levels = name.unicodeScalars.split(separator: "/", omittingEmptySubsequences: false)
    precondition(levels.count == name.split(separator: MailboxPath.separator, omittingEmptySubsequences: false).count,
                 "\(Array(name.unicodeScalars)): a '/' is part of another character")
    precondition(MailboxPath.ancestors(of: name).count == levels.count - 1, "ancestors of \(Array(name.unicodeScalars))")

    let folder = MaildirLayout.folder(for: name)
    if name != MailboxPath.inbox {
        precondition(folder.utf8.filter { $0 == UInt8(ascii: ".") }.count == levels.count, "folder \(folder) has other levels than \(name)")
        precondition((try? MaildirLayout.mailbox(forFolder: folder)) == name, "folder \(folder) does not read back as \(name)")
    }
    return 0
}
