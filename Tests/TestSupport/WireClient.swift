import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP client for wire tests: send bytes, read lines, with a timeout so
/// a silent server fails a test instead of hanging it.
public final class WireClient: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    public var timeout: TimeInterval = 10

    /// A TCP connection to `host:port`.
    public convenience init(port: Int, host: String = "127.0.0.1") throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        try self.init(descriptor: WireClient.connected(AF_INET, to: address, describedAs: "\(host):\(port)"))
    }

    /// A connection to the Unix socket at `path` (an LMTP listener's `unix:/path`).
    public convenience init(unixSocket path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ServerError(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        try self.init(descriptor: WireClient.connected(AF_UNIX, to: address, describedAs: "unix:\(path)"))
    }

    // The socket is stored only once connected: a class whose stored properties are all
    // set runs its deinit when its init throws, and a second close there would close
    // whatever descriptor another test thread opened in between.
    private init(descriptor: Int32) { fd = descriptor }

    /// A stream socket of `family` connected to `address`.
    private static func connected<Address>(_ family: Int32, to address: Address, describedAs name: String) throws -> Int32 {
        let socketFD = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw ServerError(description: "socket: \(errno)") }
        var address = address
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard rc == 0 else {
            let error = errno
            close(socketFD)
            throw ServerError(description: "connect to \(name) failed: \(error)")
        }
        return socketFD
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ServerError(description: "send failed: \(errno)") }
            done += n
        }
    }

    /// One line without its CRLF.
    public func readLine() throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let lf = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<lf])
                buffer.removeSubrange(...lf)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            try fill(until: deadline)
        }
    }

    /// Exactly `count` bytes (a literal's contents).
    public func readBytes(_ count: Int) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.count < count { try fill(until: deadline) }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// True when the server has closed the connection (after reading what is left).
    public func isClosed() throws -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK)) == 0
    }

    private func fill(until deadline: Date) throws {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw ServerError(description: "timed out waiting for the server; have: \(String(decoding: buffer, as: UTF8.self))") }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(remaining * 1000))
        guard ready > 0 else { throw ServerError(description: "timed out waiting for the server; have: \(String(decoding: buffer, as: UTF8.self))") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw ServerError(description: "connection closed; have: \(String(decoding: buffer, as: UTF8.self))") }
        buffer.append(contentsOf: chunk[..<n])
    }
}
