import Foundation
import Logging
import PostgresNIO
import Storage
import Trading

/// The trading journal on PostgreSQL: amounts as NUMERIC from their exact decimal text, one
/// transaction per batch, the batch's candles and equity points in one statement each (arrays
/// unnested), so a fast replay writes thousands of bars per second.
public final class PostgresTradingStore: TradingStore {
    let client: PostgresClient
    let interval: String
    public let location: String
    static let logger = Logger(label: "warden.trading.postgres")

    /// `client` is the process's one pool, run as a service by the composition root.
    public init(client: PostgresClient, location: String, interval: Int64) {
        self.client = client
        self.location = location
        self.interval = StoreCodec.interval(interval)
    }

    public func write(_ batch: JournalBatch) async throws {
        let interval = interval
        let log = Self.logger
        try await client.transaction(logger: log) { connection in
            var strategyIDs: [String: Int64] = [:]
            func strategyID(_ name: String) async throws -> Int64 {
                if let id = strategyIDs[name] { return id }
                let now = batch.checkpoint?.time ?? 0
                try await connection.query(
                    "INSERT INTO strategies (name, kind, created_at) VALUES (\(name), \(name), \(now)) ON CONFLICT (name) DO NOTHING", logger: log)
                var found: Int64 = 0
                for try await id in try await connection.query("SELECT id FROM strategies WHERE name = \(name)", logger: log).decode(Int64.self) { found = id }
                strategyIDs[name] = found
                return found
            }
            for order in batch.orders {
                let id = try await strategyID(order.strategy)
                let quantity = StoreCodec.text(order.quantity), quote = StoreCodec.text(order.quoteQuantity)
                let price = StoreCodec.text(order.price), stop = StoreCodec.text(order.stopPrice)
                try await connection.query("""
                    INSERT INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, quote_quantity, price, stop_price, time_in_force,
                        reduce_only, status, created_at, updated_at)
                    VALUES (\(order.clientOrderID), \(id), \(order.market), \(order.side.rawValue), \(order.type.rawValue), COALESCE(\(quantity)::numeric, 0),
                        \(quote)::numeric, \(price)::numeric, \(stop)::numeric, \(order.timeInForce.rawValue), \(order.reduceOnly), 'new', \(order.decidedAt), \(order.decidedAt))
                    ON CONFLICT (client_order_id) DO NOTHING
                    """, logger: log)
            }
            for update in batch.orderUpdates {
                try await connection.query("""
                    UPDATE orders SET status = \(update.status.rawValue), exchange_order_id = COALESCE(\(update.exchangeOrderID), exchange_order_id),
                        reason = COALESCE(\(update.reason), reason), updated_at = \(update.time)
                    WHERE client_order_id = \(update.clientOrderID)
                    """, logger: log)
            }
            for recorded in batch.fills {
                let fill = recorded.fill
                var orderID: Int64?
                for try await id in try await connection.query("SELECT id FROM orders WHERE client_order_id = \(fill.clientOrderID)", logger: log).decode(Int64.self) {
                    orderID = id
                }
                guard let orderID else { throw StoreError(message: "a fill of \(fill.clientOrderID), which was never journaled; refusing to record it") }
                let price = "\(fill.price)", quantity = "\(fill.quantity)", fee = "\(fill.fee)"
                try await connection.query("""
                    INSERT INTO fills (order_id, exchange_fill_id, price, quantity, fee, fee_asset, filled_at)
                    SELECT \(orderID), \(fill.tradeID), \(price)::numeric, \(quantity)::numeric, \(fee)::numeric, \(fill.feeAsset), \(fill.time)
                    WHERE NOT EXISTS (SELECT 1 FROM fills WHERE exchange_fill_id = \(fill.tradeID) AND order_id = \(orderID))
                    """, logger: log)
                let strategy = try await strategyID(recorded.strategy)
                if fill.side == .buy {
                    try await connection.query("""
                        INSERT INTO positions (strategy_id, symbol, quantity, entry_price, opened_at, updated_at)
                        VALUES (\(strategy), \(fill.market), \(quantity)::numeric, \(price)::numeric, \(fill.time), \(fill.time))
                        ON CONFLICT (strategy_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, entry_price = EXCLUDED.entry_price,
                        opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at
                        """, logger: log)
                } else {
                    try await connection.query("DELETE FROM positions WHERE strategy_id = \(strategy) AND symbol = \(fill.market)", logger: log)
                }
            }
            if !batch.candles.isEmpty {
                let symbols = batch.candles.map(\.market), times = batch.candles.map(\.candle.openTime)
                let opens = batch.candles.map(\.candle.open), highs = batch.candles.map(\.candle.high), lows = batch.candles.map(\.candle.low)
                let closes = batch.candles.map(\.candle.close), volumes = batch.candles.map(\.candle.volume)
                try await connection.query("""
                    INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume)
                    SELECT s, \(interval), t, o, h, l, c, v FROM unnest(\(symbols)::text[], \(times)::bigint[], \(opens)::float8[], \(highs)::float8[],
                        \(lows)::float8[], \(closes)::float8[], \(volumes)::float8[]) AS u(s, t, o, h, l, c, v)
                    ON CONFLICT (symbol, interval, open_time) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
                        close = EXCLUDED.close, volume = EXCLUDED.volume
                    """, logger: log)
            }
            if !batch.equity.isEmpty {
                let times = batch.equity.map(\.time), equity = batch.equity.map(\.equity), cash = batch.equity.map(\.cash), drawdown = batch.equity.map(\.drawdown)
                try await connection.query("""
                    INSERT INTO equity_snapshots (taken_at, equity, cash, drawdown)
                    SELECT * FROM unnest(\(times)::bigint[], \(equity)::float8[], \(cash)::float8[], \(drawdown)::float8[])
                    ON CONFLICT (taken_at) DO UPDATE SET equity = EXCLUDED.equity, cash = EXCLUDED.cash, drawdown = EXCLUDED.drawdown
                    """, logger: log)
            }
            for event in batch.strategyEvents {
                _ = try await strategyID(event.strategy)
                let parameters = try StoreCodec.json(event.parameters)
                try await connection.query("""
                    INSERT INTO strategy_events (at, strategy, market, kind, parameters, actor)
                    VALUES (\(event.time), \(event.strategy), \(event.market), \(event.kind.rawValue), \(parameters)::jsonb, \(event.actor))
                    """, logger: log)
            }
            for entry in batch.audit {
                try await connection.query("""
                    INSERT INTO audit_log (at, actor, action, target, detail) VALUES (\(entry.time), \(entry.actor), \(entry.action), \(entry.target), \(entry.detail))
                    """, logger: log)
            }
            if let checkpoint = batch.checkpoint {
                for slot in checkpoint.slots { _ = try await strategyID(slot.name) }
                let state = try StoreCodec.json(checkpoint)
                try await connection.query("""
                    INSERT INTO loop_checkpoint (id, taken_at, state) VALUES (1, \(checkpoint.time), \(state))
                    ON CONFLICT (id) DO UPDATE SET taken_at = EXCLUDED.taken_at, state = EXCLUDED.state
                    """, logger: log)
            }
        }
    }

