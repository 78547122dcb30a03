import Foundation

/// A real `roost serve` on free loopback ports, for tests that talk to it on the wire.
/// It is stopped (SIGTERM, then SIGKILL) when the value goes away.
public final class ServerProcess: @unchecked Sendable {
    public let data: String
    public let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var printed = ""
    /// The pipe reached its end: the server and everything it started are gone.
    private var ended = false
    static let listenerFlags: Set<String> = ["--imap", "--imaps", "--pop3", "--pop3s", "--lmtp"]
    /// Listener kind ("lmtp", "imap" ...) to its bound port.
    public private(set) var ports: [String: Int] = [:]

    /// Starts the server with `arguments` (listener flags with port 0) on data directory `data`.
    public init(data: String, arguments: [String]) throws {
        self.data = data
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve", "--data", data] + arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self else { return }
            self.lock.withLock {
                if chunk.isEmpty { self.ended = true } else { self.printed += String(decoding: chunk, as: UTF8.self) }
            }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = lock.withLock { printed }
            if let range = text.range(of: "roost serving data directory") {
                // Listener lines follow the banner; wait for the line after the last of them.
                let tail = text[range.upperBound...]
                var found: [String: Int] = [:]
                var listeners = 0
                for line in tail.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard words.count == 4, words[1] == "listening" else { continue }
                    // A Unix socket listener has no port; it still counts as started.
                    // The first listener of a kind gives its port; any number may be started.
                    let port = words[3].hasPrefix("unix:") ? 0 : words[3].split(separator: ":").last.flatMap { Int($0) }
                    if found[String(words[0])] == nil { found[String(words[0])] = port }
                    listeners += 1
                }
                let expected = arguments.filter { ServerProcess.listenerFlags.contains($0) }.count
                if listeners >= expected {
                    ports = found
                    return
                }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        let text = lock.withLock { printed }
        stop()
        throw ServerError(description: "roost serve did not start: \(text)")
    }

    /// What the server printed. Once it has exited, all of it: the last lines may still be
    /// on their way through the pipe when the exit is seen.
    public var log: String {
        let deadline = Date().addingTimeInterval(5)
        while !process.isRunning && !lock.withLock({ ended }) && Date() < deadline { usleep(5_000) }
        return lock.withLock { printed }
    }

    /// Graceful stop (SIGTERM), waiting for the exit; SIGKILL if that takes over 10 s.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sudden death, as in a power cut: nothing gets to run.
    public func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        stop()
        output.fileHandleForReading.readabilityHandler = nil
    }

    public func port(_ kind: String) -> Int { ports[kind] ?? 0 }

    /// The port of the `kind` listener on `host`, when several of a kind listen (one on
    /// 127.0.0.2 for a domain bound to that address).
    public func port(_ kind: String, on host: String) throws -> Int {
        for line in log.split(separator: "\n") where line.hasPrefix("\(kind) listening on \(host):") {
            if let port = line.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw ServerError(description: "no \(kind) listener on \(host): \(log)")
    }

    /// The server's resident memory in bytes (VmRSS), nil once it has exited.
    public func residentBytes() -> Int? {
        guard process.isRunning, let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
