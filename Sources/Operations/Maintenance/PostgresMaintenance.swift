import Foundation
import Logging
import PostgresNIO
import Storage

/// Routine care of PostgreSQL: VACUUM (ANALYZE) of tables whose dead tuples pass a threshold and
/// whose last autovacuum is stale; monthly partitions of candles and fills created ahead (after
/// checking the default partition holds nothing of that month); long transactions, sessions idle
/// in a transaction, and lock waits reported.
public struct PostgresMaintenance: Sendable {
    public var client: PostgresClient
    public var logger: Logger
    /// Dead tuples as a share of all tuples above which a table is vacuumed.
    public var deadTupleThreshold: Double
    /// A table autovacuumed more recently than this is left to autovacuum.
    public var autovacuumStaleAfter: Duration
    public var monthsAhead: Int
    public var longTransaction: Duration
    /// Attached monthly partitions older than this many months are detached; nil keeps all.
    public var partitionRetentionMonths: Int?
    /// An index this many times larger than its rows need (and at least `reindexMinBytes`) is rebuilt.
    public var indexBloatThreshold: Double
    public var reindexMinBytes: Int

    public init(
        client: PostgresClient, logger: Logger, deadTupleThreshold: Double = 0.2,
        autovacuumStaleAfter: Duration = .seconds(86400), monthsAhead: Int = 3, longTransaction: Duration = .seconds(300),
        partitionRetentionMonths: Int? = nil, indexBloatThreshold: Double = 2.0, reindexMinBytes: Int = 1 << 20
    ) {
        self.partitionRetentionMonths = partitionRetentionMonths
        self.indexBloatThreshold = indexBloatThreshold
        self.reindexMinBytes = reindexMinBytes
        self.client = client
        self.logger = logger
        self.deadTupleThreshold = deadTupleThreshold
        self.autovacuumStaleAfter = autovacuumStaleAfter
        self.monthsAhead = monthsAhead
        self.longTransaction = longTransaction
    }

    /// Partitioned tables and the column they are partitioned by.
    static let partitioned = [("candles", "open_time"), ("fills", "filled_at")]

    public func run(dryRun: Bool, now: Date = Date()) async throws -> MaintenanceReport {
        let started = MaintenanceReport.milliseconds()
        var tasks: [MaintenanceReport.Task] = []
        let stale = Int(autovacuumStaleAfter.components.seconds)
        let candidates = try await rows(
            """
            SELECT relname::text, n_dead_tup, n_live_tup FROM pg_stat_user_tables
            WHERE n_dead_tup > 0 AND n_dead_tup::float8 / GREATEST(n_live_tup + n_dead_tup, 1) > \(deadTupleThreshold)
              AND (last_autovacuum IS NULL OR last_autovacuum < now() - make_interval(secs => \(stale)))
            ORDER BY relname
            """, as: (String, Int, Int).self)
        for (table, dead, live) in candidates {
            let detail = "\(dead) dead of \(dead + live) tuples"
            if dryRun {
                tasks.append(.init(name: "vacuum \(table)", outcome: "would-do", detail: detail))
            } else {
                try await client.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(Self.quoted(table))"), logger: logger)
                tasks.append(.init(name: "vacuum \(table)", outcome: "done", detail: detail))
            }
        }
        tasks += try await reindexBloated(dryRun: dryRun)
        for (table, column) in Self.partitioned {
            for month in Self.months(from: now, count: monthsAhead + 1) {
                tasks.append(try await partition(table, column: column, month: month, dryRun: dryRun))
            }
            if let keep = partitionRetentionMonths {
                tasks += try await detachOld(table, keepMonths: keep, now: now, dryRun: dryRun)
            }
        }
        let report = MaintenanceReport(engine: "postgres", dryRun: dryRun, tasks: tasks, findings: try await findings())
        if !dryRun {
            let values = report.recordValues(startedAt: started, finishedAt: MaintenanceReport.milliseconds())
            try await client.query(MaintenanceReport.record.postgresQuery(values.map(\.postgres)), logger: logger)
        }
        return report
    }

    private func partition(_ table: String, column: String, month: Month, dryRun: Bool) async throws -> MaintenanceReport.Task {
        let name = "\(table)_\(month.suffix)"
        let range = "[\(month.start), \(month.end)) ms"
        let exists = try await rows("SELECT count(*)::int8 FROM pg_class WHERE relname = '\(name)'", as: Int.self).first ?? 0
        if exists > 0 { return .init(name: "partition \(name)", outcome: "skipped", detail: "exists") }
        // Rows of that month already in the default partition would make the new one fail (or
        // hide them); they are reported for an operator to move, never silently dropped.
        let stray = try await rows(
            "SELECT count(*)::int8 FROM \(table)_default WHERE \(column) >= \(month.start) AND \(column) < \(month.end)",
            as: Int.self).first ?? 0
        if stray > 0 {
            return .init(name: "partition \(name)", outcome: "problem", detail: "\(stray) rows of \(range) sit in \(table)_default; move them first")
        }
        if dryRun { return .init(name: "partition \(name)", outcome: "would-do", detail: range) }
        try await client.query(PostgresQuery(unsafeSQL:
            "CREATE TABLE \(name) PARTITION OF \(table) FOR VALUES FROM (\(month.start)) TO (\(month.end))"), logger: logger)
        return .init(name: "partition \(name)", outcome: "done", detail: range)
    }

