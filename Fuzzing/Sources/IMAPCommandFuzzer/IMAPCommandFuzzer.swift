import FuzzSupport
import IMAPD
import NIOCore

/// Limits small enough that fuzzed input reaches them: overlong lines, literals over the
/// limit, commands over the limit.
let limits: CommandFramer.Limits = {
    var limits = CommandFramer.Limits()
    limits.maxLineLength = 200
    limits.maxLiteral = 300
    limits.maxCommand = 1000
    limits.maxAppendLiteral = 500
    limits.maxAppendCommand = 2000
    return limits
}()

/// Every event the framer makes of `reads`, fed one read at a time.
func frame(_ reads: [ArraySlice<UInt8>]) -> [CommandFramer.Event] {
    var framer = CommandFramer(limits: limits)
    var events: [CommandFramer.Event] = []
    for read in reads {
        var buffer = ByteBuffer(bytes: read)
        framer.append(&buffer)
        while let event = framer.next() { events.append(event) }
        precondition(framer.bufferedBytes <= limits.maxAppendCommand + limits.maxLineLength + 2 + read.count,
                     "framer holds \(framer.bufferedBytes) bytes")
    }
    return events
}

/// The client's bytes, whole and cut into reads: the framer must make the same commands
/// of both, the parser must read each one or refuse it with a BAD that is one clean line,
/// and what it reads must read the same again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let whole = frame([input.bytes[...]])
    let cut = frame(input.reads(maxRead: 64))
    precondition(whole == cut, "framing depends on how the input was cut: \(whole) vs \(cut)")
    for event in whole {
        let refusal: Response
        switch event {
        case .continuationNeeded:
            continue
        case .lineTooLong(let tag):
            refusal = tag.map { .tagged($0, .bad("Line too long", .tooBig)) } ?? .untagged(.bad("Line too long", .tooBig))
        case .literalTooLarge(let tag, _):
            refusal = tag.map { .tagged($0, .bad("Literal too large", .tooBig)) } ?? .untagged(.bad("Literal too large", .tooBig))
        case .command(let buffer):
            switch CommandParser.parse(buffer) {
            case .success(let tagged):
                precondition(!tagged.tag.isEmpty && tagged.tag.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "+") },
                             "accepted tag \(Array(tagged.tag.utf8))")
                precondition(CommandParser.parse(buffer) == .success(tagged), "parsing is not repeatable")
                continue
            case .failure(let error):
                refusal = error.tag.map { .tagged($0, .bad(error.message)) } ?? .untagged(.bad(error.message))
            }
        }
        for utf8 in [false, true] {
            var encoder = ResponseEncoder(utf8: utf8)
            encoder.write(refusal)
            let bytes = Array(encoder.buffer.readableBytesView)
            ReplyLines.require(bytes, limit: 1200, "IMAP")
        }
    }
    return 0
}
