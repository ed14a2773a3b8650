import Foundation

/// Where Warden keeps state (database, backups) and runtime files (sockets), after flags, the file,
/// systemd's StateDirectory=/RuntimeDirectory= and per-user defaults have had their say, in that order.
public struct Directories: Sendable, Hashable {
    public var state: String
    public var runtime: String

    public init(state: String, runtime: String) {
        self.state = state
        self.runtime = runtime
    }

    public init(
        settings: SupervisorSettings, stateOverride: String? = nil, runtimeOverride: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let isRoot = geteuid() == 0
        let home = environment["HOME"] ?? NSHomeDirectory()
        let state = stateOverride ?? settings.stateDirectory
            ?? environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
            ?? environment["WARDEN_STATE_DIR"]
            ?? (isRoot ? "/var/lib/warden" : (environment["XDG_STATE_HOME"] ?? home + "/.local/state") + "/warden")
        let runtime = runtimeOverride ?? settings.runtimeDirectory
            ?? environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init)
            ?? environment["WARDEN_RUNTIME_DIR"]
            ?? (isRoot ? "/run/warden" : (environment["XDG_RUNTIME_DIR"] ?? NSTemporaryDirectory()) + "/warden")
        self.init(state: state, runtime: runtime)
    }

    /// The supervisor's control socket, used by `warden ctl` and the API worker.
    public var controlSocket: String { runtime + "/control.sock" }
    /// Where a worker serves /healthz (and, later, /metrics) to the supervisor.
    public func workerSocket(_ child: String) -> String { runtime + "/\(child).sock" }
    /// The notify socket the supervisor offers one child.
    public func notifySocket(_ child: String) -> String { runtime + "/notify/\(child).sock" }
}
