import NIOCore
import NIOPosix

/// Threads for store work that blocks (SQLite, fsync), so event loops never wait on a
/// disk. Many threads on purpose: appends that wait together share one commit.
public final class BlockingPool: Sendable {
    let pool: NIOThreadPool

    public init(threads: Int = 16) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `body` on a pool thread; the future completes on `eventLoop`.
    public func run<T: Sendable>(on eventLoop: EventLoop, _ body: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        pool.runIfActive(eventLoop: eventLoop, body)
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
