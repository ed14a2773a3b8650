import ArgumentParser
import Deploy
import Foundation
import Logging
import Runbooks
import Storage
import Synchronization
import WardenCore
import WardenProtocol

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a new binary with pre-checks, an atomic swap, a restart through systemd, post-checks and automatic rollback.",
        subcommands: [Run.self, History.self, Rollback.self], defaultSubcommand: Run.self)

    struct Target: ParsableArguments {
        @Option(help: ArgumentHelp("The install prefix (releases in PREFIX/lib/warden/releases, PREFIX/bin/warden the live one).", valueName: "dir"))
        var prefix = "/usr/local"
        @Option(help: "The systemd unit.") var unit = "warden"
        @Flag(help: "The unit is a user manager's (systemctl --user).") var user = false
        @Option(help: ArgumentHelp("How long the restarted service has to send READY=1 and pass /readyz.", valueName: "duration"))
        var readyTimeout = "90s"
        @Option(help: ArgumentHelp("After READY, how long no new critical alert may fire.", valueName: "duration")) var settle = "60s"

        func durations() throws -> (ready: Duration, settle: Duration) {
            guard let ready = DurationText.parse(readyTimeout) else { throw fail(WardenError(.usage, "--ready-timeout '\(readyTimeout)' is not a duration such as 90s")) }
            guard let settle = DurationText.parse(settle) else { throw fail(WardenError(.usage, "--settle '\(settle)' is not a duration such as 60s")) }
            return (ready, settle)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Deploy NEW_BINARY (the default subcommand: `warden deploy NEW_BINARY`).",
            discussion: "Exit 0 when promoted (or a dry run passed), 1 when refused or rolled back, 2 when the rollback failed too.")
        @Argument(help: "The new warden binary.") var binary: String
        @OptionGroup var target: Target
        @OptionGroup var options: CommonOptions
        @Flag(help: "Run the pre-checks only.") var dryRun = false
        @Flag(help: "Deploy a release that migrates the database schema (a swap cannot roll it back; a failure stops for the backup to be restored).")
        var allowMigration = false
        @Option(help: "Who deploys (recorded).") var by = NSUserName()

        func run() async throws {
            let context = try DeployContext(target: target, options: options)
            let path = binary.hasPrefix("/") ? binary : FileManager.default.currentDirectoryPath + "/" + binary
            var deployer = context.deployer()
            deployer.allowMigration = allowMigration
            let record = try await guardedDeploy { try await deployer.deploy(path, configArguments: context.arguments, dryRun: dryRun, actor: by) }
            try await context.finish(record)
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Go back to the release that served before the last deploy, checked as a deploy is.")
        @OptionGroup var target: Target
        @OptionGroup var options: CommonOptions
        @Option(help: "Who rolls back (recorded).") var by = NSUserName()

        func run() async throws {
            let context = try DeployContext(target: target, options: options)
            let history = try await context.history()
            // The release before the last promotion; never a toggle back to what a rollback left.
            guard let last = history.first(where: { $0.outcome == .promoted }), let previous = last.from else {
                throw fail(WardenError(.usage, "no promoted deploy with a previous release to go back to (see `warden deploy history`)"))
            }
            guard Releases(prefix: target.prefix).current() != previous else {
                throw fail(WardenError(.usage, "\(previous), the release before the last deploy, is already serving"))
            }
            let record = try await guardedDeploy { try await context.deployer().rollback(to: previous, actor: by) }
            try await context.finish(record)
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deploys and rollbacks, newest first.")
        @OptionGroup var target: Target
        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let history = try await DeployContext(target: target, options: options).history()
            if json { try printJSON(history); return }
            for entry in history {
                let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(entry.startedAt) / 1000))
                print("\(when)  \(entry.outcome.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(entry.from ?? "none") → \(entry.to) by \(entry.actor)\(entry.reason.map { ": \($0)" } ?? "")")
            }
        }
    }
}

/// The parts of a deploy the CLI provides: paths, the host's commands, the record.
struct DeployContext {
    let target: DeployCommand.Target
    let configuration: WardenConfiguration
    let location: DatabaseLocation
    /// What the new binary's checks get: the same configuration and directories as this command.
    let arguments: [String]
    let host: SystemdDeployHost
    let durations: (ready: Duration, settle: Duration)

    init(target: DeployCommand.Target, options: CommonOptions) throws {
        self.target = target
        configuration = try options.loadConfiguration()
        let directories = options.directories(for: configuration)
        do {
            location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
        } catch {
            throw fail(error)
        }
        var arguments = ["--state-dir", directories.state, "--runtime-dir", directories.runtime]
        if let config = options.configPath { arguments += ["--config", config.hasPrefix("/") ? config : FileManager.default.currentDirectoryPath + "/" + config] }
        self.arguments = arguments
        durations = try target.durations()
        // Run as root against a state directory the service owns, the backup would leave files the
        // service cannot later prune or replace.
        var info = stat()
        if geteuid() == 0, stat(directories.state, &info) == 0, info.st_uid != 0 {
            throw fail(WardenError(.usage, "run deploy as the service's user (sudo -u warden …): the state directory belongs to uid \(info.st_uid)", location: directories.state))
        }
        host = SystemdDeployHost(
            unit: target.unit, user: target.user, arguments: arguments, readyz: "http://\(configuration.supervisor.listen)/readyz", location: location)
    }

