import Foundation
import Supervisor
import Telemetry
import WardenCore
import WardenProtocol

/// Everything the supervisor's /metrics shows: its own process, build info, HTTP, each child as the
/// supervisor sees it, the host, and the workers' own series merged under `child`.
public struct SupervisorMetrics: Sendable {
    public var supervisor: Supervisor
    public var directories: Directories
    public var http: HTTPRequestMetrics
    public var version: String
    public var revision: String
    public var scraper: WorkerScraper
    /// Families sampled elsewhere in the supervisor (the database monitor's).
    public var sampled: @Sendable () -> [MetricFamily]

    public init(
        supervisor: Supervisor, directories: Directories, http: HTTPRequestMetrics, version: String, revision: String,
        scraper: WorkerScraper, sampled: @escaping @Sendable () -> [MetricFamily] = { [] }
    ) {
        self.sampled = sampled
        self.supervisor = supervisor
        self.directories = directories
        self.http = http
        self.version = version
        self.revision = revision
        self.scraper = scraper
    }

    public func families() async -> [MetricFamily] {
        let status = supervisor.status()
        let workers = await scraper.scrape(children: status.children.filter { $0.state == "running" }.map(\.name))
        var own = ProcessCollector().collect()
        own.append(.single(
            "warden_build_info", .gauge, "Warden's version and source revision; always 1.",
            [([("version", version), ("revision", revision)], 1)]))
        own += http.collect()
        own += Self.childFamilies(status)
        own += Self.jobFamilies(status)
        own += workers.health
        own += sampled()
        own += HostCollector(filesystems: [directories.state]).collect()
        return MetricMerger.merge(own, children: workers.families).families
    }

    static func jobFamilies(_ status: SupervisorStatus) -> [MetricFamily] {
        var runs: [([(String, String)], Double)] = []
        var running: [([(String, String)], Double)] = []
        var lastSuccess: [([(String, String)], Double)] = []
        var durations: [([(String, String)], Double)] = []
        for job in status.jobs {
            let label = [("job", job.name)]
            for result in ["success", "failure"] { runs.append((label + [("result", result)], Double(job.runs[result] ?? 0))) }
            running.append((label, job.state == "running" ? 1 : 0))
            if let at = job.lastSuccessAt { lastSuccess.append((label, at)) }
            if let seconds = job.lastDurationSeconds { durations.append((label, seconds)) }
        }
        var families: [MetricFamily] = [
            .single("warden_job_runs_total", .counter, "Runs of the supervisor's scheduled jobs, by result.", runs),
            .single("warden_job_running", .gauge, "1 while the job runs.", running),
            .single("warden_job_last_success_timestamp_seconds", .gauge, "When the job last succeeded (Unix seconds).", lastSuccess),
            .single("warden_job_last_duration_seconds", .gauge, "How long the job's last run took.", durations),
        ]
        if let backup = status.jobs.first(where: { $0.name == "backup" }) {
            families.append(.single(
                "warden_backup_failures_total", .counter, "Scheduled backups that failed since the supervisor started.",
                [([], Double(backup.runs["failure"] ?? 0))]))
        }
        return families
    }

    static func childFamilies(_ status: SupervisorStatus) -> [MetricFamily] {
        var up: [([(String, String)], Double)] = []
        var restarts: [([(String, String)], Double)] = []
        var startDurations: [([(String, String)], Double)] = []
        var watchdog: [([(String, String)], Double)] = []
        var exitCodes: [([(String, String)], Double)] = []
        var cpu: [([(String, String)], Double)] = []
        var rss: [([(String, String)], Double)] = []
        var fds: [([(String, String)], Double)] = []
        for child in status.children {
            let label = [("child", child.name)]
            up.append((label, child.state == "running" ? 1 : 0))
            for cause in ExitCause.allCases where cause != .requested {
                restarts.append((label + [("reason", cause.rawValue)], Double(child.restartsByReason[cause.rawValue] ?? 0)))
            }
            if let seconds = child.startDurationSeconds { startDurations.append((label, seconds)) }
            watchdog.append((label, Double(child.watchdogTimeouts)))
            if let exit = child.lastExit {
                // A death by signal reads as 128+N, as a shell reports it.
                let code = exit.exitCode.map(Double.init) ?? exit.signalNumber.map { Double(128 + $0) } ?? -1
                exitCodes.append((label, code))
            }
            if let pid = child.pid, let sample = ProcessCollector(process: String(pid)).sample() {
                cpu.append((label, sample.cpuSeconds))
                rss.append((label, sample.residentBytes))
                if let open = sample.openFDs { fds.append((label, open)) }
            }
        }
        return [
            .single("warden_child_up", .gauge, "1 when the child is running and ready, else 0.", up),
            .single("warden_child_restarts_total", .counter, "Automatic restarts of the child, by the cause of the exit before them.", restarts),
            .single("warden_child_start_duration_seconds", .gauge, "Spawn to READY=1 of the child's last start.", startDurations),
            .single("warden_child_watchdog_timeouts_total", .counter, "Watchdog deadlines the child missed (or WATCHDOG=trigger).", watchdog),
            .single("warden_child_last_exit_code", .gauge, "Exit status of the child's last exit (128+N for signal N).", exitCodes),
            .single("warden_child_cpu_seconds_total", .counter, "CPU time of the child's main process in seconds.", cpu),
            .single("warden_child_resident_memory_bytes", .gauge, "Resident memory of the child's main process.", rss),
            .single("warden_child_open_fds", .gauge, "Open file descriptors of the child's main process.", fds),
        ]
    }
}
