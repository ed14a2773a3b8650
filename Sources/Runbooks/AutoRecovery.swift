import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry
import WardenCore

/// The supervisor's automatic recovery: when an alert whose rule names a procedure
/// (`auto_runbook`) fires, that runbook's stages run once for the episode, as a supervisor job
/// (`warden runbook run NAME --automatic`, isolated from the supervisor, its lines relayed, its
/// outcome in the job list and `recovery_runs`). At most `max_per_hour` runs per runbook; past
/// that, or when every stage ran and the check never held, `warden_recovery_gave_up{runbook}` is 1
/// until the alert clears, and the WardenRecoveryFailed rule pages a person through the routes.
public final class AutoRecovery: Service, Sendable {
    /// An alert firing now whose rule names a procedure.
    public struct Firing: Sendable, Hashable {
        public var alert: String
        public var runbook: String
        /// One firing episode (fingerprint and start): a procedure runs once per episode.
        public var episode: String
        public var labels: [String: String]

        public init(alert: String, runbook: String, episode: String, labels: [String: String]) {
            self.alert = alert
            self.runbook = runbook
            self.episode = episode
            self.labels = labels
        }
    }

    /// A job's runs as the supervisor counts them.
    public struct JobRuns: Sendable, Equatable {
        public var running: Bool
        public var succeeded: Int
        public var failed: Int

        public init(running: Bool, succeeded: Int, failed: Int) {
            self.running = running
            self.succeeded = succeeded
            self.failed = failed
        }
    }

    struct InFlight {
        var firing: Firing
        var baseline: JobRuns
    }

    struct State {
        var handled: Set<String> = []
        var heldOff: Set<String> = []
        var inFlight: [String: InFlight] = [:]
        var starts: [String: [Int64]] = [:]
        var gaveUp: [String: Bool] = [:]
        var runs: [String: [String: Double]] = [:]
    }

