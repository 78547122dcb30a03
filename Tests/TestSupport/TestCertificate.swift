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

/// Runs a command with `input` on stdin and returns what it printed (stdout and stderr);
/// the code is the exit status, or 128 + the signal that ended it. A program still running
/// after `timeout` seconds is killed and the output says so. The output ends when the
/// program exits, even if a daemon it started keeps the pipe open.
///
/// The program starts with no signal blocked and every signal at its default action.
/// Foundation's `Process` passes on the spawning thread's signal mask, and test threads
/// (libdispatch workers) block almost every signal: a program that waits for SIGCHLD, such
/// as getmail waiting for its delivery child, then hangs for ever.
public func runProgram(_ path: String, _ arguments: [String], input: String = "", timeout: TimeInterval = 30) throws -> (code: Int32, output: String) {
    let inputFile = NSTemporaryDirectory() + "roost-in-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: inputFile, contents: Data(input.utf8))
    defer { try? FileManager.default.removeItem(atPath: inputFile) }
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { throw ServerError(description: "pipe: \(String(cString: strerror(errno)))") }
    let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
    // Neither end leaks into programs other threads start; the child gets the write end as 1 and 2.
    _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
    _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    defer { close(readEnd) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inputFile, O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    close(writeEnd)
    guard spawned == 0 else { throw ServerError(description: "cannot run \(path): \(String(cString: strerror(spawned)))") }

    let deadline = Date().addingTimeInterval(timeout)
    var collected: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var status: Int32 = 0
    var exited = false
    while true {
        var pfd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, 100) > 0 {
            let n = read(readEnd, &chunk, chunk.count)
            if n > 0 {
                collected += chunk[..<n]
                continue
            }
            if n == 0 { break }  // every writer has closed the pipe
        }
        if exited { break }  // the program is gone and nothing more came within 100 ms
        if waitpid(pid, &status, WNOHANG) == pid {
            exited = true
        } else if Date() > deadline {
            kill(pid, SIGTERM)
            usleep(500_000)
            kill(pid, SIGKILL)
            collected += Array("\n[\(path) killed after \(Int(timeout)) s]\n".utf8)
            break
        }
    }
    if !exited { _ = waitpid(pid, &status, 0) }
    let signal = status & 0x7F
    return (signal == 0 ? (status >> 8) & 0xFF : 128 + signal, String(decoding: collected, as: UTF8.self))
}
