/// The trading store's SQL where both engines agree, written once. `?` is a bind (numbered `$n`
/// on PostgreSQL) and `{::type}` a cast only PostgreSQL needs (its NUMERIC read back as text, a
/// JSONB column written from text); SQLite drops them. What truly differs (set-based batch writes
/// on PostgreSQL) stays in each store.
struct StoreSQL: Sendable {
    let template: String

    var sqlite: String { Self.dropCasts(template) }

    var postgres: String {
        var out = ""
        var bind = 0
        var rest = Substring(template)
        while let index = rest.firstIndex(where: { $0 == "?" || $0 == "{" }) {
            out += rest[..<index]
            if rest[index] == "?" {
                bind += 1
                out += "$\(bind)"
                rest = rest[rest.index(after: index)...]
            } else {
                let close = rest[index...].firstIndex(of: "}")!
                out += rest[rest.index(after: index)..<close]
                rest = rest[rest.index(after: close)...]
            }
        }
        return out + rest
    }

    static func dropCasts(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    static let checkpoint = StoreSQL(template: "SELECT state FROM loop_checkpoint WHERE id = 1")
    static let writeCheckpoint = StoreSQL(template: """
        INSERT INTO loop_checkpoint (id, taken_at, state) VALUES (1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, state = excluded.state
        """)
    static let candles = StoreSQL(template: """
        SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = ? AND interval = ? AND open_time <= ? ORDER BY open_time
        """)
    static let openOrders = StoreSQL(template: """
        SELECT o.client_order_id, o.symbol, o.side, o.type, o.quantity{::text}, o.quote_quantity{::text}, o.price{::text}, o.stop_price{::text},
            o.time_in_force, o.reduce_only, s.name, o.created_at, o.status, o.exchange_order_id
        FROM orders o JOIN strategies s ON s.id = o.strategy_id
        WHERE o.status IN ('new', 'submitted', 'accepted', 'partially_filled', 'unknown') ORDER BY o.id
        """)
    static let fills = StoreSQL(template: """
        SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price{::text}, f.quantity{::text},
            f.fee{::text}, f.fee_asset, f.filled_at
        FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id ORDER BY f.filled_at, f.id
        """)
    static let positions = StoreSQL(template: """
        SELECT s.name, p.symbol, p.quantity{::text}, p.entry_price{::text}, p.opened_at FROM positions p JOIN strategies s ON s.id = p.strategy_id
        ORDER BY s.name, p.symbol
        """)
    static let strategyEvents = StoreSQL(template: "SELECT at, strategy, market, kind, parameters{::text}, actor FROM strategy_events ORDER BY id")
    static let writeStrategyEvent = StoreSQL(template: """
        INSERT INTO strategy_events (at, strategy, market, kind, parameters, actor) VALUES (?, ?, ?, ?, ?{::jsonb}, ?)
        """)
    static let audit = StoreSQL(template: "SELECT at, actor, action, target, detail FROM audit_log WHERE target = ? OR target LIKE ? ORDER BY id")
    static let writeAudit = StoreSQL(template: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
}
