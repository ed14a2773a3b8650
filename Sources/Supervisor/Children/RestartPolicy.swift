import Resilience
import WardenCore

/// Decides, after a child exits unasked, whether and when it starts again.
public struct RestartPolicy: Sendable {
    public enum Decision: Sendable, Equatable {
        case restart(after: Duration)
        case stayDown(String)
    }

    public var mode: RestartMode
    public var backoff: ExponentialBackoff
    /// A child that was ready at least this long before it exited starts its backoff over.
    public var resetAfter: Duration

    /// sysexits' EX_CONFIG: the child says its configuration is wrong, so a restart cannot help.
    public static let configurationErrorStatus: Int32 = 78

    public init(mode: RestartMode, backoff: ExponentialBackoff, resetAfter: Duration) {
        self.mode = mode
        self.backoff = backoff
        self.resetAfter = resetAfter
    }

    public init(spec: ChildSpec, settings: BackoffSettings) {
        self.init(
            mode: spec.restart,
            backoff: ExponentialBackoff(
                initial: settings.initial, max: settings.max, multiplier: settings.multiplier, jitter: settings.jitter),
            resetAfter: settings.resetAfter)
    }

    /// - Parameters:
    ///   - readyFor: how long the child had been ready when it exited (nil if it never was).
    ///   - consecutiveFailures: failures since the child last ran stably; updated here.
    public func decide(
        cause: ExitCause, status: ProcessStatus?, readyFor: Duration?, consecutiveFailures: inout Int,
        using random: inout some RandomNumberGenerator
    ) -> Decision {
        if status == .exited(code: Self.configurationErrorStatus) {
            return .stayDown("exited with status 78 (configuration error); fix the configuration, then `warden ctl start`")
        }
        switch mode {
        case .never:
            return .stayDown("restart: never")
        case .onFailure where cause == .exited && status == .exited(code: 0):
            return .stayDown("exited cleanly (restart: on-failure)")
        case .always, .onFailure:
            break
        }
        if let readyFor, readyFor >= resetAfter { consecutiveFailures = 0 }
        consecutiveFailures += 1
        // The first restart after a stable run is immediate; repeated failures back off.
        let delay = consecutiveFailures == 1 ? Duration.zero : backoff.delay(forRetry: consecutiveFailures - 1, using: &random)
        return .restart(after: delay)
    }
}

/// OTP's restart intensity: more than `maxRestarts` restarts within `window` means restarting is
/// not helping, and the supervisor should give up so that systemd's own policy takes over.
public struct RestartIntensity: Sendable {
    public var maxRestarts: Int
    public var window: Duration
    private var recent: [ContinuousClock.Instant] = []

    public init(maxRestarts: Int, window: Duration) {
        self.maxRestarts = maxRestarts
        self.window = window
    }

    /// Records a restart; false when the intensity has been exceeded.
    public mutating func recordRestart(at now: ContinuousClock.Instant) -> Bool {
        recent.removeAll { now - $0 >= window }
        recent.append(now)
        return recent.count <= maxRestarts
    }

    /// Restarts counted in the current window.
    public var count: Int { recent.count }
}
