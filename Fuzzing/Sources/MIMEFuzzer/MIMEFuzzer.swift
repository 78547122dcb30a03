import ParserChecks
import Store

/// Any bytes as a stored message: parsing must not trap, and what it makes must keep
/// every property the store relies on (see `MessageChecks`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = MessageChecks.violation(in: message) {
        fatalError("parsed message breaks an invariant: \(violation)")
    }
    return 0
}
