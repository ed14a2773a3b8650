import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization
import Telemetry

/// Samples the database's health every `interval` and keeps the latest as metric families for the
/// supervisor's /metrics: reachability, size, and per engine what applies (free pages and WAL
/// size on SQLite; connections, dead tuples, longest transaction, lock waits, cache hit ratio on
/// PostgreSQL), plus the last maintenance run.
public final class DatabaseMonitor: Service, Sendable {
    public let database: DatabaseHandle
    public let interval: Duration
    private let logger: Logger
    private let latest = Mutex<[MetricFamily]>([])

    /// Samples through `database`, the process's one handle (no pool of its own per sample).
    public init(database: DatabaseHandle, interval: Duration = .seconds(15), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    public var location: DatabaseLocation { database.location }

    /// The families from the last sample (empty before the first).
    public func families() -> [MetricFamily] { latest.withLock { $0 } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await sampleOnce()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// Takes one sample now; a failure is `warden_database_up 0`, never an error.
    public func sampleOnce() async {
        let started = ContinuousClock.now
        var families: [MetricFamily]
        do {
            switch database.engine {
            case .sqlite(let path, let pool): families = try await Self.sqlite(path, pool)
            case .postgres(_, let client):
                let logger = self.logger
                // A sample that does not answer in time counts as down, without waiting on the pool's retries.
                families = try await withDeadline(.seconds(5), expired: { CancellationError() }) { try await Self.postgres(client, logger: logger) }
            }
            families.insert(.single("warden_database_up", .gauge, "1 when the database answered its health check.", [([], 1)]), at: 0)
        } catch {
            logger.warning("database health check failed", metadata: ["database": "\(location)", "error": "\(error)"])
            families = [.single("warden_database_up", .gauge, "1 when the database answered its health check.", [([], 0)])]
        }
        let elapsed = ContinuousClock.now - started
        families.append(.single(
            "warden_database_check_duration_seconds", .gauge, "Time the last database health check took.",
            [([], Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)]))
        latest.withLock { $0 = families }
    }

    /// Both engines' newest maintenance run (NULL before the first).
    static let lastMaintenanceSQL = SharedSQL("SELECT MAX(finished_at){::int8} FROM maintenance_runs")

    static func sqlite(_ path: String, _ pool: DatabasePool) async throws -> [MetricFamily] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let (pageSize, pages, free, last) = try await pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
             try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0,
             try Int64.fetchOne(db, sql: lastMaintenanceSQL.sqlite))
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        var families: [MetricFamily] = [
            .single("warden_database_size_bytes", .gauge, "Size of the database.", [([], Double(pageSize * pages))]),
            .single("warden_database_free_pages", .gauge, "SQLite pages on the free list.", [([], Double(free))]),
            .single("warden_database_wal_bytes", .gauge, "Size of SQLite's write-ahead log.", [([], Double(wal))]),
        ]
        if let last { families.append(lastMaintenance(last)) }
        return families
    }

    static func postgres(_ client: PostgresClient, logger: Logger) async throws -> [MetricFamily] {
        func values<each T: PostgresDecodable>(_ sql: String, _ types: (repeat each T).Type) async throws -> [(repeat each T)] {
            var rows: [(repeat each T)] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(types) {
                rows.append(row)
            }
            return rows
        }
        let size = try await values("SELECT pg_database_size(current_database())::float8", Double.self).first ?? 0
        let connections = try await values(
            "SELECT count(*)::float8 FROM pg_stat_activity WHERE datname = current_database()", Double.self).first ?? 0
        let longest = try await values(
            "SELECT COALESCE(EXTRACT(EPOCH FROM max(now() - xact_start)), 0)::float8 FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()",
            Double.self).first ?? 0
        let waits = try await values(
            "SELECT count(*)::float8 FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0", Double.self).first ?? 0
        let hit = try await values(
            "SELECT COALESCE(blks_hit::float8 / NULLIF(blks_hit + blks_read, 0), 1) FROM pg_stat_database WHERE datname = current_database()",
            Double.self).first ?? 1
        let dead = try await values("SELECT relname::text, n_dead_tup::float8 FROM pg_stat_user_tables ORDER BY relname", (String, Double).self)
        let last = try await values(lastMaintenanceSQL.postgres, Int64?.self).first ?? nil
        var families: [MetricFamily] = [
            .single("warden_database_size_bytes", .gauge, "Size of the database.", [([], size)]),
            .single("warden_database_connections", .gauge, "Sessions connected to Warden's database.", [([], connections)]),
            .single("warden_database_longest_transaction_seconds", .gauge, "Age of the oldest open transaction.", [([], longest)]),
            .single("warden_database_lock_waits", .gauge, "Sessions waiting for a lock.", [([], waits)]),
            .single("warden_database_cache_hit_ratio", .gauge, "Share of block reads served from PostgreSQL's cache.", [([], hit)]),
            .single("warden_database_dead_tuples", .gauge, "Dead tuples per table.", dead.map { ([("table", $0.0)], $0.1) }),
        ]
        if let last { families.append(lastMaintenance(last)) }
        return families
    }

    private static func lastMaintenance(_ milliseconds: Int64) -> MetricFamily {
        .single(
            "warden_database_last_maintenance_timestamp_seconds", .gauge, "End of the last maintenance run, Unix seconds.",
            [([], Double(milliseconds) / 1000)])
    }
}
