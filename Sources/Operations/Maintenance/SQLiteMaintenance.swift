import Foundation
import GRDB
import Storage

/// Routine care of the SQLite database: `PRAGMA optimize`, a WAL checkpoint, an incremental
/// vacuum when free pages pass a threshold, and `quick_check`. Each run is recorded in
/// `maintenance_runs`.
public struct SQLiteMaintenance: Sendable {
    public var path: String
    /// Free pages as a share of all pages above which space is handed back to the filesystem.
    public var freePageThreshold: Double

    public init(path: String, freePageThreshold: Double = 0.2) {
        self.path = path
        self.freePageThreshold = freePageThreshold
    }

    public func run(dryRun: Bool) async throws -> MaintenanceReport {
        let pool = try DatabasePool(path: path)
        defer { try? pool.close() }
        let started = MaintenanceReport.milliseconds()
        let (pages, free, autoVacuum) = try await pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0,
             try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0)
        }
        let ratio = pages == 0 ? 0 : Double(free) / Double(pages)
        let threshold = freePageThreshold
        var tasks = try await pool.writeWithoutTransaction { db -> [MaintenanceReport.Task] in
            var tasks: [MaintenanceReport.Task] = []
            func step(_ name: String, _ detail: String, skip: Bool = false, _ sql: String) throws {
                if skip {
                    tasks.append(.init(name: name, outcome: "skipped", detail: detail))
                } else if dryRun {
                    tasks.append(.init(name: name, outcome: "would-do", detail: detail))
                } else {
                    try db.execute(sql: sql)
                    tasks.append(.init(name: name, outcome: "done", detail: detail))
                }
            }
            try step("optimize", "refresh query-planner statistics where they are stale", "PRAGMA optimize")
            try step("wal_checkpoint", "fold the WAL into the database and empty it", "PRAGMA wal_checkpoint(TRUNCATE)")
            let detail = String(format: "%d of %d pages free (%.1f%%, threshold %.0f%%)", free, pages, ratio * 100, threshold * 100)
            // incremental_vacuum only works in auto_vacuum=INCREMENTAL (2), which new databases get.
            try step("incremental_vacuum", detail, skip: ratio <= threshold || autoVacuum != 2, "PRAGMA incremental_vacuum")
            return tasks
        }
        var findings: [String] = []
        let check = try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        if check == ["ok"] {
            tasks.append(.init(name: "quick_check", outcome: "done", detail: "ok"))
        } else {
            tasks.append(.init(name: "quick_check", outcome: "problem", detail: check.prefix(5).joined(separator: "; ")))
            findings.append("quick_check found corruption: restore from a verified backup")
        }
        let report = MaintenanceReport(engine: "sqlite", dryRun: dryRun, tasks: tasks, findings: findings)
        if !dryRun {
            let values = report.recordValues(startedAt: started, finishedAt: MaintenanceReport.milliseconds())
            try await pool.write { db in
                try db.execute(sql: MaintenanceReport.record.sqlite, arguments: StatementArguments(values.map(\.sqlite)))
            }
        }
        return report
    }

}
