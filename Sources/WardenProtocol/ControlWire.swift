import Foundation

// The supervisor's control socket (RUNTIME_DIR/control.sock): requests, replies and the status
// `warden ctl status --json` prints, shared by the supervisor and every client.

/// What `warden ctl status --json` prints and `/readyz` is built from. Times are Unix seconds.
public struct SupervisorStatus: Sendable, Codable, Equatable {
    public var pid: Int32
    /// starting, running, degraded, reloading or stopping.
    public var state: String
    public var startedAt: Double
    /// True once every child is ready.
    public var ready: Bool
    public var configFile: String?
    public var children: [ChildStatus]
    /// Scheduled jobs (backup, maintenance).
    public var jobs: [JobStatus] = []

    public init(pid: Int32, state: String, startedAt: Double, ready: Bool, configFile: String?, children: [ChildStatus], jobs: [JobStatus] = []) {
        self.pid = pid
        self.state = state
        self.startedAt = startedAt
        self.ready = ready
        self.configFile = configFile
        self.children = children
        self.jobs = jobs
    }

    enum CodingKeys: String, CodingKey {
        case pid, state, ready, children, jobs
        case startedAt = "started_at"
        case configFile = "config_file"
    }
}

extension SupervisorStatus {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pid = try container.decode(Int32.self, forKey: .pid)
        state = try container.decode(String.self, forKey: .state)
        startedAt = try container.decode(Double.self, forKey: .startedAt)
        ready = try container.decode(Bool.self, forKey: .ready)
        configFile = try container.decodeIfPresent(String.self, forKey: .configFile)
        children = try container.decode([ChildStatus].self, forKey: .children)
        jobs = try container.decodeIfPresent([JobStatus].self, forKey: .jobs) ?? []
    }
}

public struct ChildStatus: Sendable, Codable, Equatable {
    public var name: String
    /// waiting, starting, running, stopping, backoff, stopped or failed.
    public var state: String
    public var pid: Int32?
    public var spawnedAt: Double?
    public var readyAt: Double?
    public var restarts: Int
    /// Restarts by the cause of the exit that led to them.
    public var restartsByReason: [String: Int]
    /// Spawn to READY=1 of the last start that got there.
    public var startDurationSeconds: Double?
    public var watchdogTimeouts: Int
    /// The child's last STATUS= line.
    public var statusText: String?
    /// Why it is down, when it is.
    public var downReason: String?
    public var lastExit: LastExit?

    public init(
        name: String, state: String, pid: Int32?, spawnedAt: Double?, readyAt: Double?, restarts: Int, restartsByReason: [String: Int],
        startDurationSeconds: Double?, watchdogTimeouts: Int, statusText: String?, downReason: String?, lastExit: LastExit?
    ) {
        self.name = name
        self.state = state
        self.pid = pid
        self.spawnedAt = spawnedAt
        self.readyAt = readyAt
        self.restarts = restarts
        self.restartsByReason = restartsByReason
        self.startDurationSeconds = startDurationSeconds
        self.watchdogTimeouts = watchdogTimeouts
        self.statusText = statusText
        self.downReason = downReason
        self.lastExit = lastExit
    }

    public struct LastExit: Sendable, Codable, Equatable {
        public var cause: String
        public var exitCode: Int32?
        public var signal: String?
        public var at: Double
        public var uptimeSeconds: Double
        public var watchdogOverrunSeconds: Double?
        public var detail: String

        public init(cause: String, exitCode: Int32?, signal: String?, at: Double, uptimeSeconds: Double, watchdogOverrunSeconds: Double?, detail: String) {
            self.cause = cause
            self.exitCode = exitCode
            self.signal = signal
            self.at = at
            self.uptimeSeconds = uptimeSeconds
            self.watchdogOverrunSeconds = watchdogOverrunSeconds
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey {
            case cause, signal, at, detail
            case exitCode = "exit_code"
            case uptimeSeconds = "uptime_seconds"
            case watchdogOverrunSeconds = "watchdog_overrun_seconds"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, state, pid, restarts
        case spawnedAt = "spawned_at"
        case readyAt = "ready_at"
        case watchdogTimeouts = "watchdog_timeouts"
        case restartsByReason = "restarts_by_reason"
        case startDurationSeconds = "start_duration_seconds"
        case statusText = "status_text"
        case downReason = "down_reason"
        case lastExit = "last_exit"
    }
}

extension SupervisorStatus {
    /// One human line per systemd's STATUS=: `engine: running (pid 123, up 5m) · api: ...`.
    public func summaryLine(now: Double = Date().timeIntervalSince1970) -> String {
        children.map { child in
            var facts: [String] = []
            if let pid = child.pid { facts.append("pid \(pid)") }
            if child.state == "running", let readyAt = child.readyAt {
                facts.append("up \(Self.shortDuration(now - readyAt))")
            }
            if child.state == "failed" || child.state == "backoff", let exit = child.lastExit {
                facts.append(exit.detail)
            }
            return facts.isEmpty ? "\(child.name): \(child.state)" : "\(child.name): \(child.state) (\(facts.joined(separator: ", ")))"
        }.joined(separator: " · ")
    }

