extension Schema {
    /// Version 8: the daily risk report of the engine's positions (VaR, CVaR, stress losses) that
    /// the supervisor's `risk-report` job records, one row per UTC day (a later run that day replaces it).
    static let riskReports = Migration(
        version: 8, name: "risk_reports",
        sqlite: [
            """
            CREATE TABLE risk_reports (
                day INTEGER PRIMARY KEY, taken_at INTEGER NOT NULL, as_of INTEGER NOT NULL, equity REAL NOT NULL, report TEXT NOT NULL)
            """,
        ],
        postgres: [
            """
            CREATE TABLE risk_reports (
                day BIGINT PRIMARY KEY, taken_at BIGINT NOT NULL, as_of BIGINT NOT NULL, equity DOUBLE PRECISION NOT NULL, report TEXT NOT NULL)
            """,
        ])
}
