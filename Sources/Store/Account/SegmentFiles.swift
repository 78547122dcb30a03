import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The append-only segment files of one account (`blobs/<n>.seg`). Message bytes are
/// written here before the index row that points at them is committed; a segment is
/// never rewritten in place, only replaced whole by compaction.
///
/// Small reads (a header, a small message) come from a memory map of the segment: a header
/// sync of 100,000 messages spent a quarter of its time in the `pread` calls. A map
/// reserves `mapReserve` bytes of address space, or the file's size when larger, and is
/// read only below the file's size as last seen (`Mapping.valid`), which truncation
/// lowers: a page past the end of the file would stop the process (SIGBUS). A read it
/// cannot serve (past the reserve, a map that failed) is a `pread`, as larger reads are.
final class SegmentFiles {
    let directory: String
    private var readers: [Int64: Int32] = [:]
    private var mappings: [Int64: Mapping] = [:]
    /// Segments whose map failed (address space or map count exhausted): read with `pread`.
    private var unmapped: Set<Int64> = []
    private var mappedReadCount = 0
    private let lock = NSLock()
    static let chunkSize = 64 * 1024
    /// Reads up to this size use the map.
    static let mappedReadLimit = 64 * 1024
    static let mapReserve = 256 << 20

    private final class Mapping {
        let base: UnsafeRawPointer
        let length: Int
        /// Bytes from the start known to be in the file.
        var valid: Int
        /// Reads under way; a map removed meanwhile is unmapped by the last of them.
        var users = 0
        var retired = false

        init(base: UnsafeRawPointer, length: Int, valid: Int) {
            self.base = base
            self.length = length
            self.valid = valid
        }

        func unmap() { munmap(UnsafeMutableRawPointer(mutating: base), length) }
    }

    init(directory: String) throws {
        self.directory = directory
        try FileSystem.makeDirectory(directory)
    }

    deinit {
        for fd in readers.values { close(fd) }
        for m in mappings.values { m.unmap() }
    }

    func path(_ segment: Int64) -> String { "\(directory)/\(segment).seg" }

