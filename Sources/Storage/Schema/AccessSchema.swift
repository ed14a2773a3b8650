extension Schema {
    /// Version 5: what the API needs to let people in (and an index for its history pages). Users can be disabled (never deleted: the
    /// audit log names them); API keys carry their own name, role and last use; refresh tokens are
    /// stored hashed in families so reusing a rotated one revokes every token descended from the
    /// same login.
    static let access = Migration(
        version: 5, name: "access",
        sqlite: [
            "ALTER TABLE users ADD COLUMN disabled_at INTEGER",
            "ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'operator', 'admin'))",
            "ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER",
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY, family TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, revoked_at INTEGER)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
            // History pages read fills in journal order.
            "CREATE INDEX fills_time ON fills (filled_at, id)",
        ],
        postgres: [
            "ALTER TABLE users ADD COLUMN disabled_at BIGINT",
            "ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'operator', 'admin'))",
            "ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT",
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY, family TEXT NOT NULL, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
            "CREATE INDEX fills_time ON fills (filled_at, id)",
        ]
    )
}
