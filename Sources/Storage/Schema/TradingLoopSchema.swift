extension Schema {
    /// Version 3: the trading loop's checkpoint (its state after the last journaled bar, one row),
    /// strategy events (activations, deactivations and parameter changes at a bar), and each
    /// order's market-side fields (quote amount, time in force, reduce-only, why it ended).
    static let tradingLoop = Migration(
        version: 3, name: "trading loop",
        sqlite: [
            "CREATE TABLE loop_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), taken_at INTEGER NOT NULL, state TEXT NOT NULL)",
            """
            CREATE TABLE strategy_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, strategy TEXT NOT NULL, market TEXT,
                kind TEXT NOT NULL, parameters TEXT NOT NULL, actor TEXT NOT NULL)
            """,
            "ALTER TABLE orders ADD COLUMN quote_quantity TEXT",
            "ALTER TABLE orders ADD COLUMN stop_price TEXT",
            "ALTER TABLE orders ADD COLUMN time_in_force TEXT",
            "ALTER TABLE orders ADD COLUMN reduce_only INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE orders ADD COLUMN reason TEXT",
            "CREATE UNIQUE INDEX fills_trade ON fills (exchange_fill_id)",
        ],
        postgres: [
            "CREATE TABLE loop_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), taken_at BIGINT NOT NULL, state TEXT NOT NULL)",
            """
            CREATE TABLE strategy_events (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, strategy TEXT NOT NULL, market TEXT,
                kind TEXT NOT NULL, parameters JSONB NOT NULL, actor TEXT NOT NULL)
            """,
            "ALTER TABLE orders ADD COLUMN quote_quantity NUMERIC",
            "ALTER TABLE orders ADD COLUMN stop_price NUMERIC",
            "ALTER TABLE orders ADD COLUMN time_in_force TEXT",
            "ALTER TABLE orders ADD COLUMN reduce_only BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE orders ADD COLUMN reason TEXT",
        ]
    )
}
