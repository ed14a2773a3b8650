import ArgumentParser
import Foundation
import WardenCore

/// `--config`, `--state-dir` and `--runtime-dir`, taken the same way by every subcommand that
/// reads configuration or state.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "YAML configuration file (default: $WARDEN_CONFIG, else the embedded defaults).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Database and backups (default: supervisor.state_dir, $STATE_DIRECTORY, /var/lib/warden for root).",
        valueName: "dir"))
    var stateDirectory: String?

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp(
        "Sockets (default: supervisor.runtime_dir, $RUNTIME_DIRECTORY, /run/warden for root).", valueName: "dir"))
    var runtimeDirectory: String?

    @Option(name: .customLong("env"), help: ArgumentHelp(
        "Environment: dev, staging or prod; lays warden.<env>.yml over the configuration and checks its guards (default: $WARDEN_ENV).",
        valueName: "name"))
    var environment: String?

    @Option(name: .customLong("log-format"), help: ArgumentHelp(
        "Log lines as text or json (default: logging.format, auto: text on a terminal, JSON otherwise).", valueName: "text|json"))
    var logFormat: LoggingSettings.Format?

    /// `--env` becomes `WARDEN_ENV`, so every load in this process and every child it starts
    /// (workers, jobs, runbook steps) sees the same environment.
    func validate() throws {
        if let environment { setenv("WARDEN_ENV", environment, 1) }
    }

    var configPath: String? {
        config ?? ProcessInfo.processInfo.environment["WARDEN_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The configuration, or exit 78 with one line per problem.
    func loadConfiguration() throws -> WardenConfiguration {
        do {
            var configuration = try ConfigurationLoader().load(path: configPath)
            // This process only: workers always write JSON lines to the supervisor, which shows them its way.
            if let logFormat { configuration.logging.format = logFormat }
            return configuration
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(WardenError.Code.configuration.exitStatus)
        }
    }

    func directories(for configuration: WardenConfiguration) -> Directories {
        Directories(
            settings: configuration.supervisor, stateOverride: stateDirectory.map(absolute),
            runtimeOverride: runtimeDirectory.map(absolute))
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// One line on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}

/// Prints a Warden error the way operators read it and gives the exit status it maps to.
func fail(_ error: WardenError) -> ExitCode {
    printError("warden: \(error)")
    return ExitCode(error.code.exitStatus)
}

/// Pretty, sorted JSON on stdout, as every `--json` flag prints it.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

extension LoggingSettings.Format: ExpressibleByArgument {}
