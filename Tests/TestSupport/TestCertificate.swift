import Foundation

/// A self-signed certificate for localhost, made at test time with openssl (no private key
/// is ever committed).
public struct TestCertificate: Sendable {
    public let certificate: String
    public let key: String

    public init(in directory: String) throws {
        certificate = directory + "/cert.pem"
        key = directory + "/key.pem"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", key, "-out", certificate, "-subj", "/CN=localhost", "-days", "2"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ServerError(description: "openssl could not make a test certificate") }
    }
}

/// Runs a command with `input` on stdin and returns what it printed (stdout and stderr).
public func runProgram(_ path: String, _ arguments: [String], input: String = "", timeout: TimeInterval = 30) throws -> (code: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let inputFile = NSTemporaryDirectory() + "roost-in-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: inputFile, contents: Data(input.utf8))
    defer { try? FileManager.default.removeItem(atPath: inputFile) }
    p.standardInput = FileHandle(forReadingAtPath: inputFile)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    var collected = Data()
    let reader = out.fileHandleForReading
    while true {
        let chunk = reader.availableData
        if chunk.isEmpty { break }
        collected.append(chunk)
        if Date() > deadline { p.terminate(); break }
    }
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: collected, as: UTF8.self))
}
