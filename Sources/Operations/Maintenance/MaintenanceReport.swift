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
