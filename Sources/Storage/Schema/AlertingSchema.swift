extension Schema {
    /// Version 2: alerting's silences and notification log; alert history gains value, firing
    /// time and acknowledgement; outbox rows name their channel.
    static let alerting = Migration(
        version: 2, name: "alerting",
        sqlite: [
            """
            CREATE TABLE silences (
                id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
                created_by TEXT NOT NULL, comment TEXT NOT NULL, created_at INTEGER NOT NULL)
            """,
            """
            CREATE TABLE notification_log (
                group_key TEXT NOT NULL, integration TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL,
                sent_at INTEGER NOT NULL, PRIMARY KEY (group_key, integration))
            """,
            "ALTER TABLE alerts ADD COLUMN value REAL",
            "ALTER TABLE alerts ADD COLUMN fired_at INTEGER",
            "ALTER TABLE alerts ADD COLUMN acked_by TEXT",
            "ALTER TABLE alerts ADD COLUMN acked_at INTEGER",
            "ALTER TABLE alerts ADD COLUMN ack_comment TEXT",
            "CREATE INDEX alerts_state ON alerts (state)",
            "ALTER TABLE notification_outbox ADD COLUMN integration TEXT NOT NULL DEFAULT ''",
        ],
        postgres: [
            """
            CREATE TABLE silences (
                id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL,
                created_by TEXT NOT NULL, comment TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE notification_log (
                group_key TEXT NOT NULL, integration TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL,
                sent_at BIGINT NOT NULL, PRIMARY KEY (group_key, integration))
            """,
            "ALTER TABLE alerts ADD COLUMN value DOUBLE PRECISION",
            "ALTER TABLE alerts ADD COLUMN fired_at BIGINT",
            "ALTER TABLE alerts ADD COLUMN acked_by TEXT",
            "ALTER TABLE alerts ADD COLUMN acked_at BIGINT",
            "ALTER TABLE alerts ADD COLUMN ack_comment TEXT",
            "CREATE INDEX alerts_state ON alerts (state)",
            "ALTER TABLE notification_outbox ADD COLUMN integration TEXT NOT NULL DEFAULT ''",
        ])
}
