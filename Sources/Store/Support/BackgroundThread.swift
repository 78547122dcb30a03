import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One thread of the process for work no client waits for (building full-text indexes),
/// running at the lowest CPU priority (nice 19): while sessions have work the scheduler
/// gives them the cores, and the indexer takes what is left. Dispatch's QoS classes do not
/// change a thread's priority on Linux, hence a thread of its own; and niceness cannot be
/// lowered again without privilege, so the thread keeps it for good and runs nothing else.
///
/// Work runs one item at a time, in the order given, so all accounts' indexing together
/// takes at most one core. What it holds while it runs (an account's database for a
/// moment, the index during a batch's commit) keeps others waiting longer when the cores
/// are busy with other work: keep such holds short.
final class BackgroundThread: @unchecked Sendable {
    static let shared = BackgroundThread(name: "roost-indexer")

    /// The niceness the thread asks for (the lowest priority there is).
    static let niceness: Int32 = 19

    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var started = false
    private let name: String

    init(name: String) {
        self.name = name
    }

    /// Runs `work` on the thread, after what was given before it; returns at once.
    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        let start = !started
        started = true
        condition.signal()
        condition.unlock()
        if start {
            let thread = Thread { [self] in loop() }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func loop() {
        #if os(Linux)
        // Named for ps and top (pthread_setname_np is not imported; this is what it does).
        try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        // Niceness is a thread's own on Linux: PRIO_PROCESS with who 0 is the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        #else
        _ = setpriority(PRIO_DARWIN_THREAD, 0, PRIO_DARWIN_BG)
        #endif
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
