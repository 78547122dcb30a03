import Foundation

/// A progress bar for long imports and exports, drawn on standard error only when that is
/// a terminal (scripts and logs get the summary alone), redrawn at most ten times a second.
final class ProgressBar {
    private let label: String
    private let describe: (_ done: Int64, _ total: Int64) -> String
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastDraw = DispatchTime(uptimeNanoseconds: 0)
    private var drawn = false
    private var last: (Int64, Int64) = (0, 0)

    init(_ label: String, describe: @escaping (_ done: Int64, _ total: Int64) -> String = { "\($0)/\($1)" }) {
        self.label = label
        self.describe = describe
    }

    func update(_ done: Int64, _ total: Int64) {
        last = (done, total)
        guard enabled else { return }
        let now = DispatchTime.now()
        guard done >= total || now.uptimeNanoseconds - lastDraw.uptimeNanoseconds >= 100_000_000 else { return }
        lastDraw = now
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(fraction * 100))% \(describe(done, total))\u{1B}[K".utf8))
        drawn = true
    }

    /// A line on standard error (a skipped file) that the bar does not overwrite.
    func note(_ line: String) {
        clear()
        FileHandle.standardError.write(Data((line + "\n").utf8))
        if enabled { update(last.0, last.1) }
    }

    /// Takes the bar off the screen.
    func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
        lastDraw = DispatchTime(uptimeNanoseconds: 0)
    }
}
