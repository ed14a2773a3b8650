extension Schema {
    /// Version 7: which scheduled report went to which channel, so each period's report is sent
    /// to each channel once, and one that failed is sent again by the next run.
    static let reports = Migration(
        version: 7, name: "report_deliveries",
        sqlite: [
            """
            CREATE TABLE report_deliveries (
                period TEXT NOT NULL, period_start INTEGER NOT NULL, integration TEXT NOT NULL, delivered_at INTEGER NOT NULL,
                PRIMARY KEY (period, period_start, integration))
            """,
        ],
        postgres: [
            """
            CREATE TABLE report_deliveries (
                period TEXT NOT NULL, period_start BIGINT NOT NULL, integration TEXT NOT NULL, delivered_at BIGINT NOT NULL,
                PRIMARY KEY (period, period_start, integration))
            """,
        ])
}