    /// Segment numbers of the files present on disk.
    func existing() throws -> [Int64] {
        try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name in
            guard name.hasSuffix(".seg") else { return nil }
            return Int64(name.dropLast(4))
        }
    }

    /// Writes `pieces` one after another from `offset` of `segment`, first cutting away
    /// anything beyond `offset` (the torn tail of a writer that died before its commit),
    /// and returns once the bytes are on disk.
    func write(segment: Int64, at offset: Int64, pieces: [UnsafeRawBufferPointer]) throws {
        try write(segment: segment, at: offset, pieces: pieces, sync: true)
    }

    /// Like `write`, without waiting for the disk; `sync(segment:)` does that later.
    func append(segment: Int64, at offset: Int64, _ bytes: UnsafeRawBufferPointer) throws {
        try write(segment: segment, at: offset, pieces: [bytes], sync: false)
    }

    func sync(segment: Int64) throws {
        let fd = open(path(segment), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("cannot open \(path(segment))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fileError("cannot sync \(path(segment))") }
        try FileSystem.syncDirectory(directory)
    }

    private func write(segment: Int64, at offset: Int64, pieces: [UnsafeRawBufferPointer], sync: Bool) throws {
        let path = self.path(segment)
        let created = access(path, F_OK) != 0
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fileError("cannot open \(path)") }
        defer { close(fd) }
        shortenMap(segment, to: offset)
        guard ftruncate(fd, off_t(offset)) == 0 else { throw fileError("cannot truncate \(path)") }
        var position = off_t(offset)
        for piece in pieces where piece.count > 0 {
            var done = 0
            while done < piece.count {
                let n = pwrite(fd, piece.baseAddress! + done, piece.count - done, position)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fileError("cannot write \(path)")
                }
                done += n
                position += off_t(n)
            }
        }
        guard sync else { return }
        guard fdatasync(fd) == 0 else { throw fileError("cannot sync \(path)") }
        if created { try FileSystem.syncDirectory(directory) }
    }

    /// Cuts a segment back to its committed length (recovery of a torn tail).
    func truncate(segment: Int64, to length: Int64) throws {
        let path = self.path(segment)
        shortenMap(segment, to: length)
        guard Glibc.truncate(path, off_t(length)) == 0 || errno == ENOENT else {
            throw fileError("cannot truncate \(path)")
        }
    }

    func size(of segment: Int64) -> Int64? {
        var st = stat()
        guard stat(path(segment), &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    func remove(segment: Int64) throws {
        forget(segment)
        if unlink(path(segment)) != 0 && errno != ENOENT {
            throw fileError("cannot remove \(path(segment))")
        }
    }

    private func forget(_ segment: Int64) {
        lock.lock()
        if let fd = readers.removeValue(forKey: segment) { close(fd) }
        if let m = mappings.removeValue(forKey: segment) {
            m.retired = true
            if m.users == 0 { m.unmap() }
        }
        unmapped.remove(segment)
        lock.unlock()
    }

    /// Keeps reads of the map below `length`, where the file is about to end.
    private func shortenMap(_ segment: Int64, to length: Int64) {
        lock.lock()
        if let m = mappings[segment] { m.valid = min(m.valid, Int(length)) }
        lock.unlock()
    }

    private func reader(_ segment: Int64) throws -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        return try readerLocked(segment)
    }

    private func readerLocked(_ segment: Int64) throws -> Int32 {
        if let fd = readers[segment] { return fd }
        let fd = open(path(segment), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw SegmentMissing() }
            throw fileError("cannot open \(path(segment))")
        }
        readers[segment] = fd
        return fd
    }

    struct SegmentMissing: Error {}

    /// Streams `length` bytes from `offset` in chunks of at most `chunkSize`.
    func read(segment: Int64, offset: Int64, length: Int, chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = try reader(segment)
        let size = min(length, SegmentFiles.chunkSize)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < length {
            let want = min(size, length - done)
            let n = pread(fd, buffer.baseAddress!, want, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fileError("cannot read \(path(segment))")
            }
            if n == 0 { throw StoreError.corrupted("segment \(segment) ends before offset \(offset + Int64(done)) (message bytes missing)") }
            try chunk(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += n
        }
    }

    /// The map of `segment` for a read of the bytes below `end`, counted as in use; nil
    /// when the read is to go through `pread`.
    private func acquireMap(_ segment: Int64, end: Int64) throws -> Mapping? {
        lock.lock()
        defer { lock.unlock() }
        guard !unmapped.contains(segment) else { return nil }
        let fd = try readerLocked(segment)
        var m = mappings[segment]
        if m == nil {
            var st = stat()
            guard fstat(fd, &st) == 0 else { return nil }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let length = (max(Int(st.st_size), SegmentFiles.mapReserve) + page - 1) / page * page
            guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
                unmapped.insert(segment)
                return nil
            }
            let made = Mapping(base: UnsafeRawPointer(base), length: length, valid: Int(st.st_size))
            mappings[segment] = made
            m = made
        }
        guard let m else { return nil }
        if end > Int64(m.valid) {
            // Appended to since: how far the file goes now.
            var st = stat()
            guard fstat(fd, &st) == 0 else { return nil }
            m.valid = min(Int(st.st_size), m.length)
            guard end <= Int64(m.valid) else { return nil }
        }
        m.users += 1
        mappedReadCount &+= 1
        return m
    }

    /// Reads served from the maps so far.
    var mappedReads: Int { lock.withLock { mappedReadCount } }

    /// Drops the maps' pages from this process (they stay in the kernel's cache); a read
    /// under way meanwhile maps its page again from the file.
    func releaseMappedPages() {
        lock.lock()
        for m in mappings.values { madvise(UnsafeMutableRawPointer(mutating: m.base), m.length, MADV_DONTNEED) }
        lock.unlock()
    }

    private func releaseMap(_ m: Mapping) {
        lock.lock()
        m.users -= 1
        if m.retired && m.users == 0 { m.unmap() }
        lock.unlock()
    }

    /// Runs `body` with the `count` bytes from `offset`: in the map when the read is small
    /// and the map has them, else read into a buffer of their own.
    func withBytes<T>(segment: Int64, offset: Int64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if offset >= 0, count <= SegmentFiles.mappedReadLimit, let m = try acquireMap(segment, end: offset + Int64(count)) {
            defer { releaseMap(m) }
            return try body(UnsafeRawBufferPointer(start: m.base + Int(offset), count: count))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        defer { buffer.deallocate() }
        let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
        try readWithoutMap(segment: segment, offset: offset, into: bytes)
        return try body(UnsafeRawBufferPointer(bytes))
    }

    /// Fills `destination` with the bytes from `offset`.
    func read(segment: Int64, offset: Int64, into destination: UnsafeMutableRawBufferPointer) throws {
        if offset >= 0, destination.count <= SegmentFiles.mappedReadLimit, destination.count > 0,
           let m = try acquireMap(segment, end: offset + Int64(destination.count)) {
            defer { releaseMap(m) }
            destination.copyMemory(from: UnsafeRawBufferPointer(start: m.base + Int(offset), count: destination.count))
            return
        }
        try readWithoutMap(segment: segment, offset: offset, into: destination)
    }

    private func readWithoutMap(segment: Int64, offset: Int64, into destination: UnsafeMutableRawBufferPointer) throws {
        let fd = try reader(segment)
        var done = 0
        while done < destination.count {
            let n = pread(fd, destination.baseAddress! + done, destination.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.io("cannot read \(path(segment)): \(errnoText())")
            }
            if n == 0 { throw StoreError.corrupted("segment \(segment) ends before offset \(offset + Int64(done)) (message bytes missing)") }
            done += n
        }
    }
}

enum FileSystem {
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.io("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    /// Makes a directory entry (a new or removed file) durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("cannot open directory \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fileError("cannot sync directory \(path)") }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// The error of a system call on a store file that just failed: `.noSpace` when the file
/// system is full, so that deliveries answer "insufficient storage" and not a vague
/// temporary failure; `.io` otherwise. Reads `errno`, so call it straight after the call.
func fileError(_ what: String) -> StoreError {
    let code = errno
    let text = "\(what): \(String(cString: strerror(code)))"
    return code == ENOSPC || code == EDQUOT ? .noSpace(text) : .io(text)
}
