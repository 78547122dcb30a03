import FuzzSupport
import IMAPD
import NIOCore

/// The commands that carry a search program (RFC 9051 §6.4.4, RFC 5256, RFC 4731 RETURN).
let prefixes = [
    "A SEARCH ", "A UID SEARCH ", "A SEARCH CHARSET UTF-8 ", "A SEARCH RETURN (MIN MAX COUNT ALL) ",
    "A UID SORT (REVERSE ARRIVAL) UTF-8 ", "A THREAD REFERENCES UTF-8 ", "A UID SEARCH RETURN (PARTIAL 1:10) ",
]

/// A search program after each command that takes one: it must be read or refused with
/// a BAD that is one clean line, and reading it again must give the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let program = UnsafeBufferPointer(start: data, count: size)
    for prefix in prefixes {
        var buffer = ByteBuffer(string: prefix)
        buffer.writeBytes(program)
        let result = CommandParser.parse(buffer)
        precondition(CommandParser.parse(buffer) == result, "parsing is not repeatable")
        guard case .failure(let error) = result else { continue }
        precondition(error.tag == "A", "the tag was lost: \(error)")
        var encoder = ResponseEncoder(utf8: true)
        encoder.write(.tagged("A", .bad(error.message)))
        ReplyLines.require(encoder.buffer.readableBytesView, limit: 1200, "IMAP")
    }
    return 0
}
