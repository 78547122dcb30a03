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
