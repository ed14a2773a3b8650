import ArgumentParser
import Foundation
import Logging
import Operations
import Storage
import WardenCore

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The database: schema migrations and status (SQLite by default, PostgreSQL by database.url).",
        subcommands: [Migrate.self, Status.self, Maintain.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending schema migrations (also done by `warden supervise` at start-up); idempotent.",
            discussion: "A database written by a newer Warden is refused (exit 78).")
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Say what would be applied, change nothing; exit 78 for a database written by a newer Warden (as `warden deploy` checks a new binary).")
        var dryRun = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            if dryRun {
                let report: MigrationReport
                do {
                    report = try await migrator(options).status()
                    try Migrator.refuseNewer(report.version, location: migrator(options).location)
                } catch let error as WardenError {
                    throw fail(error)
                }
                try print(report, json: json) {
                    $0.version == $0.latest
                        ? "\($0.location): schema is current (version \($0.version)); nothing to apply"
                        : "\($0.location): would apply \(((($0.version + 1)...$0.latest).map(String.init)).joined(separator: ", ")); schema version \($0.version) of \($0.latest)"
                }
                return
            }
            let report = try await migrator(options).migrateOrFail()
            try print(report, json: json) {
                $0.applied.isEmpty
                    ? "\($0.location): schema is current (version \($0.version))"
                    : "\($0.location): applied \($0.applied.map(String.init).joined(separator: ", ")); schema version \($0.version)"
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The schema version and whether migrations are pending.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let database = try migrator(options)
            let report: MigrationReport
            do {
                report = try await database.status()
            } catch {
                throw fail(error)
            }
            try print(report, json: json) {
                "\($0.location): \($0.engine), schema version \($0.version) of \($0.latest)"
                    + ($0.version < $0.latest ? " (\($0.latest - $0.version) pending: run `warden db migrate`)" : "")
            }
        }
    }
}

extension DB {
    struct Maintain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Routine database care; exit 1 when it finds a problem.",
            discussion: """
                SQLite: PRAGMA optimize, WAL checkpoint, incremental vacuum past 20% free pages, quick_check. \
                PostgreSQL: VACUUM (ANALYZE) of tables over 20% dead tuples whose last autovacuum is older than a day, \
                monthly partitions of candles and fills created three months ahead (after checking the default \
                partition holds none of that month), and long transactions and lock waits reported.
                """)
        @Flag(name: .customLong("dry-run"), help: "Show what would be done; change nothing.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let database = try migrator(options)
            let logger = database.logger
            let report: MaintenanceReport
            do {
                if !dryRun { _ = try await database.migrate() }
                switch database.location {
                case .sqlite(let path):
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw WardenError(.usage, "no database yet; run `warden db migrate`", location: path)
                    }
                    report = try await SQLiteMaintenance(path: path).run(dryRun: dryRun)
                case .postgres(let settings):
                    let dryRun = self.dryRun
                    let retention = try options.loadConfiguration().database.partitionRetentionMonths
                    report = try await settings.withClient(logger: logger) { client in
                        try await PostgresMaintenance(client: client, logger: logger, partitionRetentionMonths: retention).run(dryRun: dryRun)
                    }
                }
            } catch let error as WardenError {
                throw fail(error)
            } catch {
                throw fail(WardenError(.runtime, "maintenance failed: \(String(reflecting: error))", location: "\(database.location)"))
            }
            if json {
                try printJSON(report)
            } else {
                Swift.print("\(database.location)\(dryRun ? " (dry run)" : ""):")
                for task in report.tasks { Swift.print("  \(task.outcome.padding(toLength: 9, withPad: " ", startingAt: 0)) \(task.name): \(task.detail)") }
                for finding in report.findings { Swift.print("  finding   \(finding)") }
            }
            if report.hasProblems { throw ExitCode(1) }
        }
    }
}

private func migrator(_ options: CommonOptions) throws -> Migrator {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    do {
        let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
        if case .sqlite(let path) = location {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        return Migrator(location: location, wardenVersion: Warden.version, logger: Logger(label: "warden.database"))
    } catch let error as WardenError {
        throw fail(error)
    } catch {
        throw fail(WardenError(.configuration, "cannot create the state directory: \(error.localizedDescription)"))
    }
}

extension Migrator {
    /// Migrates, or prints the error and exits with its status.
    func migrateOrFail() async throws -> MigrationReport {
        do {
            return try await migrate()
        } catch {
            throw fail(error)
        }
    }
}

private func print(_ report: MigrationReport, json: Bool, text: (MigrationReport) -> String) throws {
    if json {
        try printJSON(report)
    } else {
        Swift.print(text(report))
    }
}
