/// How the supervisor treats a child that has exited.
public enum RestartMode: String, Sendable, Hashable, Decodable, CaseIterable, ConfigExpectation {
    /// Restart after every exit, clean or not.
    case always
    /// Restart unless the child exited 0 on its own.
    case onFailure = "on-failure"
    /// Never restart.
    case never

    static let expectation = "one of always, on-failure, never"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let mode = RestartMode(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "expected \(Self.expectation), found '\(text)'"))
        }
        self = mode
    }
}

/// One child process of the supervisor, as configured under `children:`.
public struct ChildSpec: Sendable, Hashable, Decodable {
    /// Unique name: names the notify socket, the log lines and the metrics label.
    public var name: String
    /// Executable and leading arguments; nil means this binary with the child's name as its role.
    public var command: [String]?
    public var args: [String]
    public var env: [String: ConfigText]
    public var restart: RestartMode
    /// How long the child has to send READY=1 after it is spawned.
    public var startTimeout: Duration
    /// How long the child has to exit after SIGTERM before its process group is killed.
    public var stopTimeout: Duration
    /// Expected interval between WATCHDOG=1 pings once ready; zero turns the watchdog off.
    public var watchdog: Duration
    public var dependsOn: [String]
    /// Resident memory above which the child is killed and restarted (reason `oom`).
    public var memoryLimit: ByteSize?

    public init(
        name: String, command: [String]? = nil, args: [String] = [], env: [String: ConfigText] = [:],
        restart: RestartMode = .always, startTimeout: Duration = .seconds(30), stopTimeout: Duration = .seconds(10),
        watchdog: Duration = .seconds(10), dependsOn: [String] = [], memoryLimit: ByteSize? = nil
    ) {
        self.name = name
        self.command = command
        self.args = args
        self.env = env
        self.restart = restart
        self.startTimeout = startTimeout
        self.stopTimeout = stopTimeout
        self.watchdog = watchdog
        self.dependsOn = dependsOn
        self.memoryLimit = memoryLimit
    }

    static let keys = [
        "name", "command", "args", "env", "restart", "start_timeout", "stop_timeout", "watchdog", "depends_on",
        "memory_limit",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = ChildSpec(name: "")
        self.init(
            name: fields.read("name", default: ""),
            command: fields.read("command"),
            args: fields.read("args", default: []),
            env: fields.textMap("env"),
            restart: fields.read("restart", default: defaults.restart),
            startTimeout: fields.duration("start_timeout", default: defaults.startTimeout),
            stopTimeout: fields.duration("stop_timeout", default: defaults.stopTimeout),
            watchdog: fields.duration("watchdog", default: defaults.watchdog),
            dependsOn: fields.read("depends_on", default: []),
            memoryLimit: fields.read("memory_limit"))
        if name.isEmpty { fields.problem("every child needs a name", at: "name") }
        if command == nil, !name.isEmpty, !Self.builtinRoles.contains(name) {
            fields.problem(
                "child '\(name)' has no command and is not a built-in role (\(Self.builtinRoles.sorted().joined(separator: ", "))); set command",
                at: "name")
        }
        if let command, command.first?.isEmpty ?? true {
            fields.problem("expected a non-empty list whose first item is the executable", at: "command")
        }
        if startTimeout <= .zero { fields.problem("must be greater than 0s", at: "start_timeout") }
        if stopTimeout <= .zero { fields.problem("must be greater than 0s", at: "stop_timeout") }
        if watchdog < .zero { fields.problem("must be 0s (off) or positive", at: "watchdog") }
        for key in env.keys where key.isEmpty || key.contains("=") {
            fields.problem("'\(key)' is not a valid environment variable name", at: "env")
        }
    }

    /// Roles of the `warden` binary itself: a child named after one needs no `command`.
    public static let builtinRoles: Set<String> = ["engine", "api"]

    /// The children Warden runs when `children:` is not set: the engine, and the API once the engine is ready.
    public static let defaults: [ChildSpec] = [
        ChildSpec(name: "engine", memoryLimit: ByteSize(bytes: 1 << 30)),
        ChildSpec(name: "api", dependsOn: ["engine"], memoryLimit: ByteSize(bytes: 512 << 20)),
    ]
}

extension ByteSize: Decodable, ConfigExpectation {
    static let expectation = "a size such as 512MiB, 2GiB or a number of bytes"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bytes = try? container.decode(UInt64.self) {
            self.init(bytes: bytes)
            return
        }
        let text = try container.decode(String.self)
        guard let size = ByteSize(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "expected \(Self.expectation), found '\(text)'"))
        }
        self = size
    }
}