    /// B-tree indexes whose pages exceed what their live entries need by `indexBloatThreshold`
    /// (entry size from the columns' average width in pg_stats, 90% leaf fill), rebuilt without
    /// blocking writes. The estimate follows the widely used ioguix btree bloat query, simplified.
    private func reindexBloated(dryRun: Bool) async throws -> [MaintenanceReport.Task] {
        let candidates = try await rows(
            """
            SELECT i.relname::text, pg_relation_size(i.oid)::int8,
                   (pg_relation_size(i.oid)::float8 / GREATEST(8192.0 * ceil(
                       GREATEST(i.reltuples, 0) * (12 + COALESCE((SELECT SUM(s.avg_width) FROM pg_attribute a
                           JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
                           WHERE a.attrelid = t.oid AND a.attnum = ANY (x.indkey)), 16)) / (8192 * 0.9)), 8192.0))::float8
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = i.relnamespace JOIN pg_am am ON am.oid = i.relam
            WHERE n.nspname = 'public' AND am.amname = 'btree' AND i.relkind = 'i' AND x.indisvalid
              AND pg_relation_size(i.oid) >= \(reindexMinBytes)
            ORDER BY 1
            """, as: (String, Int, Double).self)
        var tasks: [MaintenanceReport.Task] = []
        for (index, bytes, ratio) in candidates where ratio >= indexBloatThreshold {
            let detail = String(format: "%.1fx the estimated size (%d KiB)", ratio, bytes / 1024)
            if dryRun {
                tasks.append(.init(name: "reindex \(index)", outcome: "would-do", detail: detail))
            } else {
                try await client.query(PostgresQuery(unsafeSQL: "REINDEX INDEX CONCURRENTLY \(Self.quoted(index))"), logger: logger)
                tasks.append(.init(name: "reindex \(index)", outcome: "done", detail: detail))
            }
        }
        return tasks
    }

    /// Monthly partitions that ended more than `keepMonths` months before this month are
    /// detached: the data stays, as a plain table an operator can archive or drop.
    private func detachOld(_ table: String, keepMonths: Int, now: Date, dryRun: Bool) async throws -> [MaintenanceReport.Task] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        let cutoff = calendar.date(byAdding: .month, value: -keepMonths, to: thisMonth)!
        let cutoffSuffix = Self.months(from: cutoff, count: 1)[0].suffix
        let attached = try await rows(
            """
            SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = '\(table)' AND c.relname ~ '^\(table)_y[0-9]{4}m[0-9]{2}$' ORDER BY 1
            """, as: String.self)
        var tasks: [MaintenanceReport.Task] = []
        for partition in attached where String(partition.suffix(8)) < cutoffSuffix {
            let detail = "older than \(keepMonths) months; kept as a plain table"
            if dryRun {
                tasks.append(.init(name: "detach \(partition)", outcome: "would-do", detail: detail))
            } else {
                try await client.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(Self.quoted(table)) DETACH PARTITION \(Self.quoted(partition))"), logger: logger)
                tasks.append(.init(name: "detach \(partition)", outcome: "done", detail: detail))
            }
        }
        return tasks
    }

    private func findings() async throws -> [String] {
        let seconds = Int(longTransaction.components.seconds)
        var found: [String] = []
        for (pid, age, state) in try await rows(
            """
            SELECT pid, EXTRACT(EPOCH FROM now() - xact_start)::int8, coalesce(state, '')::text FROM pg_stat_activity
            WHERE xact_start IS NOT NULL AND now() - xact_start > make_interval(secs => \(seconds)) AND pid <> pg_backend_pid()
            """, as: (Int32, Int, String).self)
        {
            found.append("pid \(pid): transaction open for \(age) s (\(state))")
        }
        for (pid, idle) in try await rows(
            """
            SELECT pid, EXTRACT(EPOCH FROM now() - state_change)::int8 FROM pg_stat_activity
            WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') AND now() - state_change > interval '60 seconds'
            """, as: (Int32, Int).self)
        {
            found.append("pid \(pid): idle in a transaction for \(idle) s")
        }
        for (pid, blockers) in try await rows(
            """
            SELECT pid, array_to_string(pg_blocking_pids(pid), ',') FROM pg_stat_activity
            WHERE cardinality(pg_blocking_pids(pid)) > 0
            """, as: (Int32, String).self)
        {
            found.append("pid \(pid) waits for a lock held by \(blockers)")
        }
        return found
    }

    private func rows<each T: PostgresDecodable>(_ sql: String, as types: (repeat each T).Type) async throws -> [(repeat each T)] {
        var result: [(repeat each T)] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(types) {
            result.append(row)
        }
        return result
    }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// One calendar month (UTC) as a millisecond range.
    struct Month: Equatable {
        var suffix: String
        var start: Int64
        var end: Int64
    }

    static func months(from now: Date, count: Int) -> [Month] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        return (0..<count).map { offset in
            let start = calendar.date(byAdding: .month, value: offset, to: first)!
            let end = calendar.date(byAdding: .month, value: offset + 1, to: first)!
            let parts = calendar.dateComponents([.year, .month], from: start)
            return Month(
                suffix: String(format: "y%04dm%02d", parts.year!, parts.month!),
                start: Int64(start.timeIntervalSince1970 * 1000), end: Int64(end.timeIntervalSince1970 * 1000))
        }
    }
}
