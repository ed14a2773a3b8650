import Alerting
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
            return AlertingSetup(config: config, groups: groups)
        } catch let error as ConfigurationError {
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
        let store = try store(location)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await store.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// The alert store in the database Warden uses.
    static func store(_ location: DatabaseLocation) throws -> any AlertStore {
        switch location {
        case .sqlite(let path): return try SQLiteAlertStore(path: path)
        case .postgres(let postgres): return PostgresAlertStore(postgres)
        }
    }
}
