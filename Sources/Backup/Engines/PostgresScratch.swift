import Foundation
import Logging
import PostgresNIO
import Storage

/// Queries run beside pg_dump and pg_restore: the schema version, whether a database exists or
/// holds tables, scratch databases for restore tests, and row counts for sanity checks.
struct PostgresScratch: Sendable {
    let settings: DatabaseLocation.Postgres
    let logger: Logger

    func on(_ database: String) -> PostgresScratch {
        var other = settings
        other.database = database
        return PostgresScratch(settings: other, logger: logger)
    }

    func schemaVersion() async throws -> Int {
        try await single("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_migrations", as: Int.self) ?? 0
    }

    func databaseExists(_ name: String) async throws -> Bool {
        try await on("postgres").single(
            "SELECT COUNT(*)::int8 FROM pg_database WHERE datname = '\(name.replacingOccurrences(of: "'", with: "''"))'",
            as: Int.self) == 1
    }

    func tableCount() async throws -> Int {
        try await single("SELECT COUNT(*)::int8 FROM pg_tables WHERE schemaname = 'public'", as: Int.self) ?? 0
    }

    func createDatabase(_ name: String) async throws {
        try await on("postgres").execute("CREATE DATABASE \(Self.quoted(name))")
    }

    func dropDatabase(_ name: String) async throws {
        try await on("postgres").execute("DROP DATABASE IF EXISTS \(Self.quoted(name)) WITH (FORCE)")
    }

    /// Rows in every ordinary and partitioned table of `public` (partitions counted through their parent).
    func rowCounts() async throws -> [String: Int] {
        let tables = try await strings(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition")
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await single("SELECT COUNT(*)::int8 FROM \(Self.quoted(table))", as: Int.self) ?? 0
        }
        return counts
    }

    private func single<T: PostgresDecodable & Sendable>(_ sql: String, as: T.Type) async throws -> T? {
        try await settings.withClient(logger: logger, deadline: .seconds(10)) { client in
            var value: T?
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(T.self) { value = row }
            return value
        }
    }

    private func strings(_ sql: String) async throws -> [String] {
        try await settings.withClient(logger: logger, deadline: .seconds(10)) { client in
            var values: [String] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) { values.append(row) }
            return values
        }
    }

    private func execute(_ sql: String) async throws {
        try await settings.withClient(logger: logger, deadline: .seconds(10)) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