    func deployer() -> Deployer {
        Deployer(
            releases: Releases(prefix: target.prefix), host: host, readyTimeout: durations.ready, settle: durations.settle,
            onCheck: { check in print("  \(check.ok ? "ok  " : "FAIL") \(check.name)\(check.ok ? "" : ": \(check.detail.split(separator: "\n").last ?? "")")") })
    }

    func history() async throws -> [DeploymentRecord] {
        do {
            return try await DatabaseHandle.with(location, logger: Logger(label: "warden.cli")) { handle in
                try await DeploymentLog(handle: handle, logger: Logger(label: "warden.cli")).history()
            }
        } catch {
            throw fail(WardenError(.runtime, "cannot read the deployments: \(error)", location: "\(location)"))
        }
    }

    func finish(_ record: DeploymentRecord) async throws {
        do {
            try await DatabaseHandle.with(location, logger: Logger(label: "warden.cli")) { handle in
                try await DeploymentLog(handle: handle, logger: Logger(label: "warden.cli")).record(record)
            }
        } catch {
            printError("warden: the deployment was not recorded in the database: \(error)")
        }
        print("\(record.outcome.rawValue): \(record.from ?? "none") → \(record.to)\(record.reason.map { " (\($0))" } ?? "")")
        switch record.outcome {
        case .promoted, .dryRun, .reverted: return
        case .refused, .rolledBack: throw ExitCode(1)
        case .failed:
            printError("warden: CRITICAL: the rollback failed too; check `systemctl status \(target.unit)` now")
            throw ExitCode(2)
        }
    }
}

/// The host as a deploy sees it: processes, systemctl, /readyz, the alert history.
final class SystemdDeployHost: DeployHost {
    let unit: String
    let user: Bool
    let arguments: [String]
    let readyz: String
    let location: DatabaseLocation
    private let previousInvocation = Mutex<String?>(nil)

    init(unit: String, user: Bool, arguments: [String], readyz: String, location: DatabaseLocation) {
        self.unit = unit
        self.user = user
        self.arguments = arguments
        self.readyz = readyz
        self.location = location
    }

    func run(_ binary: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        await ProcessStepRunner.launch(binary, arguments, environment: ProcessInfo.processInfo.environment)
    }

    func systemctl(_ arguments: [String]) async -> (status: Int32, output: String) {
        await run("/bin/systemctl", (user ? ["--user"] : []) + arguments)
    }

    func backup() async -> (ok: Bool, detail: String) {
        let (status, output) = await run(ProcessStepRunner.currentExecutable, ["backup", "create", "--verify"] + arguments)
        return (status == 0, output)
    }

    func restart() async -> (ok: Bool, detail: String) {
        // The invocation before the restart: only a new one that is active has reached READY
        // (right after `--no-block` the old one may still be shown active).
        guard let before = await properties()["InvocationID"] else {
            return (false, "cannot read the unit's state (systemctl show \(unit))")
        }
        previousInvocation.withLock { $0 = before }
        let (status, output) = await systemctl(["restart", "--no-block", unit])
        return (status == 0, output.isEmpty ? "systemctl restart \(unit)" : output)
    }

    func unitReady() async -> (ready: Bool?, detail: String) {
        let fields = await properties()
        let detail = "ActiveState=\(fields["ActiveState"] ?? "?") SubState=\(fields["SubState"] ?? "?") Result=\(fields["Result"] ?? "?")"
        let fresh = fields["InvocationID"].map { !$0.isEmpty && $0 != previousInvocation.withLock { $0 } } ?? false
        switch fields["ActiveState"] {
        case "active" where fresh: return (true, detail)
        case "failed" where fresh: return (false, detail)
        default: return (nil, detail)
        }
    }

    func properties() async -> [String: String] {
        let (_, output) = await systemctl(["show", unit, "-p", "ActiveState", "-p", "SubState", "-p", "Result", "-p", "InvocationID"])
        return Dictionary(output.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }, uniquingKeysWith: { a, _ in a })
    }

    func readyz() async -> (ok: Bool, detail: String) {
        do {
            _ = try await MetricsScrape.fetch(readyz)
            return (true, "200")
        } catch {
            return (false, "\(error)")
        }
    }

    func criticalAlerts(since time: Int64) async -> [String] {
        do {
            let alerts = try await AlertingSetup.withStore(location) { store in try await store.alerts(states: ["firing"]) }
            return alerts.filter { $0.labels["severity"] == "critical" && ($0.firedAt ?? $0.startsAt) >= time }.map(\.name)
        } catch {
            // Not knowing is not "none": the settle check fails closed.
            return ["(the alert history cannot be read: \(error))"]
        }
    }
}

private func guardedDeploy(_ body: () async throws -> DeploymentRecord) async throws -> DeploymentRecord {
    do {
        return try await body()
    } catch let error as WardenError {
        throw fail(error)
    }
}
