import Foundation

/// Strict base64 for SASL exchanges (RFC 4648 §4): padding required, no whitespace.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        if text.isEmpty { return [] }
        return Data(base64Encoded: text).map { [UInt8]($0) }
    }
}
