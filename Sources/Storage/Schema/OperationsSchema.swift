extension Schema {
    /// Version 4: runbook runs, manual and automatic (each with its steps as JSON), and deployments
/// (each with its checks).
    static let operations = Migration(
        version: 4, name: "operations",
        sqlite: [
            """
            CREATE TABLE recovery_runs (
                id TEXT PRIMARY KEY, runbook TEXT NOT NULL, actor TEXT NOT NULL, mode TEXT NOT NULL, trigger TEXT NOT NULL,
                parameters TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER, outcome TEXT NOT NULL, steps TEXT NOT NULL)
            """,
            "CREATE INDEX recovery_runs_started ON recovery_runs (started_at)",
            """
            CREATE TABLE deployments (
                id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, actor TEXT NOT NULL, from_release TEXT,
                to_release TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, checks TEXT NOT NULL)
            """,
        ],
        postgres: [
            """
            CREATE TABLE recovery_runs (
                id TEXT PRIMARY KEY, runbook TEXT NOT NULL, actor TEXT NOT NULL, mode TEXT NOT NULL, trigger TEXT NOT NULL,
                parameters JSONB NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT, outcome TEXT NOT NULL, steps JSONB NOT NULL)
            """,
            "CREATE INDEX recovery_runs_started ON recovery_runs (started_at)",
            """
            CREATE TABLE deployments (
                id TEXT PRIMARY KEY, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, actor TEXT NOT NULL, from_release TEXT,
                to_release TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, checks JSONB NOT NULL)
            """,
        ]
    )
}
