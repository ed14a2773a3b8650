import Foundation

/// How a process ended, decoded from a wait(2) status.
public enum ProcessStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32, coreDumped: Bool)

    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .signaled(signal: signal, coreDumped: status & 0x80 != 0)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal, let core): return "signal \(SignalName.of(signal))\(core ? " (core dumped)" : "")"
        }
    }
}

/// Why a child is no longer running, as recorded for `warden ctl status` and metrics.
public enum ExitCause: String, Sendable, Hashable, Codable, CaseIterable {
    /// It exited on its own with a status code.
    case exited = "exit_code"
    /// A signal Warden did not send ended it.
    case signal
    /// It missed its watchdog deadline or sent WATCHDOG=trigger.
    case watchdog
    /// It did not send READY=1 within its start timeout.
    case startTimeout = "start_timeout"
    /// Its resident memory passed its limit.
    case oom
    /// It was started but exec failed.
    case spawnFailed = "spawn_failed"
    /// An operator or the supervisor asked it to stop or restart.
    case requested
}

/// One exit of a child, with enough detail to explain it to an operator.
public struct ExitRecord: Sendable, Hashable {
    public var cause: ExitCause
    public var status: ProcessStatus?
    public var at: Date
    /// From spawn to exit.
    public var uptime: Duration
    /// For watchdog exits: how long after the deadline the supervisor acted.
    public var watchdogOverrun: Duration?
    public var detail: String

    public init(
        cause: ExitCause, status: ProcessStatus?, at: Date, uptime: Duration, watchdogOverrun: Duration? = nil,
        detail: String
    ) {
        self.cause = cause
        self.status = status
        self.at = at
        self.uptime = uptime
        self.watchdogOverrun = watchdogOverrun
        self.detail = detail
    }
}

/// Signal names for messages (`SIGKILL` reads better than `9`).
public enum SignalName {
    public static func of(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGQUIT: return "SIGQUIT"
        case SIGILL: return "SIGILL"
        case SIGTRAP: return "SIGTRAP"
        case SIGABRT: return "SIGABRT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGPIPE: return "SIGPIPE"
        case SIGALRM: return "SIGALRM"
        case SIGTERM: return "SIGTERM"
        case SIGUSR1: return "SIGUSR1"
        case SIGUSR2: return "SIGUSR2"
        default: return "signal \(signal)"
        }
    }
}
