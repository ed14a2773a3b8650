/// The supervisor's own settings, under `supervisor:`.
public struct SupervisorSettings: Sendable, Hashable, Decodable {
    /// HTTP address for /metrics, /healthz and /readyz.
    public var listen: ListenAddress
    /// Database and backups; nil means systemd's $STATE_DIRECTORY, else a per-user default.
    public var stateDirectory: String?
    /// Notify and control sockets; nil means systemd's $RUNTIME_DIRECTORY, else a per-user default.
    public var runtimeDirectory: String?
    /// Give up (stop everything, exit non-zero) after more than `maxRestarts` within `restartWindow`.
    public var maxRestarts: Int
    public var restartWindow: Duration
    public var backoff: BackoffSettings
    /// Between SIGABRT for a missed watchdog and SIGKILL of the child's process group.
    public var watchdogKillGrace: Duration

    public static let defaultListen = ListenAddress(host: "127.0.0.1", port: 9847)

    public init(
        listen: ListenAddress = Self.defaultListen, stateDirectory: String? = nil, runtimeDirectory: String? = nil,
        maxRestarts: Int = 10, restartWindow: Duration = .seconds(60), backoff: BackoffSettings = BackoffSettings(),
        watchdogKillGrace: Duration = .seconds(5)
    ) {
        self.listen = listen
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
        self.maxRestarts = maxRestarts
        self.restartWindow = restartWindow
        self.backoff = backoff
        self.watchdogKillGrace = watchdogKillGrace
    }

    static let keys = [
        "listen", "state_dir", "runtime_dir", "max_restarts", "restart_window", "backoff", "watchdog_kill_grace",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = SupervisorSettings()
        self.init(
            listen: fields.read("listen", default: defaults.listen),
            stateDirectory: fields.read("state_dir"),
            runtimeDirectory: fields.read("runtime_dir"),
            maxRestarts: fields.read("max_restarts", default: defaults.maxRestarts),
            restartWindow: fields.duration("restart_window", default: defaults.restartWindow),
            backoff: fields.read("backoff", default: defaults.backoff),
            watchdogKillGrace: fields.duration("watchdog_kill_grace", default: defaults.watchdogKillGrace))
        if maxRestarts < 0 { fields.problem("must be 0 or more", at: "max_restarts") }
        if restartWindow <= .zero { fields.problem("must be greater than 0s", at: "restart_window") }
        if watchdogKillGrace <= .zero { fields.problem("must be greater than 0s", at: "watchdog_kill_grace") }
        for key in ["state_dir", "runtime_dir"] {
            if let path: String = fields.read(key), !path.hasPrefix("/") {
                fields.problem("expected an absolute path, found '\(path)'", at: key)
            }
        }
    }
}

/// Delay before restarting a child: the first restart is immediate, then `initial × multiplier^n`
/// capped at `max`, each spread by ±`jitter`. A child that stays up `reset_after` starts over.
public struct BackoffSettings: Sendable, Hashable, Decodable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Double
    /// Fraction of the delay by which it is randomly spread (0.2 = ±20%), so crashing peers do not align.
    public var jitter: Double
    public var resetAfter: Duration

    public init(
        initial: Duration = .milliseconds(500), max: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 0.2, resetAfter: Duration = .seconds(60)
    ) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    static let keys = ["initial", "max", "multiplier", "jitter", "reset_after"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = BackoffSettings()
        self.init(
            initial: fields.duration("initial", default: defaults.initial),
            max: fields.duration("max", default: defaults.max),
            multiplier: fields.read("multiplier", default: defaults.multiplier),
            jitter: fields.read("jitter", default: defaults.jitter),
            resetAfter: fields.duration("reset_after", default: defaults.resetAfter))
        if initial < .zero { fields.problem("must not be negative", at: "initial") }
        if max < initial { fields.problem("must be at least backoff.initial (\(DurationText.format(initial)))", at: "max") }
        if multiplier < 1 { fields.problem("must be 1 or more", at: "multiplier") }
        if !(0...1).contains(jitter) { fields.problem("must be between 0 and 1", at: "jitter") }
        if resetAfter < .zero { fields.problem("must not be negative", at: "reset_after") }
    }
}

extension ListenAddress: Decodable, ConfigExpectation {
    static let expectation = "HOST:PORT such as 127.0.0.1:9847"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = ListenAddress(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "expected \(Self.expectation), found '\(text)'"))
        }
        self = address
    }
}