    public func checkpoint() async throws -> LoopCheckpoint? {
        var text: String?
        for try await state in try await client.query("SELECT state FROM loop_checkpoint WHERE id = 1", logger: Self.logger).decode(String.self) { text = state }
        guard let text else { return nil }
        do {
            return try StoreCodec.decode(LoopCheckpoint.self, text)
        } catch {
            throw StoreError(message: "the journal's loop checkpoint cannot be read (\(error)); refusing to trade on a guess")
        }
    }

    public func candles(market: String, through time: Int64) async throws -> [Candle] {
        var candles: [Candle] = []
        for try await (t, o, h, l, c, v) in try await client.query("""
            SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = \(market) AND interval = \(interval) AND open_time <= \(time)
            ORDER BY open_time
            """, logger: Self.logger).decode((Int64, Double, Double, Double, Double, Double).self) {
            candles.append(Candle(openTime: t, open: o, high: h, low: l, close: c, volume: v))
        }
        return candles
    }

    public func openOrders() async throws -> [JournaledOrder] {
        var orders: [JournaledOrder] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            SELECT o.client_order_id, o.symbol, o.side, o.type, NULLIF(o.quantity, 0)::text, o.quote_quantity::text, o.price::text, o.stop_price::text,
                o.time_in_force, o.reduce_only, s.name, o.created_at, o.status, o.exchange_order_id
            FROM orders o JOIN strategies s ON s.id = o.strategy_id WHERE o.status IN \(StoreCodec.openStatuses) ORDER BY o.id
            """), logger: Self.logger)
        for try await row in rows {
            let r = try row.decode((String, String, String, String, String?, String?, String?, String?, String?, Bool, String, Int64, String, String?).self)
            let order = StoreCodec.order(
                clientOrderID: r.0, market: r.1, side: r.2, type: r.3, quantity: r.4, quote: r.5, price: r.6, stop: r.7, timeInForce: r.8, reduceOnly: r.9,
                strategy: r.10, createdAt: r.11)
            orders.append(JournaledOrder(order: order, status: OrderStatus(rawValue: r.12) ?? .unknown, exchangeOrderID: r.13))
        }
        return orders
    }

    public func fills() async throws -> [RecordedFill] {
        var fills: [RecordedFill] = []
        for try await r in try await client.query("""
            SELECT s.name, o.client_order_id, o.exchange_order_id, f.exchange_fill_id, o.symbol, o.side, f.price::text, f.quantity::text, f.fee::text,
                f.fee_asset, f.filled_at
            FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id ORDER BY f.filled_at, f.id
            """, logger: Self.logger).decode((String, String, String?, String?, String, String, String, String, String, String, Int64).self) {
            fills.append(RecordedFill(strategy: r.0, fill: Fill(
                clientOrderID: r.1, exchangeOrderID: r.2 ?? "", tradeID: r.3 ?? "", market: r.4, side: Side(rawValue: r.5) ?? .buy,
                price: StoreCodec.decimal(r.6) ?? 0, quantity: StoreCodec.decimal(r.7) ?? 0, fee: StoreCodec.decimal(r.8) ?? 0, feeAsset: r.9, time: r.10)))
        }
        return fills
    }

    public func positions() async throws -> [Position] {
        var positions: [Position] = []
        for try await r in try await client.query("""
            SELECT s.name, p.symbol, p.quantity::text, p.entry_price::text, p.opened_at FROM positions p JOIN strategies s ON s.id = p.strategy_id
            ORDER BY s.name, p.symbol
            """, logger: Self.logger).decode((String, String, String, String, Int64).self) {
            positions.append(Position(strategy: r.0, market: r.1, quantity: StoreCodec.decimal(r.2) ?? 0, entryPrice: StoreCodec.decimal(r.3) ?? 0, openedAt: r.4))
        }
        return positions
    }

    public func strategyEvents() async throws -> [StrategyEvent] {
        var events: [StrategyEvent] = []
        for try await r in try await client.query(
            "SELECT at, strategy, market, kind, parameters::text, actor FROM strategy_events ORDER BY id", logger: Self.logger
        ).decode((Int64, String, String?, String, String, String).self) {
            events.append(StrategyEvent(
                time: r.0, strategy: r.1, market: r.2, kind: StrategyEvent.Kind(rawValue: r.3) ?? .setParameters,
                parameters: (try? StoreCodec.decode([String: Double].self, r.4)) ?? [:], actor: r.5))
        }
        return events
    }

    public func audit(target: String) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        let like = target + ":%"
        for try await r in try await client.query(
            "SELECT at, actor, action, target, detail FROM audit_log WHERE target = \(target) OR target LIKE \(like) ORDER BY id", logger: Self.logger
        ).decode((Int64, String, String, String?, String?).self) {
            entries.append(AuditEntry(time: r.0, actor: r.1, action: r.2, target: r.3 ?? "", detail: r.4 ?? ""))
        }
        return entries
    }
}
