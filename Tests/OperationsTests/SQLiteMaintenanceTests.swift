import Foundation
import GRDB
import Logging
import Storage
import Testing

@testable import Operations

@Suite struct SQLiteMaintenanceTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-maint-\(UUID())").path
    var path: String { directory + "/warden.sqlite" }

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    func freePages() async throws -> (free: Int, runs: Int) {
        let queue = try DatabaseQueue(path: path)
        return try await queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM maintenance_runs") ?? 0)
        }
    }

    @Test func freePagesAreHandedBackPastTheThresholdAndTheRunIsRecorded() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await Migrator(location: .sqlite(path: path), wardenVersion: "test", logger: Logger(label: "test")).migrate()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            for index in 0..<3000 {
                try db.execute(
                    sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, 'test', 'fill', ?)",
                    arguments: [index, String(repeating: "x", count: 200)])
            }
        }
        try await queue.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        // The baseline is the file as a connection pool has opened it once (opening one may settle a page).
        try DatabasePool(path: path).close()
        let before = try await freePages()
        #expect(before.free > 100)

        let dry = try await SQLiteMaintenance(path: path).run(dryRun: true)
        #expect(dry.tasks.first { $0.name == "incremental_vacuum" }?.outcome == "would-do")
        let afterDry = try await freePages()
        #expect(afterDry.free == before.free && afterDry.runs == 0, "a dry run changes nothing: \(before) → \(afterDry)")

        let report = try await SQLiteMaintenance(path: path).run(dryRun: false)
        #expect(report.tasks.map(\.outcome) == ["done", "done", "done", "done"])
        #expect(report.tasks.last?.detail == "ok")
        let after = try await freePages()
        #expect(after.free < before.free / 10)
        #expect(after.runs == 1)
    }

    @Test func belowTheThresholdNothingIsVacuumed() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await Migrator(location: .sqlite(path: path), wardenVersion: "test", logger: Logger(label: "test")).migrate()
        let report = try await SQLiteMaintenance(path: path).run(dryRun: false)
        #expect(report.tasks.first { $0.name == "incremental_vacuum" }?.outcome == "skipped")
        #expect(!report.hasProblems)
    }

    @Test func monthsAreUTCCalendarMonthsInMilliseconds() {
        let months = PostgresMaintenance.months(from: Date(timeIntervalSince1970: 1_796_000_000), count: 3)  // 2026-11-30
        #expect(months.map(\.suffix) == ["y2026m11", "y2026m12", "y2027m01"])
        #expect(months[0].start == 1_793_491_200_000)
        #expect(months[0].end == months[1].start && months[1].end == months[2].start)
        #expect(months[2].end == 1_801_440_000_000)
    }
}
