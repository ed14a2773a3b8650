import Storage
import Trading

/// The trading store's statements where both engines agree (see `SharedSQL` for the notation).
enum StoreSQL {
    static let checkpoint = SharedSQL("SELECT state FROM loop_checkpoint WHERE id = 1")
    static let writeCheckpoint = SharedSQL("""
        INSERT INTO loop_checkpoint (id, taken_at, state) VALUES (1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, state = excluded.state
        """)
    static let candles = SharedSQL("""
        SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = ? AND interval = ? AND open_time <= ? ORDER BY open_time
        """)
    /// The newest `?` candles up to a time, newest first (the store reverses them).
    static let lastCandles = SharedSQL("""
        SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = ? AND interval = ? AND open_time <= ? ORDER BY open_time DESC LIMIT ?
        """)
    static let openOrders = SharedSQL("""
        SELECT o.client_order_id, o.symbol, o.side, o.type, o.quantity{::text}, o.quote_quantity{::text}, o.price{::text}, o.stop_price{::text},
            o.time_in_force, o.reduce_only, s.name, o.created_at, o.status, o.exchange_order_id
        FROM orders o JOIN strategies s ON s.id = o.strategy_id
        WHERE o.status IN ('new', 'submitted', 'accepted', 'partially_filled', 'unknown') ORDER BY o.id
        """)
    static let fills = SharedSQL("""
        SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price{::text}, f.quantity{::text},
            f.fee{::text}, f.fee_asset, f.filled_at
        FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id ORDER BY f.filled_at, f.id
        """)
    /// The fills a `FillQuery` keeps: each filter bound twice (`? IS NULL OR …`), then limit and offset.
    static let fillsWhere = """
        WHERE (?{::text} IS NULL OR o.symbol = ?{::text}) AND (?{::text} IS NULL OR s.name = ?{::text})
          AND (?{::bigint} IS NULL OR f.filled_at >= ?{::bigint}) AND (?{::bigint} IS NULL OR f.filled_at <= ?{::bigint})
        """
    static let fillsPage = SharedSQL("""
        SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price{::text}, f.quantity{::text},
            f.fee{::text}, f.fee_asset, f.filled_at
        FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id
        \(fillsWhere) ORDER BY f.filled_at, f.id LIMIT ? OFFSET ?
        """)
    /// Without a market or strategy filter, the page's ids are found on the (filled_at, id) index
    /// alone and only its rows are joined: a page deep in the history skips index entries, not
    /// three-way joined rows (a "deferred join"). Binds from, from, to, to, limit, offset.
    static let fillsPageByTime = SharedSQL("""
        SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price{::text}, f.quantity{::text},
            f.fee{::text}, f.fee_asset, f.filled_at
        FROM (SELECT id FROM fills
              WHERE (?{::bigint} IS NULL OR filled_at >= ?{::bigint}) AND (?{::bigint} IS NULL OR filled_at <= ?{::bigint})
              ORDER BY filled_at, id LIMIT ? OFFSET ?) page
        JOIN fills f ON f.id = page.id JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id
        ORDER BY f.filled_at, f.id
        """)
    static let fillsCount = SharedSQL("""
        SELECT COUNT(*) FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id \(fillsWhere)
        """)
    /// Without a market or strategy filter the count needs no join: the history's first page
    /// (the common one) counts fills alone, not a three-way join of every fill. It binds the same
    /// eight values as `fillsWhere` (the market and strategy ones are null when it is chosen).
    static let fillsCountByTime = SharedSQL("""
        SELECT COUNT(*) FROM fills f
        WHERE (?{::text} IS NULL OR ?{::text} IS NULL) AND (?{::text} IS NULL OR ?{::text} IS NULL)
          AND (?{::bigint} IS NULL OR f.filled_at >= ?{::bigint}) AND (?{::bigint} IS NULL OR f.filled_at <= ?{::bigint})
        """)
    /// No filter at all (the history as a dashboard pages through it): the page skips entries of
    /// the (filled_at, id) index without testing a predicate on each, and the count is the table's.
    static let fillsPageAll = SharedSQL("""
        SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price{::text}, f.quantity{::text},
            f.fee{::text}, f.fee_asset, f.filled_at
        FROM (SELECT id FROM fills ORDER BY filled_at, id LIMIT ? OFFSET ?) page
        JOIN fills f ON f.id = page.id JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id
        ORDER BY f.filled_at, f.id
        """)
    static let fillsCountAll = SharedSQL("SELECT COUNT(*) FROM fills")

    /// Which page and count queries a fill query takes, and which of the eight filter values
    /// (market, market, strategy, strategy, from, from, to, to) each binds.
    enum FillsShape {
        case all, byTime, joined

        init(_ query: FillQuery) {
            if query.market == nil && query.strategy == nil {
                self = query.from == nil && query.to == nil ? .all : .byTime
            } else {
                self = .joined
            }
        }

        var page: SharedSQL { switch self { case .all: fillsPageAll; case .byTime: fillsPageByTime; case .joined: fillsPage } }
        var count: SharedSQL { switch self { case .all: fillsCountAll; case .byTime: fillsCountByTime; case .joined: fillsCount } }

        /// The page's binds before its limit and offset.
        func pageFilters<T>(_ filters: [T]) -> [T] {
            switch self {
            case .all: []
            case .byTime: Array(filters.suffix(4))
            case .joined: filters
            }
        }

        func countFilters<T>(_ filters: [T]) -> [T] { self == .all ? [] : filters }
    }

    /// The last point of each `every`-ms bucket in a time range: from, from, to, to, then from,
    /// from, to, to, every again for the bucket query.
    static let equity = SharedSQL("""
        SELECT taken_at, equity, cash, drawdown FROM equity_snapshots
        WHERE (?{::bigint} IS NULL OR taken_at >= ?{::bigint}) AND (?{::bigint} IS NULL OR taken_at <= ?{::bigint})
          AND taken_at IN (
            SELECT MAX(taken_at) FROM equity_snapshots
            WHERE (?{::bigint} IS NULL OR taken_at >= ?{::bigint}) AND (?{::bigint} IS NULL OR taken_at <= ?{::bigint})
            GROUP BY taken_at / ?{::bigint})
        ORDER BY taken_at
        """)
    static let fillsStamp = SharedSQL("SELECT COALESCE(MAX(id), 0) FROM fills")
    static let equitySpan = SharedSQL("SELECT MIN(taken_at), MAX(taken_at) FROM equity_snapshots")
    static func equityArguments(_ query: EquityQuery) -> [Int64?] {
        let range = [query.from, query.from, query.to, query.to]
        return range + range + [query.every]
    }

    static let positions = SharedSQL("""
        SELECT s.name, p.symbol, p.quantity{::text}, p.entry_price{::text}, p.opened_at FROM positions p JOIN strategies s ON s.id = p.strategy_id
        ORDER BY s.name, p.symbol
        """)
    static let strategyEvents = SharedSQL("SELECT at, strategy, market, kind, parameters{::text}, actor FROM strategy_events ORDER BY id")
    static let writeStrategyEvent = SharedSQL("""
        INSERT INTO strategy_events (at, strategy, market, kind, parameters, actor) VALUES (?, ?, ?, ?, ?{::jsonb}, ?)
        """)
    static let audit = SharedSQL("SELECT at, actor, action, target, detail FROM audit_log WHERE target = ? OR target LIKE ? ORDER BY id")
    static let writeAudit = SharedSQL("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
}
