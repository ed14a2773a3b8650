import Foundation
import WardenCore

/// The life of one child as a pure state machine: events in (spawned, notify, exit, tick, operator
/// requests), actions out (spawn, signal, kill the group). No I/O and no clock of its own, so every
/// path is unit-tested with made-up instants.
public struct ChildLifecycle: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var spawnedAt: Instant
    }

    /// Why the supervisor is ending a process.
    public enum Intent: Sendable, Equatable {
        case stop
        case restart
        case watchdog(overrun: Duration)
        case startTimeout
        case memory(residentBytes: UInt64)
    }

    /// Why a child is down.
    public enum DownReason: Sendable, Equatable {
        case notStarted
        case stoppedOnRequest
        /// The restart policy gave up on it; the text says why.
        case failed(String)
    }

    public enum Phase: Sendable, Equatable {
        /// Not running and not going to run until asked.
        case down(DownReason)
        case backoff(until: Instant)
        case starting(Process, deadline: Instant)
        case running(Process, readyAt: Instant, watchdogDeadline: Instant?)
        case terminating(Process, intent: Intent, killAt: Instant?)
    }

    public enum Action: Sendable, Equatable {
        case spawn
        case signal(Int32)
        case killProcessGroup
        case becameReady
        case exited(ExitRecord, Decision)
    }

    /// What happens after an exit.
    public enum Decision: Sendable, Equatable {
        case restartNow
        case restartAfter(Duration)
        case stayDown(String)
    }

    public private(set) var spec: ChildSpec
    public private(set) var phase: Phase = .down(.notStarted)
    public private(set) var restarts = 0
    /// Restarts by the cause of the exit that led to them (`warden_child_restarts_total{reason}`).
    public private(set) var restartsByCause: [ExitCause: Int] = [:]
    /// From spawn to READY=1, for the last start that got there.
    public private(set) var lastStartDuration: Duration?
    public private(set) var lastExit: ExitRecord?
    /// The last STATUS= text the child sent.
    public private(set) var statusText: String?
    public private(set) var watchdogTimeouts = 0
    private var consecutiveFailures = 0
    /// When the current process sent READY=1; kept through termination so that a child killed
    /// after a long healthy run (by its watchdog, say) still counts as having run stably.
    private var readySince: Instant?
    private let policy: RestartPolicy
    private let watchdogKillGrace: Duration

    public init(spec: ChildSpec, backoff: BackoffSettings, watchdogKillGrace: Duration) {
        self.spec = spec
        self.policy = RestartPolicy(spec: spec, settings: backoff)
        self.watchdogKillGrace = watchdogKillGrace
    }

    public var pid: Int32? {
        switch phase {
        case .starting(let process, _), .running(let process, _, _), .terminating(let process, _, _): process.pid
        case .down, .backoff: nil
        }
    }

    public var isReady: Bool {
        if case .running = phase { return true }
        return false
    }

    public var isDown: Bool {
        if case .down = phase { return true }
        return false
    }

    // MARK: Operator and supervisor requests

    /// Start a child that is down or waiting out its backoff.
    public mutating func start() -> [Action] {
        switch phase {
        case .down, .backoff:
            consecutiveFailures = 0
            return [.spawn]
        case .starting, .running, .terminating:
            return []
        }
    }

    /// SIGTERM, then SIGKILL of the process group after the stop timeout; the child stays down.
    public mutating func stop(now: Instant) -> [Action] {
        switch phase {
        case .starting(let process, _), .running(let process, _, _):
            phase = .terminating(process, intent: .stop, killAt: now + spec.stopTimeout)
            return [.signal(SIGTERM)]
        case .terminating(let process, _, let killAt):
            phase = .terminating(process, intent: .stop, killAt: killAt)
            return []
        case .backoff, .down:
            phase = .down(.stoppedOnRequest)
            return []
        }
    }

    /// Stop (if running) and start again at once, outside the restart policy.
    public mutating func restart(now: Instant) -> [Action] {
        switch phase {
        case .starting(let process, _), .running(let process, _, _):
            phase = .terminating(process, intent: .restart, killAt: now + spec.stopTimeout)
            return [.signal(SIGTERM)]
        case .terminating(let process, _, let killAt):
            phase = .terminating(process, intent: .restart, killAt: killAt)
            return []
        case .backoff, .down:
            return start()
        }
    }

    // MARK: Process events

    public mutating func spawned(pid: Int32, now: Instant) {
        readySince = nil
        phase = .starting(Process(pid: pid, spawnedAt: now), deadline: now + spec.startTimeout)
    }

    public mutating func spawnFailed(_ message: String, now: Instant, wallClock: Date) -> [Action] {
        let record = ExitRecord(cause: .spawnFailed, status: nil, at: wallClock, uptime: .zero, detail: message)
        return finish(record, readyFor: nil, intent: nil, now: now)
    }

    public mutating func notified(_ batch: NotifyBatch, now: Instant) -> [Action] {
        if let status = batch.status { statusText = status }
        var actions: [Action] = []
        switch phase {
        case .starting(let process, let deadline):
            if batch.watchdogTrigger {
                return watchdogExpired(process, overrun: .zero, now: now)
            }
            if batch.ready {
                readySince = now
                lastStartDuration = now - process.spawnedAt
                phase = .running(process, readyAt: now, watchdogDeadline: watchdogDeadline(from: now))
                actions.append(.becameReady)
            } else if let extra = batch.extendTimeout {
                phase = .starting(process, deadline: max(deadline, now + extra))
            }
        case .running(let process, let readyAt, _):
            if batch.watchdogTrigger {
                return watchdogExpired(process, overrun: .zero, now: now)
            }
            if batch.watchdogPings > 0 || batch.ready {
                phase = .running(process, readyAt: readyAt, watchdogDeadline: watchdogDeadline(from: now))
            }
        case .terminating(let process, let intent, let killAt?):
            if let extra = batch.extendTimeout {
                phase = .terminating(process, intent: intent, killAt: max(killAt, now + extra))
            }
        case .terminating, .down, .backoff:
            break
        }
        return actions
    }

    /// The main process was reaped with `status`.
    public mutating func exited(_ status: ProcessStatus, now: Instant, wallClock: Date) -> [Action] {
        let process: Process
        let intent: Intent?
        let readyFor = readySince.map { now - $0 }
        switch phase {
        case .starting(let running, _), .running(let running, _, _):
            (process, intent) = (running, nil)
        case .terminating(let running, let why, _):
            (process, intent) = (running, why)
        case .down, .backoff:
            return []
        }
        let uptime = now - process.spawnedAt
        var record = ExitRecord(cause: .exited, status: status, at: wallClock, uptime: uptime, detail: "")
        switch intent {
        case nil:
            if case .signaled = status { record.cause = .signal }
            record.detail = "\(status) after \(DurationText.format(uptime.rounded(to: .milliseconds(1))))"
        case .stop, .restart:
            record.cause = .requested
            record.detail = "stopped on request (\(status))"
        case .watchdog(let overrun):
            record.cause = .watchdog
            record.watchdogOverrun = overrun
            record.detail = "watchdog expired; ended by \(status)"
        case .startTimeout:
            record.cause = .startTimeout
            record.detail = "not ready within \(DurationText.format(spec.startTimeout)); ended by \(status)"
        case .memory(let bytes):
            record.cause = .oom
            record.detail = "resident memory \(ByteSize(bytes: bytes)) over the limit \(spec.memoryLimit.map(\.description) ?? "-")"
        }
        return finish(record, readyFor: readyFor, intent: intent, now: now)
    }

    /// Deadlines: start timeout, watchdog, and the SIGKILL that follows a SIGTERM or SIGABRT.
    public mutating func tick(now: Instant) -> [Action] {
        switch phase {
        case .starting(let process, let deadline) where now >= deadline:
            phase = .terminating(process, intent: .startTimeout, killAt: now + spec.stopTimeout)
            return [.signal(SIGTERM)]
        case .running(let process, _, let deadline?) where now >= deadline:
            return watchdogExpired(process, overrun: now - deadline, now: now)
        case .terminating(let process, let intent, let killAt?) where now >= killAt:
            phase = .terminating(process, intent: intent, killAt: nil)
            return [.killProcessGroup]
        case .backoff(let until) where now >= until:
            return [.spawn]
        default:
            return []
        }
    }

    /// A resident-memory sample; over the limit, the process group is killed at once.
    public mutating func memorySampled(residentBytes: UInt64, now: Instant) -> [Action] {
        guard let limit = spec.memoryLimit, residentBytes > limit.bytes else { return [] }
        switch phase {
        case .starting(let process, _), .running(let process, _, _):
            phase = .terminating(process, intent: .memory(residentBytes: residentBytes), killAt: nil)
            return [.killProcessGroup]
        default:
            return []
        }
    }

    /// The next instant at which `tick` has something to do.
    public var nextDeadline: Instant? {
        switch phase {
        case .starting(_, let deadline): deadline
        case .running(_, _, let deadline): deadline
        case .terminating(_, _, let killAt): killAt
        case .backoff(let until): until
        case .down: nil
        }
    }

    // MARK: Internals

    private mutating func countRestart(_ cause: ExitCause) {
        restarts += 1
        restartsByCause[cause, default: 0] += 1
    }

    private func watchdogDeadline(from now: Instant) -> Instant? {
        spec.watchdog > .zero ? now + spec.watchdog : nil
    }

    private mutating func watchdogExpired(_ process: Process, overrun: Duration, now: Instant) -> [Action] {
        watchdogTimeouts += 1
        phase = .terminating(process, intent: .watchdog(overrun: overrun), killAt: now + watchdogKillGrace)
        return [.signal(SIGABRT)]
    }

    private mutating func finish(_ record: ExitRecord, readyFor: Duration?, intent: Intent?, now: Instant) -> [Action] {
        lastExit = record
        let decision: Decision
        switch intent {
        case .stop?:
            decision = .stayDown("stopped on request")
        case .restart?:
            decision = .restartNow
        default:
            var random = SystemRandomNumberGenerator()
            switch policy.decide(
                cause: record.cause, status: record.status, readyFor: readyFor,
                consecutiveFailures: &consecutiveFailures, using: &random)
            {
            case .restart(let delay) where delay == .zero: decision = .restartNow
            case .restart(let delay): decision = .restartAfter(delay)
            case .stayDown(let why): decision = .stayDown(why)
            }
        }
        var actions: [Action] = [.exited(record, decision)]
        switch decision {
        case .restartNow:
            countRestart(record.cause)
            phase = .backoff(until: now)
            actions.append(.spawn)
        case .restartAfter(let delay):
            countRestart(record.cause)
            phase = .backoff(until: now + delay)
        case .stayDown(let why):
            phase = intent == .stop ? .down(.stoppedOnRequest) : .down(.failed(why))
        }
        return actions
    }
}

extension Duration {
    func rounded(to unit: Duration) -> Duration {
        let step = unit.nanoseconds
        return .nanoseconds((nanoseconds + step / 2) / step * step)
    }
}
