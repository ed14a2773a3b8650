import Backtest
import Foundation
import Synchronization
import WardenProtocol

/// `warden backtest --job-dir DIR`: the job side of the API's backtest jobs. It reports its
/// progress (by bar time, at most four times a second), stops when the API leaves a cancel
/// marker, and writes its result whole before saying it is done.
final class BacktestJobReporter: Sendable {
    let files: BacktestJobFiles
    let startedAt: Int64
    private let span: (first: Int64, last: Int64)
    private let lastWrite = Mutex<ContinuousClock.Instant?>(nil)

    init(directory: String, span: (first: Int64, last: Int64)) {
        files = BacktestJobFiles(directory: directory)
        startedAt = Self.now()
        self.span = span
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func started() throws { try files.write(BacktestJobProgress(state: "running", startedAt: startedAt), to: files.progress) }

    /// The loop's per-bar hook: cheap unless a quarter second has passed since the last report.
    @Sendable func bar(_ time: Int64) {
        report { span.last > span.first ? Double(time - span.first) / Double(span.last - span.first) : 1 }
    }

    /// An optimisation's progress: trials done of its budget.
    @Sendable func trials(_ done: Int, _ budget: Int, _ best: Double?) {
        report { budget > 0 ? Double(done) / Double(budget) : 0 }
    }

    /// At most four times a second: stops when the API left a cancel marker, else writes how far along.
    private func report(_ fraction: () -> Double) {
        let now = ContinuousClock.now
        let due = lastWrite.withLock { last in
            guard last.map({ now - $0 >= .milliseconds(250) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        if files.cancelRequested {
            // The journal is in memory: nothing is left half-written by stopping here.
            try? files.write(BacktestJobProgress(state: "cancelled", startedAt: startedAt, finishedAt: Self.now(), error: "cancelled on request"), to: files.progress)
            exit(0)
        }
        try? files.write(BacktestJobProgress(state: "running", fraction: min(1, max(0, fraction())), startedAt: startedAt), to: files.progress)
    }

    func finished(report: String, stats: Statistics) throws {
        try BacktestJobFiles.writeWhole(Data(report.utf8), to: files.result)
        let summary = (try? JSONDecoder().decode([String: Double].self, from: BacktestJobFiles.encoder.encode(stats))) ?? [:]
        try files.write(BacktestJobProgress(state: "done", fraction: 1, startedAt: startedAt, finishedAt: Self.now(), summary: summary), to: files.progress)
    }

    func finished(report: String, summary: [String: Double]) throws {
        try BacktestJobFiles.writeWhole(Data(report.utf8), to: files.result)
        try files.write(BacktestJobProgress(state: "done", fraction: 1, startedAt: startedAt, finishedAt: Self.now(), summary: summary), to: files.progress)
    }

    func failed(_ message: String) {
        try? files.write(BacktestJobProgress(state: "failed", startedAt: startedAt, finishedAt: Self.now(), error: message), to: files.progress)
    }
}
