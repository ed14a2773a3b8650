extension Schema {
    /// Version 1: the tables the trading, alerting, operations and API parts store into.
    /// Times are Unix milliseconds (UTC). Amounts sent to an exchange are exact decimals
    /// (NUMERIC on PostgreSQL, decimal text on SQLite); analytics values are doubles.
    static let initial = Migration(
        version: 1, name: "initial schema",
        sqlite: [
            """
            CREATE TABLE candles (
                symbol TEXT NOT NULL, interval TEXT NOT NULL, open_time INTEGER NOT NULL,
                open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL,
                PRIMARY KEY (symbol, interval, open_time)) WITHOUT ROWID
            """,
            """
            CREATE TABLE strategies (
                id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                enabled INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL)
            """,
            """
            CREATE TABLE strategy_parameters (
                strategy_id INTEGER NOT NULL REFERENCES strategies(id) ON DELETE CASCADE, name TEXT NOT NULL,
                value REAL NOT NULL, PRIMARY KEY (strategy_id, name))
            """,
            """
            CREATE TABLE orders (
                id INTEGER PRIMARY KEY AUTOINCREMENT, client_order_id TEXT NOT NULL UNIQUE, exchange_order_id TEXT,
                strategy_id INTEGER REFERENCES strategies(id), symbol TEXT NOT NULL, side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                type TEXT NOT NULL, quantity TEXT NOT NULL, price TEXT, status TEXT NOT NULL, fencing_token INTEGER,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)
            """,
            "CREATE INDEX orders_status ON orders (status, updated_at)",
            """
            CREATE TABLE fills (
                id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),
                exchange_fill_id TEXT, price TEXT NOT NULL, quantity TEXT NOT NULL, fee TEXT NOT NULL,
                fee_asset TEXT NOT NULL, filled_at INTEGER NOT NULL)
            """,
            "CREATE INDEX fills_order ON fills (order_id)",
            """
            CREATE TABLE positions (
                strategy_id INTEGER NOT NULL REFERENCES strategies(id), symbol TEXT NOT NULL, quantity TEXT NOT NULL,
                entry_price TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                PRIMARY KEY (strategy_id, symbol))
            """,
            """
            CREATE TABLE equity_snapshots (
                taken_at INTEGER NOT NULL, equity REAL NOT NULL, cash REAL NOT NULL, drawdown REAL NOT NULL,
                PRIMARY KEY (taken_at))
            """,
            """
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
                annotations TEXT NOT NULL, state TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER)
            """,
            "CREATE INDEX alerts_fingerprint ON alerts (fingerprint, starts_at)",
            """
            CREATE TABLE notification_outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE, receiver TEXT NOT NULL,
                payload TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT,
                created_at INTEGER NOT NULL, sent_at INTEGER)
            """,
            "CREATE INDEX outbox_due ON notification_outbox (state, next_attempt_at)",
            """
            CREATE TABLE backups (
                id TEXT PRIMARY KEY, engine TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER,
                size_bytes INTEGER, sha256 TEXT, path TEXT NOT NULL, verified_at INTEGER, restore_tested_at INTEGER)
            """,
            """
            CREATE TABLE maintenance_runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, started_at INTEGER NOT NULL,
                finished_at INTEGER, outcome TEXT, detail TEXT)
            """,
            """
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                target TEXT, detail TEXT)
            """,
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')), created_at INTEGER NOT NULL)
            """,
            """
            CREATE TABLE api_keys (
                id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                prefix TEXT NOT NULL UNIQUE, key_hash TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,
                revoked_at INTEGER)
            """,
        ],
        postgres: [
            """
            CREATE TABLE candles (
                symbol TEXT NOT NULL, interval TEXT NOT NULL, open_time BIGINT NOT NULL,
                open DOUBLE PRECISION NOT NULL, high DOUBLE PRECISION NOT NULL, low DOUBLE PRECISION NOT NULL,
                close DOUBLE PRECISION NOT NULL, volume DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (symbol, interval, open_time)) PARTITION BY RANGE (open_time)
            """,
            // Monthly partitions are created ahead by database maintenance; the default one
            // catches anything outside them and is checked empty before new ones are attached.
            "CREATE TABLE candles_default PARTITION OF candles DEFAULT",
            """
            CREATE TABLE strategies (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                enabled BOOLEAN NOT NULL DEFAULT TRUE, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE strategy_parameters (
                strategy_id BIGINT NOT NULL REFERENCES strategies(id) ON DELETE CASCADE, name TEXT NOT NULL,
                value DOUBLE PRECISION NOT NULL, PRIMARY KEY (strategy_id, name))
            """,
            """
            CREATE TABLE orders (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, client_order_id TEXT NOT NULL UNIQUE,
                exchange_order_id TEXT, strategy_id BIGINT REFERENCES strategies(id), symbol TEXT NOT NULL,
                side TEXT NOT NULL CHECK (side IN ('buy', 'sell')), type TEXT NOT NULL, quantity NUMERIC NOT NULL,
                price NUMERIC, status TEXT NOT NULL, fencing_token BIGINT, created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX orders_status ON orders (status, updated_at)",
            """
            CREATE TABLE fills (
                id BIGINT GENERATED ALWAYS AS IDENTITY, order_id BIGINT NOT NULL REFERENCES orders(id),
                exchange_fill_id TEXT, price NUMERIC NOT NULL, quantity NUMERIC NOT NULL, fee NUMERIC NOT NULL,
                fee_asset TEXT NOT NULL, filled_at BIGINT NOT NULL,
                PRIMARY KEY (id, filled_at)) PARTITION BY RANGE (filled_at)
            """,
            "CREATE TABLE fills_default PARTITION OF fills DEFAULT",
            "CREATE INDEX fills_order ON fills (order_id)",
            """
            CREATE TABLE positions (
                strategy_id BIGINT NOT NULL REFERENCES strategies(id), symbol TEXT NOT NULL, quantity NUMERIC NOT NULL,
                entry_price NUMERIC NOT NULL, opened_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                PRIMARY KEY (strategy_id, symbol))
            """,
            """
            CREATE TABLE equity_snapshots (
                taken_at BIGINT PRIMARY KEY, equity DOUBLE PRECISION NOT NULL, cash DOUBLE PRECISION NOT NULL,
                drawdown DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE alerts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, fingerprint TEXT NOT NULL, name TEXT NOT NULL,
                labels JSONB NOT NULL, annotations JSONB NOT NULL, state TEXT NOT NULL, starts_at BIGINT NOT NULL,
                ends_at BIGINT)
            """,
            "CREATE INDEX alerts_fingerprint ON alerts (fingerprint, starts_at)",
            """
            CREATE TABLE notification_outbox (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,
                receiver TEXT NOT NULL, payload JSONB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, last_error TEXT,
                created_at BIGINT NOT NULL, sent_at BIGINT)
            """,
            "CREATE INDEX outbox_due ON notification_outbox (state, next_attempt_at)",
            """
            CREATE TABLE backups (
                id TEXT PRIMARY KEY, engine TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT,
                size_bytes BIGINT, sha256 TEXT, path TEXT NOT NULL, verified_at BIGINT, restore_tested_at BIGINT)
            """,
            """
            CREATE TABLE maintenance_runs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, task TEXT NOT NULL, started_at BIGINT NOT NULL,
                finished_at BIGINT, outcome TEXT, detail TEXT)
            """,
            """
            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,
                action TEXT NOT NULL, target TEXT, detail TEXT)
            """,
            """
            CREATE TABLE users (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE api_keys (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, prefix TEXT NOT NULL UNIQUE,
                key_hash TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT)
            """,
        ])
}
