import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceLifecycle

/// A process's one handle on its database, shared by every store in the process: a GRDB pool on
/// the SQLite file, or one PostgreSQL client whose pool runs while `run()` runs (a `Service` in
/// the process's group).
public final class DatabaseHandle: Service, Sendable {
    public enum Engine: Sendable {
        case sqlite(path: String, pool: DatabasePool)
        case postgres(DatabaseLocation.Postgres, PostgresClient)
    }

    public let location: DatabaseLocation
    public let engine: Engine

    /// Opens the handle; the SQLite file must exist (migrations create it).
    public init(_ location: DatabaseLocation) throws {
        self.location = location
        switch location {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // WAL without an fsync per commit: a killed process loses nothing (the WAL is in the page cache).
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            engine = .sqlite(path: path, pool: try DatabasePool(path: path, configuration: configuration))
        case .postgres(let postgres):
            engine = .postgres(postgres, postgres.makeClient())
        }
    }

    /// Keeps PostgreSQL's pool running until shutdown; nothing to run for SQLite.
    public func run() async throws {
        switch engine {
        case .sqlite:
            try? await gracefulShutdown()
        case .postgres(_, let client):
            await cancelWhenGracefulShutdown { await client.run() }
        }
    }

    /// Runs `body` with an open handle whose pool runs for exactly as long (for one-shot commands).
    public static func with<T: Sendable>(
        _ location: DatabaseLocation, logger: Logger, _ body: @escaping @Sendable (DatabaseHandle) async throws -> T
    ) async throws -> T {
        let handle = try DatabaseHandle(location)
        guard case .postgres(let postgres, let client) = handle.engine else { return try await body(handle) }
        return try await postgres.withClient(logger: logger, client: client) { _ in try await body(handle) }
    }
}

extension DatabaseHandle {
    /// Runs `statements` in one transaction, on whichever engine this handle has.
    public func execute(_ statements: [BoundStatement], logger: Logger) async throws {
        switch engine {
        case .sqlite(_, let pool):
            try await pool.write { db in
                for statement in statements {
                    try db.execute(sql: statement.sql.sqlite, arguments: StatementArguments(statement.values.map(\.sqlite)))
                }
            }
        case .postgres(_, let client):
            try await client.withTransaction(logger: logger) { connection in
                for statement in statements {
                    try await connection.query(statement.sql.postgresQuery(statement.values.map(\.postgres)), logger: logger)
                }
            }
        }
    }
}

extension SQLValue {
    public var sqlite: (any DatabaseValueConvertible)? {
        switch self {
        case .null: nil
        case .integer(let value): value
        case .real(let value): value
        case .text(let value): value
        }
    }
}

extension DatabaseHandle {
    /// Rows of a read as text (NULL as nil), the same on both engines: write the SQL so every
    /// column is text on PostgreSQL (`{::text}`), which SQLite's values become anyway.
    public func textRows(_ sql: SharedSQL, _ values: [SQLValue] = [], logger: Logger) async throws -> [[String?]] {
        switch engine {
        case .sqlite(_, let pool):
            return try await pool.read { db in
                try Row.fetchAll(db, sql: sql.sqlite, arguments: StatementArguments(values.map(\.sqlite))).map(Self.texts)
            }
        case .postgres(_, let client):
            var rows: [[String?]] = []
            for try await row in try await client.query(sql.postgresQuery(values.map(\.postgres)), logger: logger) {
                rows.append(try row.makeRandomAccess().map { try $0.decode(String?.self) })
            }
            return rows
        }
    }
}

extension DatabaseHandle {
    /// Rows a write returns (`UPDATE … RETURNING`), as text like `textRows`, in one statement so
    /// that two callers racing for the same row cannot both win it.
    public func writeReturningRows(_ sql: SharedSQL, _ values: [SQLValue] = [], logger: Logger) async throws -> [[String?]] {
        switch engine {
        case .sqlite(_, let pool):
            return try await pool.write { db in
                try Row.fetchAll(db, sql: sql.sqlite, arguments: StatementArguments(values.map(\.sqlite))).map(Self.texts)
            }
        case .postgres:
            return try await textRows(sql, values, logger: logger)
        }
    }
}

extension DatabaseHandle {
    /// A SQLite row's values as text, NULL as nil (what PostgreSQL's `::text` reads give).
    static func texts(_ row: Row) -> [String?] {
        row.databaseValues.map { value in
            switch value.storage {
            case .null: nil
            case .int64(let number): String(number)
            case .double(let number): String(number)
            case .string(let text): text
            case .blob(let data): String(decoding: data, as: UTF8.self)
            }
        }
    }
}