    let enabled: Bool
    let library: RunbookLibrary?
    let timeout: Duration
    let start: @Sendable (_ job: String, _ arguments: [String], _ timeout: Duration) async -> (ok: Bool, message: String)
    let jobRuns: @Sendable (_ job: String) -> JobRuns?
    let record: @Sendable (RunRecord) async -> Void
    /// Why not to act on an alert now, if so: a child an operator stopped on purpose is theirs,
    /// not a fault to repair (asked at every evaluation, so starting it again ends the hold).
    let holdOff: @Sendable (Firing) -> String?
    let now: @Sendable () -> Int64
    let logger: Logger
    private let state = Mutex(State())
    private let (offers, offer): (AsyncStream<[Firing]>, AsyncStream<[Firing]>.Continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(
        enabled: Bool, library: RunbookLibrary?, timeout: Duration = .seconds(600),
        start: @escaping @Sendable (_ job: String, _ arguments: [String], _ timeout: Duration) async -> (ok: Bool, message: String),
        jobRuns: @escaping @Sendable (_ job: String) -> JobRuns?, record: @escaping @Sendable (RunRecord) async -> Void,
        holdOff: @escaping @Sendable (Firing) -> String? = { _ in nil }, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.holdOff = holdOff
        self.enabled = enabled
        self.library = library
        self.timeout = timeout
        self.start = start
        self.jobRuns = jobRuns
        self.record = record
        self.logger = logger
        self.now = now
    }

    /// Every evaluation: the alerts firing now that name a procedure (the newest set wins).
    public func offer(_ firing: [Firing]) { offer.yield(firing) }

    public func run() async throws {
        if !enabled { logger.info("automatic recovery is off (recovery.enabled: false); alerts page people only") }
        await cancelWhenGracefulShutdown {
            for await firing in self.offers { await self.handle(firing) }
        }
    }

    func handle(_ firing: [Firing]) async {
        settleFinished()
        let active = Set(firing.map(\.runbook))
        let current = Set(firing.map { $0.runbook + "|" + $0.episode })
        state.withLock { s in
            // An alert that cleared ends its episode's page.
            for (runbook, failed) in s.gaveUp where failed && !active.contains(runbook) { s.gaveUp[runbook] = false }
            // Episodes that ended are forgotten (a new firing is a new episode, with a new start).
            s.handled.formIntersection(current)
            s.heldOff.formIntersection(current)
        }
        guard enabled else { return }
        for entry in firing {
            let key = entry.runbook + "|" + entry.episode
            let busy = state.withLock { $0.handled.contains(key) || $0.inFlight[entry.runbook] != nil }
            guard !busy else { continue }
            if let reason = holdOff(entry) {
                if state.withLock({ $0.heldOff.insert(key).inserted }) {
                    logger.notice("automatic recovery holds off", metadata: ["runbook": "\(entry.runbook)", "alert": "\(entry.alert)", "reason": "\(reason)"])
                }
                continue
            }
            guard let runbook = library?.runbooks.first(where: { $0.name == entry.runbook }), let recovery = runbook.recovery else {
                logger.error("an alert names a procedure that does not exist or has no recovery section", metadata: ["alert": "\(entry.alert)", "runbook": "\(entry.runbook)"])
                _ = state.withLock { $0.handled.insert(key) }
                continue
            }
            let time = now()
            let recent = state.withLock { s -> Int in
                s.starts[entry.runbook] = (s.starts[entry.runbook] ?? []).filter { $0 > time - 3_600_000 }
                return s.starts[entry.runbook]!.count
            }
            if recent >= recovery.maxPerHour {
                logger.error("automatic recovery skipped: it ran too often this hour; paging", metadata: [
                    "runbook": "\(entry.runbook)", "alert": "\(entry.alert)", "runs_this_hour": "\(recent)",
                ])
                state.withLock { s in
                    s.handled.insert(key)
                    s.gaveUp[entry.runbook] = true
                    s.runs[entry.runbook, default: [:]]["skipped", default: 0] += 1
                }
                let skipped = RunRecord(
                    id: UUID().uuidString.lowercased(), runbook: entry.runbook, actor: "supervisor", mode: .automatic, trigger: entry.alert,
                    parameters: entry.labels, startedAt: time, finishedAt: time, outcome: .skipped,
                    steps: [RunRecord.StepRecord(
                        name: "rate limit", command: "at most \(recovery.maxPerHour) runs per hour", destructive: false, startedAt: time, finishedAt: time,
                        result: .failed, output: "\(recent) runs in the last hour")])
                // Off the loop: a database that does not answer must not hold up the next evaluation.
                let record = record
                Task { await record(skipped) }
                continue
            }
            let job = Self.jobName(entry.runbook)
            let baseline = jobRuns(job) ?? JobRuns(running: false, succeeded: 0, failed: 0)
            var arguments = ["runbook", "run", entry.runbook, "--automatic", "--yes", "--by", "supervisor", "--trigger", entry.alert]
            if let directory = library?.directory { arguments += ["--dir", directory] }
            for name in runbook.parameters.keys.sorted() { if let value = entry.labels[name] { arguments += ["--param", "\(name)=\(value)"] } }
            let (ok, message) = await start(job, arguments, timeout)
            guard ok else {
                logger.error("automatic recovery could not start", metadata: ["runbook": "\(entry.runbook)", "reason": "\(message)"])
                continue  // tried again at the next evaluation
            }
            logger.notice("automatic recovery started", metadata: ["runbook": "\(entry.runbook)", "alert": "\(entry.alert)", "job": "\(job)"])
            state.withLock { s in
                s.handled.insert(key)
                s.inFlight[entry.runbook] = InFlight(firing: entry, baseline: baseline)
                s.starts[entry.runbook, default: []].append(time)
            }
        }
    }

    /// Runs that ended since the last look: succeeded (exit 0) or gave up (a person is paged).
    func settleFinished() {
        let flights = state.withLock { $0.inFlight }
        for (runbook, flight) in flights {
            guard let runs = jobRuns(Self.jobName(runbook)), !runs.running, runs != flight.baseline else { continue }
            let recovered = runs.succeeded > flight.baseline.succeeded
            logger.log(level: recovered ? .notice : .error, recovered ? "automatic recovery succeeded" : "automatic recovery gave up; paging", metadata: [
                "runbook": "\(runbook)", "alert": "\(flight.firing.alert)",
            ])
            state.withLock { s in
                s.inFlight[runbook] = nil
                s.gaveUp[runbook] = !recovered
                s.runs[runbook, default: [:]][recovered ? "succeeded" : "gave_up", default: 0] += 1
            }
        }
    }

    public static func jobName(_ runbook: String) -> String { "recovery:\(runbook)" }

    public func families() -> [MetricFamily] {
        let s = state.withLock { $0 }
        var runs: [([(String, String)], Double)] = []
        for runbook in s.runs.keys.sorted() {
            for outcome in s.runs[runbook]!.keys.sorted() { runs.append(([("runbook", runbook), ("outcome", outcome)], s.runs[runbook]![outcome]!)) }
        }
        let procedures = (library?.runbooks ?? []).filter { $0.recovery != nil }.map(\.name)
        return [
            .single("warden_recovery_enabled", .gauge, "1 when the supervisor runs procedures by itself (recovery.enabled).", [([], enabled ? 1 : 0)]),
            .single("warden_recovery_runs_total", .counter, "Automatic recovery runs, by runbook and outcome (succeeded, gave_up, skipped).", runs),
            .single("warden_recovery_in_progress", .gauge, "1 while a runbook's automatic recovery runs.",
                    procedures.map { ([("runbook", $0)], s.inFlight[$0] == nil ? 0 : 1) }),
            .single("warden_recovery_gave_up", .gauge, "1 while a runbook's automatic recovery gave up (or was skipped) and its alert still fires.",
                    procedures.map { ([("runbook", $0)], s.gaveUp[$0] == true ? 1 : 0) }),
        ]
    }
}
