import Alerting
import Logging
import ArgumentParser
import Foundation
import Storage
import WardenCore

/// What the supervisor's alerting needs from the configuration, loaded before anything starts so
/// a bad route, receiver, matcher or rule stops the start with exit 78.
struct AlertingSetup {
    var config: AlertingConfig
    var groups: [RuleGroup]

    static func load(configPath: String?) throws -> AlertingSetup {
        do {
            let config = try AlertingConfig.load(path: configPath)
            let groups = config.ruleFiles.isEmpty ? RuleFile.defaultGroups() : try RuleFile.load(config.ruleFiles)
            return AlertingSetup(config: config, groups: groups.map { $0.rebasingRunbooks(to: config.runbookBaseURL).withoutExternalOnly() })
        } catch {
            // Loading throws only ConfigurationError (typed throws).
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(WardenError.Code.configuration.exitStatus)
        }
    }

    /// The `instance` label Prometheus would give this supervisor: host name and metrics port.
    static func instance(_ listen: ListenAddress) -> String {
        "\(ProcessInfo.processInfo.hostName):\(listen.port)"
    }

    /// Runs `body` with the alert store of the configured database (PostgreSQL's pool running meanwhile).
    static func withStore<T: Sendable>(_ location: DatabaseLocation, _ body: @escaping @Sendable (any AlertStore) async throws -> T) async throws -> T {
        try await DatabaseHandle.with(location, logger: Logger(label: "warden.cli")) { handle in try await body(handle.alertStore()) }
    }
}
