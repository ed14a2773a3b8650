import Foundation
import GRDB
import Logging
import NIOSSL
import PostgresNIO
import WardenCore

/// What a migration run did.
public struct MigrationReport: Sendable, Equatable, Codable {
    public var engine: String
    public var location: String
    /// Versions applied by this run, in order (empty when the schema was already current).
    public var applied: [Int]
    public var version: Int
    public var latest: Int
}

/// Applies `Schema.migrations` to a database and reports its state; refuses a database written
/// by a newer build.
public struct Migrator: Sendable {
    public var location: DatabaseLocation
    public var wardenVersion: String
    public var logger: Logger

    public init(location: DatabaseLocation, wardenVersion: String, logger: Logger) {
        self.location = location
        self.wardenVersion = wardenVersion
        self.logger = logger
    }

    /// Brings the schema to `Schema.latestVersion`; running it again changes nothing.
    public func migrate() async throws(WardenError) -> MigrationReport {
        try await run(apply: true)
    }

    /// The schema version and what is pending, without changing anything.
    public func status() async throws(WardenError) -> MigrationReport {
        try await run(apply: false)
    }

    private func run(apply: Bool) async throws(WardenError) -> MigrationReport {
        do {
            switch location {
            case .sqlite(let path):
                return try await SQLiteSchema(path: path, wardenVersion: wardenVersion).run(apply: apply, location: location)
            case .postgres(let settings):
                return try await PostgresSchema(settings: settings, wardenVersion: wardenVersion, logger: logger)
                    .run(apply: apply, location: location)
            }
        } catch let error as WardenError {
            throw error
        } catch {
            throw WardenError(.runtime, "database error: \(String(reflecting: error))", location: "\(location)", underlying: error)
        }
    }

    public static func refuseNewer(_ current: Int, location: DatabaseLocation) throws(WardenError) {
        guard current <= Schema.latestVersion else {
            throw WardenError(
                .configuration,
                "database schema version \(current) was written by a newer Warden (this build knows up to \(Schema.latestVersion)); run that version or restore a backup",
                location: "\(location)")
        }
    }
}

/// The SQLite side: one file in WAL mode, each migration in one write transaction.
struct SQLiteSchema {
    var path: String
    var wardenVersion: String

    func run(apply: Bool, location: DatabaseLocation) async throws -> MigrationReport {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        if !apply && !FileManager.default.fileExists(atPath: path) {
            return MigrationReport(engine: "sqlite", location: "\(location)", applied: [], version: 0, latest: Schema.latestVersion)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        defer { try? pool.close() }
        let current = try await pool.read { db in
            try db.tableExists("schema_migrations") ? (try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0) : 0
        }
        try Migrator.refuseNewer(current, location: location)
        var applied: [Int] = []
        if apply && current == 0 {
            // Only settable before the first table exists; lets maintenance hand free pages back.
            try await pool.writeWithoutTransaction { db in
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") == 0 {
                    // A WAL database takes the new mode only through a VACUUM (instant while empty).
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                    try db.execute(sql: "VACUUM")
                }
            }
        }
        if apply {
            for migration in Schema.migrations where migration.version > current {
                let didApply = try await pool.write { db -> Bool in
                    try db.execute(sql: Schema.bookkeeping.sqlite)
                    // Re-checked inside the write transaction: another process may have got here first.
                    let done = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", arguments: [migration.version]) ?? 0
                    guard done == 0 else { return false }
                    for statement in migration.sqlite { try db.execute(sql: statement) }
                    try db.execute(
                        sql: "INSERT INTO schema_migrations (version, name, applied_at, warden_version) VALUES (?, ?, ?, ?)",
                        arguments: [migration.version, migration.name, Int64(Date().timeIntervalSince1970 * 1000), wardenVersion])
                    return true
                }
                if didApply { applied.append(migration.version) }
            }
        }
        return MigrationReport(
            engine: "sqlite", location: "\(location)", applied: applied, version: apply ? Schema.latestVersion : current,
            latest: Schema.latestVersion)
    }
}

/// The PostgreSQL side: each migration in one transaction holding an advisory lock, so two
/// supervisors starting together cannot both apply it.
struct PostgresSchema {
    var settings: DatabaseLocation.Postgres
    var wardenVersion: String
    var logger: Logger

    /// Advisory lock key for schema changes ("warden" in ASCII).
    static let lockKey: Int64 = 0x7761_7264_656E
    func run(apply: Bool, location: DatabaseLocation) async throws -> MigrationReport {
        let (logger, wardenVersion) = (self.logger, self.wardenVersion)
        return try await settings.withClient(logger: logger) { client in
            try await PostgresSchema.migrate(client, apply: apply, location: location, wardenVersion: wardenVersion, logger: logger)
        }
    }

    private static func migrate(
        _ client: PostgresClient, apply: Bool, location: DatabaseLocation, wardenVersion: String, logger: Logger
    ) async throws -> MigrationReport {
        let current = try await currentVersion(client, logger: logger)
        try Migrator.refuseNewer(current, location: location)
        var applied: [Int] = []
        if apply {
            for migration in Schema.migrations where migration.version > current {
                let didApply = try await client.withTransaction(logger: logger) { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                    try await connection.query(PostgresQuery(unsafeSQL: Schema.bookkeeping.postgres), logger: logger)
                    let rows = try await connection.query(
                        "SELECT COUNT(*) FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
                    var done = 0
                    for try await count in rows.decode(Int.self) { done = count }
                    guard done == 0 else { return false }
                    for statement in migration.postgres {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, applied_at, warden_version) VALUES (\(migration.version), \(migration.name), \(now), \(wardenVersion))",
                        logger: logger)
                    return true
                }
                if didApply { applied.append(migration.version) }
            }
        }
        return MigrationReport(
            engine: "postgres", location: "\(location)", applied: applied, version: apply ? Schema.latestVersion : current,
            latest: Schema.latestVersion)
    }

    private static func currentVersion(_ client: PostgresClient, logger: Logger) async throws -> Int {
        let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var present = false
        for try await value in exists.decode(Bool.self) { present = value }
        guard present else { return 0 }
        let rows = try await client.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
        var version = 0
        for try await value in rows.decode(Int.self) { version = value }
        return version
    }
}