    /// `42s`, `5m`, `3h12m`, `2d4h`: uptimes for one-line summaries.
    public static func shortDuration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m" }
        if total < 86400 { return "\(total / 3600)h\(total % 3600 / 60)m" }
        return "\(total / 86400)d\(total % 86400 / 3600)h"
    }
}

/// What `warden ctl` (and later the API worker) can ask of the supervisor.
public enum ControlRequest: Sendable, Equatable {
    case start(String)
    case stop(String)
    case restart(String)
    case reload
    /// Run a scheduled job now (`warden ctl run backup`).
    case runJob(String)
    /// Run `arguments` (this binary's) once as a job named `name`, kept in the job list with its
    /// outcome (the supervisor's automatic recovery runs its runbooks this way).
    case runOnce(name: String, arguments: [String], timeout: Duration)
}

/// The supervisor's answer: whether it was done, and a line for the operator.
public struct ControlReply: Sendable, Codable, Equatable {
    public var ok: Bool
    public var message: String
    /// Configuration problems, one `PATH:LINE: key: message` per entry, when a reload was refused.
    public var errors: [String]?

    public init(ok: Bool, message: String, errors: [String]? = nil) {
        self.ok = ok
        self.message = message
        self.errors = errors
    }
}

/// A job as `warden ctl status` and /metrics show it. Times are Unix seconds.
public struct JobStatus: Sendable, Codable, Equatable {
    public var name: String
    /// idle or running.
    public var state: String
    public var pid: Int32?
    public var intervalSeconds: Double
    public var nextRunAt: Double?
    public var runs: [String: Int] = [:]
    public var lastSuccessAt: Double?
    public var lastFailureAt: Double?
    public var lastDurationSeconds: Double?
    public var lastResult: String?

    public init(name: String, state: String, pid: Int32? = nil, intervalSeconds: Double, nextRunAt: Double? = nil) {
        self.name = name
        self.state = state
        self.pid = pid
        self.intervalSeconds = intervalSeconds
        self.nextRunAt = nextRunAt
    }

    enum CodingKeys: String, CodingKey {
        case name, state, pid, runs
        case intervalSeconds = "interval_seconds"
        case nextRunAt = "next_run_at"
        case lastSuccessAt = "last_success_at"
        case lastFailureAt = "last_failure_at"
        case lastDurationSeconds = "last_duration_seconds"
        case lastResult = "last_result"
    }
}

/// The body of `POST /v1/jobs/once`: a one-off job (`ControlRequest.runOnce`).
public struct OneOffJob: Sendable, Codable, Equatable {
    public var name: String
    public var arguments: [String]
    public var timeoutSeconds: Double

    public init(name: String, arguments: [String], timeoutSeconds: Double) {
        self.name = name
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, arguments
        case timeoutSeconds = "timeout_seconds"
    }
}

/// What `warden notify canary` reports: each failing channel tried with a test notification.
public struct CanaryReport: Sendable, Codable, Equatable {
    public struct Result: Sendable, Codable, Equatable {
        public var integration: String
        public var delivered: Bool
        public var detail: String

        public init(integration: String, delivered: Bool, detail: String) {
            self.integration = integration
            self.delivered = delivered
            self.detail = detail
        }
    }

    public var results: [Result]

    public init(results: [Result]) { self.results = results }
}

/// What `warden notify failover` reports: each failing channel and where its notifications go now
/// (nil `to`: no receiver in its chain has a working channel).
public struct FailoverReport: Sendable, Codable, Equatable {
    public struct Move: Sendable, Codable, Equatable {
        public var integration: String
        public var to: String?

        public init(integration: String, to: String?) {
            self.integration = integration
            self.to = to
        }
    }

    public var moves: [Move]

    public init(moves: [Move]) { self.moves = moves }
}

/// The alerting service's operations the control socket offers (the supervisor wires them).
public struct NotificationControl: Sendable {
    public var canary: @Sendable () async -> CanaryReport
    public var failover: @Sendable () async -> FailoverReport

    public init(canary: @escaping @Sendable () async -> CanaryReport, failover: @escaping @Sendable () async -> FailoverReport) {
        self.canary = canary
        self.failover = failover
    }
}
