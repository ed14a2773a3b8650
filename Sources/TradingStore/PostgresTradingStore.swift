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
        let updates = batch.finalUpdates
        let inserted = Set(batch.orders.map(\.clientOrderID))
        try await client.transaction(logger: log) { connection in
            // Set-based: a statement per kind of row, not per row, so a replay's batch of 1,000 bars
            // is a handful of round trips. Text arrays carry NUMERIC amounts exactly ('' for none).
            let names = Array(Set(batch.orders.map(\.strategy) + batch.fills.map(\.strategy) + batch.strategyEvents.map(\.strategy)
                + (batch.checkpoint?.slots.map(\.name) ?? [])))
            if !names.isEmpty {
                let now = batch.checkpoint?.time ?? 0
                try await connection.query("""
                    INSERT INTO strategies (name, kind, created_at) SELECT n, n, \(now) FROM unnest(\(names)::text[]) AS n ON CONFLICT (name) DO NOTHING
                    """, logger: log)
            }
            if !batch.orders.isEmpty {
                let o = batch.orders
                let final = o.map { updates[$0.clientOrderID] }
                let ids = o.map(\.clientOrderID), strategies = o.map(\.strategy), markets = o.map(\.market), sides = o.map(\.side.rawValue)
                let types = o.map(\.type.rawValue), quantities = o.map { StoreCodec.text($0.quantity) ?? "" }
                let quotes = o.map { StoreCodec.text($0.quoteQuantity) ?? "" }, prices = o.map { StoreCodec.text($0.price) ?? "" }
                let stops = o.map { StoreCodec.text($0.stopPrice) ?? "" }, tifs = o.map(\.timeInForce.rawValue), reduce = o.map(\.reduceOnly)
                let statuses = final.map { $0?.status.rawValue ?? "new" }, exchangeIDs = final.map { $0?.exchangeOrderID ?? "" }
                let reasons = final.map { $0?.reason ?? "" }, created = o.map(\.decidedAt), updated = zip(o, final).map { $1?.time ?? $0.decidedAt }
                try await connection.query("""
                    INSERT INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, quote_quantity, price, stop_price, time_in_force,
                        reduce_only, status, exchange_order_id, reason, created_at, updated_at)
                    SELECT u.id, s.id, u.market, u.side, u.type, COALESCE(NULLIF(u.q, '')::numeric, 0), NULLIF(u.quote, '')::numeric,
                        NULLIF(u.price, '')::numeric, NULLIF(u.stop, '')::numeric, u.tif, u.reduce, u.status, NULLIF(u.eid, ''), NULLIF(u.reason, ''),
                        u.created, u.updated
                    FROM unnest(\(ids)::text[], \(strategies)::text[], \(markets)::text[], \(sides)::text[], \(types)::text[], \(quantities)::text[],
                        \(quotes)::text[], \(prices)::text[], \(stops)::text[], \(tifs)::text[], \(reduce)::bool[], \(statuses)::text[],
                        \(exchangeIDs)::text[], \(reasons)::text[], \(created)::bigint[], \(updated)::bigint[])
                        AS u(id, strategy, market, side, type, q, quote, price, stop, tif, reduce, status, eid, reason, created, updated)
                    JOIN strategies s ON s.name = u.strategy
                    ON CONFLICT (client_order_id) DO NOTHING
                    """, logger: log)
            }
            let later = updates.values.filter { !inserted.contains($0.clientOrderID) }.sorted { $0.clientOrderID < $1.clientOrderID }
            if !later.isEmpty {
                let ids = later.map(\.clientOrderID), statuses = later.map(\.status.rawValue), exchangeIDs = later.map { $0.exchangeOrderID ?? "" }
                let reasons = later.map { $0.reason ?? "" }, times = later.map(\.time)
                try await connection.query("""
                    UPDATE orders o SET status = u.status, exchange_order_id = COALESCE(NULLIF(u.eid, ''), o.exchange_order_id),
                        reason = COALESCE(NULLIF(u.reason, ''), o.reason), updated_at = u.at
                    FROM unnest(\(ids)::text[], \(statuses)::text[], \(exchangeIDs)::text[], \(reasons)::text[], \(times)::bigint[]) AS u(id, status, eid, reason, at)
                    WHERE o.client_order_id = u.id
                    """, logger: log)
            }
            if !batch.fills.isEmpty {
                let f = batch.fills.map(\.fill)
                let ids = f.map(\.clientOrderID), trades = f.map(\.tradeID), prices = f.map { "\($0.price)" }, quantities = f.map { "\($0.quantity)" }
                let fees = f.map { "\($0.fee)" }, assets = f.map(\.feeAsset), times = f.map(\.time)
                let ordinal = Array(Int64(0)..<Int64(f.count))
                try await connection.query("""
                    INSERT INTO fills (order_id, exchange_fill_id, price, quantity, fee, fee_asset, filled_at)
                    SELECT o.id, u.trade, u.price::numeric, u.q::numeric, u.fee::numeric, u.asset, u.at
                    FROM unnest(\(ids)::text[], \(trades)::text[], \(prices)::text[], \(quantities)::text[], \(fees)::text[], \(assets)::text[],
                        \(times)::bigint[], \(ordinal)::bigint[]) AS u(id, trade, price, q, fee, asset, at, n)
                    JOIN orders o ON o.client_order_id = u.id
                    WHERE NOT EXISTS (SELECT 1 FROM fills x WHERE x.exchange_fill_id = u.trade AND x.order_id = o.id)
                    ORDER BY u.n
                    """, logger: log)
                let journaled = try await Self.count(connection, ids)
                guard journaled == Set(ids).count else {
                    throw StoreError(message: "a fill of an order that was never journaled (\(Set(ids).count - journaled) of \(Set(ids).count)); refusing to record it")
                }
            }
            // Positions are the loop's own, as its checkpoint holds them after this batch.
            if let checkpoint = batch.checkpoint {
                let open = checkpoint.slots.filter { $0.quantity > 0 }, flat = checkpoint.slots.filter { $0.quantity <= 0 }
                if !open.isEmpty {
                    let names = open.map(\.name), markets = open.map(\.market), quantities = open.map { "\($0.quantity)" }
                    let prices = open.map { "\($0.entryPrice)" }, opened = open.map { $0.openedAt ?? 0 }
                    try await connection.query("""
                        INSERT INTO positions (strategy_id, symbol, quantity, entry_price, opened_at, updated_at)
                        SELECT s.id, u.market, u.q::numeric, u.price::numeric, u.opened, \(checkpoint.time)
                        FROM unnest(\(names)::text[], \(markets)::text[], \(quantities)::text[], \(prices)::text[], \(opened)::bigint[]) AS u(name, market, q, price, opened)
                        JOIN strategies s ON s.name = u.name
                        ON CONFLICT (strategy_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, entry_price = EXCLUDED.entry_price,
                            opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at
                        """, logger: log)
                }
                if !flat.isEmpty {
                    let names = flat.map(\.name), markets = flat.map(\.market)
                    try await connection.query("""
                        DELETE FROM positions p USING unnest(\(names)::text[], \(markets)::text[]) AS u(name, market), strategies s
                        WHERE s.name = u.name AND p.strategy_id = s.id AND p.symbol = u.market
                        """, logger: log)
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
                try await connection.query(
                    try Self.query(StoreSQL.writeStrategyEvent, event.time, event.strategy, event.market, event.kind.rawValue, try StoreCodec.json(event.parameters), event.actor),
                    logger: log)
            }
            for entry in batch.audit {
                try await connection.query(try Self.query(StoreSQL.writeAudit, entry.time, entry.actor, entry.action, entry.target, entry.detail), logger: log)
            }
            if let checkpoint = batch.checkpoint {
                try await connection.query(try Self.query(StoreSQL.writeCheckpoint, checkpoint.time, try StoreCodec.json(checkpoint)), logger: log)
            }
        }
    }

    /// How many of `ids` are journaled orders.
    static func count(_ connection: PostgresConnection, _ ids: [String]) async throws -> Int {
        var found = 0
        for try await n in try await connection.query(
            "SELECT count(*)::int8 FROM orders WHERE client_order_id = ANY(\(Array(Set(ids)))::text[])", logger: logger).decode(Int64.self) {
            found = Int(n)
        }
        return found
    }

    /// `sql` with its binds, in order.
    static func query(_ sql: SharedSQL, _ values: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> PostgresQuery {
        try sql.postgresQuery(values)
    }

    public func checkpoint() async throws -> LoopCheckpoint? {
        var text: String?
        for try await state in try await client.query(try Self.query(StoreSQL.checkpoint), logger: Self.logger).decode(String.self) { text = state }
        guard let text else { return nil }
        do {
            return try StoreCodec.decode(LoopCheckpoint.self, text)
        } catch {
            throw StoreError(message: "the journal's loop checkpoint cannot be read (\(error)); refusing to trade on a guess")
        }
    }

    public func candles(market: String, through time: Int64, last count: Int) async throws -> [Candle] {
        var candles: [Candle] = []
        for try await (t, o, h, l, c, v) in try await client.query(try Self.query(StoreSQL.lastCandles, market, interval, time, Int64(count)), logger: Self.logger)
            .decode((Int64, Double, Double, Double, Double, Double).self) {
            candles.append(Candle(openTime: t, open: o, high: h, low: l, close: c, volume: v))
        }
        return candles.reversed()
    }

    public func candles(market: String, through time: Int64) async throws -> [Candle] {
        var candles: [Candle] = []
        for try await (t, o, h, l, c, v) in try await client.query(try Self.query(StoreSQL.candles, market, interval, time), logger: Self.logger)
            .decode((Int64, Double, Double, Double, Double, Double).self) {
            candles.append(Candle(openTime: t, open: o, high: h, low: l, close: c, volume: v))
        }
        return candles
    }

    public func openOrders() async throws -> [JournaledOrder] {
        var orders: [JournaledOrder] = []
        for try await row in try await client.query(try Self.query(StoreSQL.openOrders), logger: Self.logger) {
            let r = try row.decode((String, String, String, String, String?, String?, String?, String?, String?, Bool, String, Int64, String, String?).self)
            let order = StoreCodec.order(
                clientOrderID: r.0, market: r.1, side: r.2, type: r.3, quantity: r.4, quote: r.5, price: r.6, stop: r.7, timeInForce: r.8, reduceOnly: r.9,
                strategy: r.10, createdAt: r.11)
            orders.append(JournaledOrder(order: order, status: OrderStatus(rawValue: r.12) ?? .unknown, exchangeOrderID: r.13))
        }
        return orders
    }

    public func fills() async throws -> [RecordedFill] { try await fills(try Self.query(StoreSQL.fills)) }

    public func fills(_ query: FillQuery) async throws -> (fills: [RecordedFill], total: Int) {
        let filters: [(any PostgresThrowingDynamicTypeEncodable)?] = [query.market, query.market, query.strategy, query.strategy, query.from, query.from, query.to, query.to]
        let shape = StoreSQL.FillsShape(query)
        let page = try await fills(try shape.page.postgresQuery(shape.pageFilters(filters) + [Int64(query.limit), Int64(query.offset)]))
        var total = 0
        for try await count in try await client.query(try shape.count.postgresQuery(shape.countFilters(filters)), logger: Self.logger).decode(Int64.self) { total = Int(count) }
        return (page, total)
    }

    private func fills(_ sql: PostgresQuery) async throws -> [RecordedFill] {
        var fills: [RecordedFill] = []
        for try await r in try await client.query(sql, logger: Self.logger)
            .decode((String, String, String?, String?, String, String, String, String, String, String, Int64).self) {
            fills.append(RecordedFill(strategy: r.0, fill: Fill(
                clientOrderID: r.1, exchangeOrderID: r.2 ?? "", tradeID: r.3 ?? "", market: r.4, side: Side(rawValue: r.5) ?? .buy,
                price: StoreCodec.decimal(r.6) ?? 0, quantity: StoreCodec.decimal(r.7) ?? 0, fee: StoreCodec.decimal(r.8) ?? 0, feeAsset: r.9, time: r.10)))
        }
        return fills
    }

    public func equity(_ query: EquityQuery) async throws -> [EquityPoint] {
        var points: [EquityPoint] = []
        let sql = try StoreSQL.equity.postgresQuery(StoreSQL.equityArguments(query).map { $0 as (any PostgresThrowingDynamicTypeEncodable)? })
        for try await r in try await client.query(sql, logger: Self.logger).decode((Int64, Double, Double, Double).self) {
            points.append(EquityPoint(time: r.0, equity: r.1, cash: r.2, drawdown: r.3))
        }
        return points
    }

    public func fillsStamp() async throws -> Int64 {
        for try await stamp in try await client.query(try Self.query(StoreSQL.fillsStamp), logger: Self.logger).decode(Int64.self) { return stamp }
        return 0
    }

    public func equitySpan() async throws -> (first: Int64, last: Int64)? {
        for try await r in try await client.query(try Self.query(StoreSQL.equitySpan), logger: Self.logger).decode((Int64?, Int64?).self) {
            if let first = r.0, let last = r.1 { return (first, last) }
        }
        return nil
    }

    public func positions() async throws -> [Position] {
        var positions: [Position] = []
        for try await r in try await client.query(try Self.query(StoreSQL.positions), logger: Self.logger).decode((String, String, String, String, Int64).self) {
            positions.append(Position(strategy: r.0, market: r.1, quantity: StoreCodec.decimal(r.2) ?? 0, entryPrice: StoreCodec.decimal(r.3) ?? 0, openedAt: r.4))
        }
        return positions
    }

    public func strategyEvents() async throws -> [StrategyEvent] {
        var events: [StrategyEvent] = []
        for try await r in try await client.query(try Self.query(StoreSQL.strategyEvents), logger: Self.logger).decode((Int64, String, String?, String, String, String).self) {
            events.append(StrategyEvent(
                time: r.0, strategy: r.1, market: r.2, kind: StrategyEvent.Kind(rawValue: r.3) ?? .setParameters,
                parameters: (try? StoreCodec.decode([String: Double].self, r.4)) ?? [:], actor: r.5))
        }
        return events
    }

    public func audit(target: String) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await r in try await client.query(try Self.query(StoreSQL.audit, target, target + ":%"), logger: Self.logger).decode((Int64, String, String, String?, String?).self) {
            entries.append(AuditEntry(time: r.0, actor: r.1, action: r.2, target: r.3 ?? "", detail: r.4 ?? ""))
        }
        return entries
    }
}
