/// One versioned step of the schema, written once per engine (the dialects differ in types,
/// identity columns and partitioning). Steps run in order, each in one transaction, and are
/// recorded in `schema_migrations`, so running them again does nothing.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var sqlite: [String]
    public var postgres: [String]
}

/// The schema this build knows. A database whose newest recorded version is above
/// `Schema.latestVersion` was written by a newer build and is refused.
public enum Schema {
    public static let migrations: [Migration] = [initial, alerting, tradingLoop, operations, access, optimisation, reports, riskReports]

    public static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Tables every engine has after all migrations (the same names on both engines).
    public static let tables = [
        "schema_migrations", "candles", "orders", "fills", "positions", "equity_snapshots", "strategies",
        "strategy_parameters", "alerts", "notification_outbox", "backups", "maintenance_runs", "audit_log", "users",
        "api_keys", "silences", "notification_log", "loop_checkpoint", "strategy_events", "recovery_runs", "deployments", "refresh_tokens",
        "optimisation_runs", "optimisation_trials", "report_deliveries", "risk_reports",
    ]

    static let bookkeeping = (
        sqlite: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL, warden_version TEXT NOT NULL)
            """,
        postgres: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL, warden_version TEXT NOT NULL)
            """
    )
}
