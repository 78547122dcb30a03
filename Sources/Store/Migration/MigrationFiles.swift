import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The plain file operations imports and exports need, with errors that name the file.
enum MigrationFiles {
    struct Status {
        var isDirectory: Bool
        var isRegular: Bool
        var size: Int64
        var modified: Int64
    }

    static func status(_ path: String) -> Status? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let kind = st.st_mode & S_IFMT
        return Status(isDirectory: kind == S_IFDIR, isRegular: kind == S_IFREG, size: Int64(st.st_size), modified: Int64(st.st_mtim.tv_sec))
    }

    static func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory == true }

    /// Names in a directory, sorted, without "." and "..".
    static func list(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw MigrationError.unreadable("cannot read directory \(path): \(error.localizedDescription)")
        }
    }

    /// A whole file; the error text says why it cannot be read.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MigrationError.unreadable(errnoText()) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw MigrationError.unreadable(errnoText())
            }
            if n == 0 { return out }
            out += chunk[..<n]
        }
    }

    static func text(_ path: String) -> String? {
        (try? read(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A file being written by an export: created new (never overwriting), written in pieces,
/// given a modification time, and synced before it is closed.
final class ExportFile {
    let path: String
    private let fd: Int32

    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw MigrationError.targetExists("\(path) exists already") }
            throw MigrationError.io("cannot create \(path): \(errnoText())")
        }
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw MigrationError.io("cannot write \(path): \(errnoText())")
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func sync() throws {
        guard fsync(fd) == 0 else { throw MigrationError.io("cannot sync \(path): \(errnoText())") }
    }

    /// Sets the modification (and access) time, as Maildir readers take it for the internal date.
    func setModified(_ seconds: Int64) throws {
        var times = [timespec(tv_sec: time_t(seconds), tv_nsec: 0), timespec(tv_sec: time_t(seconds), tv_nsec: 0)]
        guard futimens(fd, &times) == 0 else { throw MigrationError.io("cannot set the time of \(path): \(errnoText())") }
    }
}
