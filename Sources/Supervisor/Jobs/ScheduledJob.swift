import Foundation
import WardenCore
import WardenProtocol

/// A periodic one-shot command (a backup, database maintenance) that the supervisor runs as its
/// own child process, like a systemd timer: isolated from the supervisor's memory and crashes,
/// its log lines relayed, its outcome counted.
public struct JobSpec: Sendable, Hashable {
    public var name: String
    /// Arguments to this binary (`backup create --verify`).
    public var arguments: [String]
    public var interval: Duration
    /// Stopped (SIGTERM, then SIGKILL 30 s later) when it runs longer than this.
    public var timeout: Duration

    public init(name: String, arguments: [String], interval: Duration, timeout: Duration) {
        self.name = name
        self.arguments = arguments
        self.interval = interval
        self.timeout = timeout
    }

    /// The jobs a configuration asks for: `backup` when `backup.interval` is set, `maintenance`
    /// unless `database.maintenance_interval` is off, `reports` when `reports:` is set, `risk-report`
    /// (daily) while an engine runs unless `engine.portfolio.report_interval` is off.
    public static func jobs(for configuration: WardenConfiguration) -> [JobSpec] {
        var jobs: [JobSpec] = []
        if let interval = configuration.backup.interval {
            var arguments = ["backup", "create"]
            if configuration.backup.verify { arguments.append("--verify") }
            if !configuration.backup.retention.isEmpty { arguments.append("--prune") }
            jobs.append(JobSpec(name: "backup", arguments: arguments, interval: interval, timeout: min(interval, .seconds(6 * 3600))))
        }
        if let interval = configuration.database.maintenanceInterval {
            jobs.append(JobSpec(name: "maintenance", arguments: ["db", "maintain"], interval: interval, timeout: min(interval, .seconds(3600))))
        }
        if let interval = configuration.reports?.interval {
            // Each run sends only what is due and not yet sent, so a run cut short is finished by the next.
            jobs.append(JobSpec(name: "reports", arguments: ["report", "send"], interval: interval, timeout: min(interval, .seconds(1800))))
        }
        if configuration.children.contains(where: { $0.name == "engine" }), let interval = configuration.engine.portfolio.reportInterval {
            // The engine's positions measured from its journal and recorded (one row per UTC day).
            jobs.append(JobSpec(name: "risk-report", arguments: ["risk", "report", "--record"], interval: interval, timeout: min(interval, .seconds(600))))
        }
        return jobs
    }

    /// The first run after start-up: soon (a backup right after a deploy is worth having), but not
    /// in the middle of start-up.
    var firstDelay: Duration { min(interval, .seconds(120)) }
}

/// What the loop holds for one job.
final class JobSlot {
    var spec: JobSpec
    var nextRun: ContinuousClock.Instant
    var process: SpawnedProcess?
    var startedAt: ContinuousClock.Instant?
    var termSentAt: ContinuousClock.Instant?
    /// A reload removed it while it ran: dropped once it exits.
    var removeAfterRun = false
    /// Started only on request (`runOnce`), never by the schedule; kept across reloads.
    var onRequestOnly = false {
        didSet { if onRequestOnly { nextRun = .now + .seconds(10 * 365 * 86_400) } }
    }
    var status: JobStatus

    init(spec: JobSpec, now: ContinuousClock.Instant) {
        self.spec = spec
        nextRun = now + spec.firstDelay
        status = JobStatus(name: spec.name, state: "idle", intervalSeconds: spec.interval.seconds)
    }

    /// The next moment the loop must look at this job.
    var nextDeadline: ContinuousClock.Instant {
        guard let startedAt else { return nextRun }
        if let termSentAt { return termSentAt + .seconds(30) }
        return startedAt + spec.timeout
    }
}
