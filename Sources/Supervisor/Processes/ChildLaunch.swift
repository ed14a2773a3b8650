import Foundation
import Systemd
import WardenCore

/// Turns a child spec into the exact executable, arguments and environment to exec.
public struct ChildLaunch: Sendable {
    /// This binary, for children without a `command` (they run `warden <role>`).
    public var selfExecutable: String
    public var directories: Directories
    public var configPath: String?
    /// The supervisor's own environment, before the variables systemd meant for it alone are removed.
    public var environment: [String: String]

    public init(selfExecutable: String, directories: Directories, configPath: String?, environment: [String: String]) {
        self.selfExecutable = selfExecutable
        self.directories = directories
        self.configPath = configPath
        self.environment = environment
    }

    public func request(for spec: ChildSpec) -> SpawnRequest {
        let command = spec.command ?? [selfExecutable, spec.name]
        var env = environment.filter { !SystemdNotifier.privateVariables.contains($0.key) }
        env["NOTIFY_SOCKET"] = directories.notifySocket(spec.name)
        if spec.watchdog > .zero { env["WATCHDOG_USEC"] = String(spec.watchdog.microseconds) }
        env["WARDEN_CHILD_NAME"] = spec.name
        env["WARDEN_RUNTIME_DIR"] = directories.runtime
        env["WARDEN_STATE_DIR"] = directories.state
        if let configPath { env["WARDEN_CONFIG"] = configPath }
        for (key, value) in spec.env { env[key] = value.value }
        return SpawnRequest(
            executable: Self.resolve(command[0], path: env["PATH"]),
            arguments: Array(command.dropFirst()) + spec.args, environment: env)
    }

    /// `warden <arguments>` for a scheduled job, with the supervisor's directories and configuration.
    public func request(forJob arguments: [String]) -> SpawnRequest {
        var env = environment.filter { !SystemdNotifier.privateVariables.contains($0.key) && $0.key != "NOTIFY_SOCKET" }
        env["WARDEN_STATE_DIR"] = directories.state
        env["WARDEN_RUNTIME_DIR"] = directories.runtime
        var arguments = arguments + ["--state-dir", directories.state, "--runtime-dir", directories.runtime]
        if let configPath { arguments += ["--config", configPath] }
        return SpawnRequest(executable: selfExecutable, arguments: arguments, environment: env)
    }

    /// A bare command name is looked up in PATH, as a shell would.
    static func resolve(_ command: String, path: String?) -> String {
        guard !command.contains("/") else { return command }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return command
    }

    /// The path of the running executable, for children that run `warden <role>`.
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
