import Foundation
import Storage

/// What a maintenance run did (or, dry, would do), task by task.
public struct MaintenanceReport: Sendable, Codable, Equatable {
    public struct Task: Sendable, Codable, Equatable {
        public var name: String
        /// done, skipped, would-do, problem
        public var outcome: String
        public var detail: String
    }

    public var engine: String
    public var dryRun: Bool
    public var tasks: [Task]
    /// Things an operator should look at (long transactions, lock waits, a non-empty default partition).
    public var findings: [String]

    enum CodingKeys: String, CodingKey {
        case engine, tasks, findings
        case dryRun = "dry_run"
    }

    public var hasProblems: Bool { tasks.contains { $0.outcome == "problem" } }
}

extension MaintenanceReport {
    /// How both engines record a real (not dry) run in `maintenance_runs`, which the database
    /// monitor reads as `warden_database_last_maintenance_timestamp_seconds`.
    static let record = SharedSQL("INSERT INTO maintenance_runs (task, started_at, finished_at, outcome, detail) VALUES (?, ?, ?, ?, ?)")

    func recordValues(startedAt: Int64, finishedAt: Int64) -> [SQLValue] {
        [.text(engine), .integer(startedAt), .integer(finishedAt), .text(hasProblems ? "problem" : "ok"),
         .text(tasks.map { "\($0.name)=\($0.outcome)" }.joined(separator: " "))]
    }

    static func milliseconds(_ date: Date = Date()) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
}
