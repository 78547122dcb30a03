import Foundation
import Store

/// How other roost processes (`roost deliver`, imports) tell a running server at once that
/// an account changed, so IDLE clients hear of it without waiting for the next poll: a
/// datagram naming the account id on a Unix socket in the data directory.
public enum ChangeSignal {
    /// sockaddr_un holds at most 107 bytes of path; a longer data directory falls back to polling.
    static let maxPath = 107

    public static func socketPath(data: String) -> String { data + "/changes.sock" }

    /// Tells a server on `data` that `accountID` changed. Nothing happens when no server listens.
    public static func send(accountID: String, data: String) {
        let path = socketPath(data: data)
        guard path.utf8.count <= maxPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let payload = Array(accountID.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
    }

    /// Listens on `data`'s socket and calls `changed` with each account id heard, on a
    /// thread of its own, until the listener is stopped. Nil when the path is too long for a
    /// Unix socket or the socket cannot be made.
    ///
    /// Not a NIO datagram channel: a sender's socket is unnamed, and NIO cannot make a
    /// source address of an empty one, so such a channel drops every datagram as an error.
    public static func listen(data: String, changed: @escaping @Sendable (String) -> Void) -> Listener? {
        let path = socketPath(data: data)
        guard path.utf8.count <= maxPath else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        unlink(path)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            return nil
        }
        // Deliveries may run as another user than the server.
        chmod(path, 0o666)
        return Listener(fd: fd, path: path, changed: changed)
    }

    /// The receiving end: a thread waiting for datagrams, looking up every quarter second
    /// whether it is to stop.
    public final class Listener: @unchecked Sendable {
        private let fd: Int32
        private let path: String
        private let lock = NSLock()
        private var stopped = false
        private let done = DispatchSemaphore(value: 0)

        init(fd: Int32, path: String, changed: @escaping @Sendable (String) -> Void) {
            self.fd = fd
            self.path = path
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 128)
                var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                while !lock.withLock({ stopped }) {
                    guard poll(&waiting, 1, 250) > 0 else { continue }
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    // Account ids are short random tokens; anything else is noise.
                    guard n > 0, n <= 64 else { continue }
                    changed(String(decoding: buffer[..<n], as: UTF8.self))
                }
                done.signal()
            }
            thread.name = "roost-signals"
            thread.start()
        }

        /// Stops the thread and removes the socket.
        public func stop() {
            let already = lock.withLock { () -> Bool in
                defer { stopped = true }
                return stopped
            }
            guard !already else { return }
            done.wait()
            close(fd)
            unlink(path)
        }
    }
}
