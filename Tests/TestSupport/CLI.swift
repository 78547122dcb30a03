import Foundation

/// Runs the built `roost` binary, as an operator's script would.
public struct CLI {
    public struct Result: Sendable {
        public var code: Int32
        public var out: String
        public var err: String
    }

    /// The `roost` executable built beside this test bundle.
    public static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("roost").path
    }()

    public let data: String

    public init(data: String) { self.data = data }

    /// `ROOST_DATA=data roost args...` with `input` on standard input.
    @discardableResult
    public func run(_ args: [String], input: [UInt8] = [], useFlag: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = useFlag ? args + ["--data", data] : args
        var env = ProcessInfo.processInfo.environment
        if useFlag { env["ROOST_DATA"] = nil } else { env["ROOST_DATA"] = data }
        process.environment = env
        let inputFile = NSTemporaryDirectory() + "roost-stdin-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: inputFile, contents: Data(input))
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        process.standardInput = FileHandle(forReadingAtPath: inputFile)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(code: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    @discardableResult
    public func run(_ command: String, input: String = "") throws -> Result {
        try run(command.split(separator: " ").map(String.init), input: Array(input.utf8))
    }
}

/// A fresh data directory under /tmp, removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "roost-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension CLI {
    /// Imports `count` small messages into `mailbox` of `account` in one `roost import mbox`
    /// (the fastest way to a large mailbox; subjects are "message 1", "message 2" ...).
    public func importMessages(_ count: Int, account: String = "alice@example.com", mailbox: String = "INBOX") throws {
        var mbox = ""
        for i in 1...count {
            mbox += "From sender@example.org Tue Dec  1 10:00:00 2026\nFrom: Sender <sender@example.org>\nTo: \(account)\n"
                + "Subject: message \(i)\nMessage-ID: <\(i)@import.example.org>\n\nBody \(i).\n\n"
        }
        let file = NSTemporaryDirectory() + "roost-import-\(UUID().uuidString).mbox"
        try mbox.write(toFile: file, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try run(["import", "mbox", file, "--account", account, "--mailbox", mailbox])
        guard r.code == 0 else { throw ServerError(description: "roost import mbox failed: \(r.out)\(r.err)") }
    }
}
