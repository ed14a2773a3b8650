import Foundation
import GRDB
import Trading

/// The trading journal in Warden's SQLite database: one transaction per batch.
public final class SQLiteTradingStore: TradingStore {
    let database: any DatabaseWriter
    let interval: String
    public let location: String

    /// `database` is the process's one handle on the file.
    public init(database: any DatabaseWriter, location: String, interval: Int64) {
        self.database = database
        self.location = location
        self.interval = StoreCodec.interval(interval)
    }

    public func write(_ batch: JournalBatch) async throws {
        let interval = interval
        try await database.write { db in
            var strategyIDs: [String: Int64] = [:]
            func strategyID(_ name: String) throws -> Int64 {
                if let id = strategyIDs[name] { return id }
                try db.execute(sql: "INSERT OR IGNORE INTO strategies (name, kind, created_at) VALUES (?, ?, ?)", arguments: [name, name, batch.checkpoint?.time ?? 0])
                let id = try Int64.fetchOne(db, sql: "SELECT id FROM strategies WHERE name = ?", arguments: [name])!
                strategyIDs[name] = id
                return id
            }
            // Each order is written once with its last state in this batch; later batches update it.
            let updates = batch.finalUpdates
            for order in batch.orders {
                let final = updates[order.clientOrderID]
                try db.execute(sql: """
                    INSERT OR IGNORE INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, quote_quantity, price, stop_price,
                        time_in_force, reduce_only, status, exchange_order_id, reason, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        order.clientOrderID, try strategyID(order.strategy), order.market, order.side.rawValue, order.type.rawValue,
                        StoreCodec.text(order.quantity) ?? "", StoreCodec.text(order.quoteQuantity), StoreCodec.text(order.price),
                        StoreCodec.text(order.stopPrice), order.timeInForce.rawValue, order.reduceOnly, final?.status.rawValue ?? "new",
                        final?.exchangeOrderID, final?.reason, order.decidedAt, final?.time ?? order.decidedAt,
                    ])
            }
            let inserted = Set(batch.orders.map(\.clientOrderID))
            for update in updates.values where !inserted.contains(update.clientOrderID) {
                try db.execute(sql: """
                    UPDATE orders SET status = ?, exchange_order_id = COALESCE(?, exchange_order_id), reason = COALESCE(?, reason), updated_at = ?
                    WHERE client_order_id = ?
                    """, arguments: [update.status.rawValue, update.exchangeOrderID, update.reason, update.time, update.clientOrderID])
            }
            for recorded in batch.fills {
                let fill = recorded.fill
                guard let orderID = try Int64.fetchOne(db, sql: "SELECT id FROM orders WHERE client_order_id = ?", arguments: [fill.clientOrderID]) else {
                    throw StoreError(message: "a fill of \(fill.clientOrderID), which was never journaled; refusing to record it")
                }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO fills (order_id, exchange_fill_id, price, quantity, fee, fee_asset, filled_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [orderID, fill.tradeID, "\(fill.price)", "\(fill.quantity)", "\(fill.fee)", fill.feeAsset, fill.time])
            }
            // Positions are the loop's own, as its checkpoint holds them after this batch.
            for slot in batch.checkpoint?.slots ?? [] {
                let id = try strategyID(slot.name)
                if slot.quantity > 0 {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO positions (strategy_id, symbol, quantity, entry_price, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [id, slot.market, "\(slot.quantity)", "\(slot.entryPrice)", slot.openedAt ?? 0, batch.checkpoint!.time])
                } else {
                    try db.execute(sql: "DELETE FROM positions WHERE strategy_id = ? AND symbol = ?", arguments: [id, slot.market])
                }
            }
            let candles = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO candles (symbol, interval, open_time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (market, c) in batch.candles {
                try candles.execute(arguments: [market, interval, c.openTime, c.open, c.high, c.low, c.close, c.volume])
            }
            let equity = try db.makeStatement(sql: "INSERT OR REPLACE INTO equity_snapshots (taken_at, equity, cash, drawdown) VALUES (?, ?, ?, ?)")
            for point in batch.equity { try equity.execute(arguments: [point.time, point.equity, point.cash, point.drawdown]) }
            for event in batch.strategyEvents {
                _ = try strategyID(event.strategy)
                try db.execute(sql: StoreSQL.writeStrategyEvent.sqlite,
                               arguments: [event.time, event.strategy, event.market, event.kind.rawValue, try StoreCodec.json(event.parameters), event.actor])
            }
            for entry in batch.audit {
                try db.execute(sql: StoreSQL.writeAudit.sqlite, arguments: [entry.time, entry.actor, entry.action, entry.target, entry.detail])
            }
            if let checkpoint = batch.checkpoint {
                for slot in checkpoint.slots { _ = try strategyID(slot.name) }
                try db.execute(sql: StoreSQL.writeCheckpoint.sqlite, arguments: [checkpoint.time, try StoreCodec.json(checkpoint)])
            }
        }
    }

    public func checkpoint() async throws -> LoopCheckpoint? {
        guard let text = try await database.read({ db in try String.fetchOne(db, sql: StoreSQL.checkpoint.sqlite) }) else { return nil }
        do {
            return try StoreCodec.decode(LoopCheckpoint.self, text)
        } catch {
            throw StoreError(message: "the journal's loop checkpoint cannot be read (\(error)); refusing to trade on a guess")
        }
    }

    public func candles(market: String, through time: Int64) async throws -> [Candle] {
        let interval = interval
        return try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.candles.sqlite, arguments: [market, interval, time]).map { Candle(openTime: $0[0], open: $0[1], high: $0[2], low: $0[3], close: $0[4], volume: $0[5]) }
        }
    }

    public func candles(market: String, through time: Int64, last count: Int) async throws -> [Candle] {
        let interval = interval
        return try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.lastCandles.sqlite, arguments: [market, interval, time, count])
                .map { Candle(openTime: $0[0], open: $0[1], high: $0[2], low: $0[3], close: $0[4], volume: $0[5]) }.reversed()
        }
    }

    public func openOrders() async throws -> [JournaledOrder] {
        try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.openOrders.sqlite).map { row in
                let quantity: String = row[4]
                let order = StoreCodec.order(
                    clientOrderID: row[0], market: row[1], side: row[2], type: row[3], quantity: quantity.isEmpty ? nil : quantity, quote: row[5],
                    price: row[6], stop: row[7], timeInForce: row[8], reduceOnly: row[9], strategy: row[10], createdAt: row[11])
                return JournaledOrder(order: order, status: OrderStatus(rawValue: row[12]) ?? .unknown, exchangeOrderID: row[13])
            }
        }
    }

    public func fills() async throws -> [RecordedFill] {
        try await database.read { db in try Row.fetchAll(db, sql: StoreSQL.fills.sqlite).map(Self.fill) }
    }

    public func fills(_ query: FillQuery) async throws -> (fills: [RecordedFill], total: Int) {
        return try await database.read { db in
            let filters: [(any DatabaseValueConvertible)?] = [query.market, query.market, query.strategy, query.strategy, query.from, query.from, query.to, query.to]
            let shape = StoreSQL.FillsShape(query)
            let bound: [(any DatabaseValueConvertible)?] = shape.pageFilters(filters) + [query.limit, query.offset]
            // Cached statements: the history endpoint's pages are the same few queries, and
            // preparing a four-table join was a good part of a page's cost.
            let page = try Row.fetchAll(db.cachedStatement(sql: shape.page.sqlite), arguments: StatementArguments(bound)).map(Self.fill)
            return (page, try Int.fetchOne(db.cachedStatement(sql: shape.count.sqlite), arguments: StatementArguments(shape.countFilters(filters))) ?? 0)
        }
    }

    public func equity(_ query: EquityQuery) async throws -> [EquityPoint] {
        try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.equity.sqlite, arguments: StatementArguments(StoreSQL.equityArguments(query).map { $0 as (any DatabaseValueConvertible)? }))
                .map { EquityPoint(time: $0[0], equity: $0[1], cash: $0[2], drawdown: $0[3]) }
        }
    }

    public func fillsStamp() async throws -> Int64 {
        try await database.read { db in try Int64.fetchOne(db, sql: StoreSQL.fillsStamp.sqlite) ?? 0 }
    }

    public func equitySpan() async throws -> (first: Int64, last: Int64)? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: StoreSQL.equitySpan.sqlite), let first: Int64 = row[0], let last: Int64 = row[1] else { return nil }
            return (first, last)
        }
    }

    static func fill(_ row: Row) -> RecordedFill {
        RecordedFill(strategy: row[0], fill: Fill(
            clientOrderID: row[1], exchangeOrderID: row[2] ?? "", tradeID: row[3] ?? "", market: row[4], side: Side(rawValue: row[5]) ?? .buy,
            price: StoreCodec.decimal(row[6]) ?? 0, quantity: StoreCodec.decimal(row[7]) ?? 0, fee: StoreCodec.decimal(row[8]) ?? 0,
            feeAsset: row[9], time: row[10]))
    }

    public func strategyEvents() async throws -> [StrategyEvent] {
        try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.strategyEvents.sqlite).map { row in
                StrategyEvent(
                    time: row[0], strategy: row[1], market: row[2], kind: StrategyEvent.Kind(rawValue: row[3]) ?? .setParameters,
                    parameters: (try? StoreCodec.decode([String: Double].self, row[4])) ?? [:], actor: row[5])
            }
        }
    }

    public func audit(target: String) async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.audit.sqlite, arguments: [target, target + ":%"]).map { AuditEntry(time: $0[0], actor: $0[1], action: $0[2], target: $0[3], detail: $0[4] ?? "") }
        }
    }

    public func positions() async throws -> [Position] {
        try await database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.positions.sqlite).map { Position(strategy: $0[0], market: $0[1], quantity: StoreCodec.decimal($0[2]) ?? 0, entryPrice: StoreCodec.decimal($0[3]) ?? 0, openedAt: $0[4]) }
        }
    }
}
