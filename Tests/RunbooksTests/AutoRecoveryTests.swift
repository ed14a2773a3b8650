import Foundation
import Logging
import Synchronization
import Testing
import Telemetry
@testable import Runbooks

/// Stands in for the supervisor's job list: a started job runs until the test finishes it.
final class FakeJobs: Sendable {
    let started = Mutex<[(job: String, arguments: [String])]>([])
    let runs = Mutex<[String: AutoRecovery.JobRuns]>([:])

    func start(_ job: String, _ arguments: [String]) -> (ok: Bool, message: String) {
        started.withLock { $0.append((job, arguments)) }
        runs.withLock { $0[job, default: .init(running: false, succeeded: 0, failed: 0)].running = true }
        return (true, "started")
    }

    func finish(_ job: String, recovered: Bool) {
        runs.withLock { runs in
            runs[job]!.running = false
            if recovered { runs[job]!.succeeded += 1 } else { runs[job]!.failed += 1 }
        }
    }
}

@Suite("Automatic recovery: once per episode, rate-limited, paging when it gives up")
struct AutoRecoveryTests {
    static func library() throws -> RunbookLibrary {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runbooks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try RunbookTests.text.write(toFile: directory + "/child-down.md", atomically: true, encoding: .utf8)
        return try RunbookLibrary(directory: directory)
    }

    static func value(_ families: [MetricFamily], _ name: String, _ runbook: String, outcome: String? = nil) -> Double? {
        families.first { $0.name == name }?.samples.first { sample in
            sample.labels.contains { $0 == ("runbook", runbook) } && (outcome == nil || sample.labels.contains { $0 == ("outcome", outcome!) })
        }?.value
    }

    @Test("an episode runs its procedure once, with the alert's declared labels as parameters; a give-up pages until the alert clears; past max_per_hour it is skipped and recorded")
    func lifecycle() async throws {
        let jobs = FakeJobs()
        let recorded = Mutex<[RunRecord]>([])
        let clock = Mutex<Int64>(1_000_000)
        let recovery = AutoRecovery(
            enabled: true, library: try Self.library(), start: { job, arguments, _ in jobs.start(job, arguments) },
            jobRuns: { job in jobs.runs.withLock { $0[job] } }, record: { run in recorded.withLock { $0.append(run) } },
            logger: Logger(label: "test"), now: { clock.withLock { $0 } })
        let down = AutoRecovery.Firing(alert: "WardenChildDown", runbook: "child-down", episode: "f1@1", labels: ["child": "api", "instance": "w1"])

        await recovery.handle([down])
        await recovery.handle([down])
        #expect(jobs.started.withLock { $0.count } == 1, "one run per episode, not one per evaluation")
        let arguments = jobs.started.withLock { $0[0].arguments }
        #expect(jobs.started.withLock { $0[0].job } == "recovery:child-down")
        #expect(Array(arguments.prefix(4)) == ["runbook", "run", "child-down", "--automatic"] && arguments.contains("--yes"))
        #expect(arguments.suffix(2) == ["--param", "child=api"], "declared parameters only: no instance")
        #expect(Self.value(recovery.families(), "warden_recovery_in_progress", "child-down") == 1)

        jobs.finish("recovery:child-down", recovered: false)
        await recovery.handle([down])
        #expect(Self.value(recovery.families(), "warden_recovery_gave_up", "child-down") == 1, "gave up: pages while the alert fires")
        #expect(Self.value(recovery.families(), "warden_recovery_runs_total", "child-down", outcome: "gave_up") == 1)
        await recovery.handle([])
        #expect(Self.value(recovery.families(), "warden_recovery_gave_up", "child-down") == 0, "the alert cleared")

        let again = AutoRecovery.Firing(alert: "WardenChildDown", runbook: "child-down", episode: "f1@2", labels: ["child": "api"])
        await recovery.handle([again])
        jobs.finish("recovery:child-down", recovered: true)
        await recovery.handle([again])
        #expect(Self.value(recovery.families(), "warden_recovery_runs_total", "child-down", outcome: "succeeded") == 1)
        #expect(Self.value(recovery.families(), "warden_recovery_gave_up", "child-down") == 0)

        // A third episode within the hour: past max_per_hour (2), skipped, recorded and paged.
        await recovery.handle([AutoRecovery.Firing(alert: "WardenChildDown", runbook: "child-down", episode: "f1@3", labels: [:])])
        #expect(jobs.started.withLock { $0.count } == 2)
        // Recorded off the loop: wait for it (yields, not time).
        for _ in 0..<10_000 where recorded.withLock({ $0.isEmpty }) { await Task.yield() }
        #expect(recorded.withLock { $0.map(\.outcome) } == [.skipped])
        #expect(Self.value(recovery.families(), "warden_recovery_gave_up", "child-down") == 1)
        #expect(Self.value(recovery.families(), "warden_recovery_runs_total", "child-down", outcome: "skipped") == 1)

        // An hour later the limit has room again.
        clock.withLock { $0 += 3_600_001 }
        await recovery.handle([AutoRecovery.Firing(alert: "WardenChildDown", runbook: "child-down", episode: "f1@4", labels: [:])])
        #expect(jobs.started.withLock { $0.count } == 3)
    }

    @Test("switched off, nothing runs; an unknown procedure is logged, not run")
    func disabled() async throws {
        let jobs = FakeJobs()
        let off = AutoRecovery(
            enabled: false, library: try Self.library(), start: { job, arguments, _ in jobs.start(job, arguments) },
            jobRuns: { _ in nil }, record: { _ in }, logger: Logger(label: "test"))
        await off.handle([AutoRecovery.Firing(alert: "WardenChildDown", runbook: "child-down", episode: "e", labels: [:])])
        #expect(jobs.started.withLock { $0.isEmpty })
        #expect(off.families().first { $0.name == "warden_recovery_enabled" }?.samples.first?.value == 0)
        let on = AutoRecovery(
            enabled: true, library: try Self.library(), start: { job, arguments, _ in jobs.start(job, arguments) },
            jobRuns: { _ in nil }, record: { _ in }, logger: Logger(label: "test"))
        await on.handle([AutoRecovery.Firing(alert: "X", runbook: "no-such-runbook", episode: "e", labels: [:])])
        #expect(jobs.started.withLock { $0.isEmpty })
    }
}
