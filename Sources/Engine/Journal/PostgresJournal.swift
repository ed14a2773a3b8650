import Foundation
import Logging
import PostgresNIO
import Storage
import Trading

/// The trading journal on PostgreSQL: amounts as NUMERIC (written from and read back to the exact
/// decimal text of the Double), each bar's writes in one transaction.
public final class PostgresJournal: TradingJournal {
    let client: PostgresClient
    let symbol: String
    public let location: String
    static let logger = Logger(label: "warden.trading.postgres")

    public init(_ postgres: DatabaseLocation.Postgres, symbol: String) {
        client = postgres.makeClient()
        self.symbol = symbol
        location = "\(DatabaseLocation.postgres(postgres))"
    }

    public func run() async { await client.run() }


    public func strategyIDs(_ names: [String], now: Int64) async throws -> [String: Int64] {
        try await client.transaction(logger: Self.logger) { connection in
            var ids: [String: Int64] = [:]
            for name in names {
                try await connection.query("""
                    INSERT INTO strategies (name, kind, created_at) VALUES (\(name), \(name), \(now)) ON CONFLICT (name) DO NOTHING
                    """, logger: Self.logger)
                for try await id in try await connection.query("SELECT id FROM strategies WHERE name = \(name)", logger: Self.logger).decode(Int64.self) {
                    ids[name] = id
                }
            }
            return ids
        }
    }

    public func recover() async throws -> JournalRecovery {
        var lastBar: Int64?
        for try await value in try await client.query("SELECT max(taken_at) FROM equity_snapshots", logger: Self.logger).decode(Int64?.self) {
            lastBar = value
        }
        var pending: [Int64: PendingOrder] = [:]
        for try await (id, clientOrderID, strategyID, side) in try await client.query("""
            SELECT id, client_order_id, strategy_id, side FROM orders WHERE status = 'new' AND symbol = \(symbol)
            """, logger: Self.logger).decode((Int64, String, Int64, String).self) {
            pending[strategyID] = PendingOrder(orderID: id, clientOrderID: clientOrderID, side: FillModel.Side(rawValue: side)!)
        }
        var fills: [JournalFill] = []
        for try await (strategyID, side, price, quantity, fee, at) in try await client.query("""
            SELECT o.strategy_id, o.side, f.price::text, f.quantity::text, f.fee::text, f.filled_at FROM fills f JOIN orders o ON o.id = f.order_id
            WHERE o.symbol = \(symbol) ORDER BY f.filled_at, f.id
            """, logger: Self.logger).decode((Int64, String, String, String, String, Int64).self) {
            fills.append(JournalFill(strategyID: strategyID, side: FillModel.Side(rawValue: side)!, price: Double(price)!,
                                     quantity: Double(quantity)!, fee: Double(fee)!, at: at))
        }
        return JournalRecovery(lastBar: lastBar, pending: pending, fills: fills)
    }

    public func recordBar(_ time: Int64, orders: [JournalOrder], equity: Double, cash: Double, drawdown: Double) async throws {
        let symbol = symbol
        try await client.transaction(logger: Self.logger) { connection in
            for order in orders {
                let quantity = "\(order.quantity)"
                try await connection.query("""
                    INSERT INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, status, created_at, updated_at)
                    VALUES (\(order.clientOrderID), \(order.strategyID), \(symbol), \(order.side.rawValue), 'market', \(quantity)::numeric, 'new', \(time), \(time))
                    ON CONFLICT (client_order_id) DO NOTHING
                    """, logger: Self.logger)
            }
            try await connection.query("""
                INSERT INTO equity_snapshots (taken_at, equity, cash, drawdown) VALUES (\(time), \(equity), \(cash), \(drawdown))
                ON CONFLICT (taken_at) DO UPDATE SET equity = EXCLUDED.equity, cash = EXCLUDED.cash, drawdown = EXCLUDED.drawdown
                """, logger: Self.logger)
        }
    }

    public func recordFill(clientOrderID: String, strategyID: Int64, fill: StrategyBook.Fill, at time: Int64) async throws -> Bool {
        let symbol = symbol
        return try await client.transaction(logger: Self.logger) { connection in
            var found: (Int64, String)?
            for try await row in try await connection.query(
                "SELECT id, status FROM orders WHERE client_order_id = \(clientOrderID) FOR UPDATE", logger: Self.logger).decode((Int64, String).self) {
                found = row
            }
            guard let (orderID, status) = found else {
                throw JournalError(message: "order \(clientOrderID) was never journaled; refusing to fill it")
            }
            guard status != "filled" else { return false }
            let price = "\(fill.price)", quantity = "\(fill.quantity)", fee = "\(fill.fee)", exchangeID = "paper-\(orderID)"
            try await connection.query("""
                INSERT INTO fills (order_id, exchange_fill_id, price, quantity, fee, fee_asset, filled_at)
                VALUES (\(orderID), \(exchangeID), \(price)::numeric, \(quantity)::numeric, \(fee)::numeric, 'USDT', \(time))
                """, logger: Self.logger)
            try await connection.query(
                "UPDATE orders SET status = 'filled', updated_at = \(time), exchange_order_id = \(exchangeID) WHERE id = \(orderID)", logger: Self.logger)
            if fill.side == .buy {
                try await connection.query("""
                    INSERT INTO positions (strategy_id, symbol, quantity, entry_price, opened_at, updated_at)
                    VALUES (\(strategyID), \(symbol), \(quantity)::numeric, \(price)::numeric, \(time), \(time))
                    ON CONFLICT (strategy_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, entry_price = EXCLUDED.entry_price,
                    opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at
                    """, logger: Self.logger)
            } else {
                try await connection.query("DELETE FROM positions WHERE strategy_id = \(strategyID) AND symbol = \(symbol)", logger: Self.logger)
            }
            return true
        }
    }

    public func cancel(clientOrderID: String, at time: Int64) async throws {
        try await client.query(
            "UPDATE orders SET status = 'cancelled', updated_at = \(time) WHERE client_order_id = \(clientOrderID) AND status = 'new'", logger: Self.logger)
    }

    public func recordTradingState(_ action: String, actor: String, reason: String, at time: Int64) async throws {
        try await client.query("""
            INSERT INTO audit_log (at, actor, action, target, detail) VALUES (\(time), \(actor), \(action), 'trading', \(reason))
            """, logger: Self.logger)
    }

    public func operatorActions() async throws -> [(at: Int64, action: String, actor: String)] {
        var actions: [(at: Int64, action: String, actor: String)] = []
        for try await (at, action, actor) in try await client.query(
            "SELECT at, action, actor FROM audit_log WHERE target = 'trading' AND actor <> 'risk' ORDER BY id", logger: Self.logger
        ).decode((Int64, String, String).self) {
            actions.append((at, action, actor))
        }
        return actions
    }

    /// Every strategy's fills in time order, for `warden trades` and `warden positions`.
    public func ledger() async throws -> (strategies: [(Int64, String)], fills: [LedgerFill], positions: [TradeLedger.Position]) {
        var strategies: [(Int64, String)] = []
        for try await row in try await client.query("SELECT id, name FROM strategies ORDER BY id", logger: Self.logger).decode((Int64, String).self) {
            strategies.append(row)
        }
        var fills: [LedgerFill] = []
        for try await (strategyID, side, price, quantity, fee, at) in try await client.query("""
            SELECT o.strategy_id, o.side, f.price::text, f.quantity::text, f.fee::text, f.filled_at FROM fills f JOIN orders o ON o.id = f.order_id
            ORDER BY f.filled_at, f.id
            """, logger: Self.logger).decode((Int64, String, String, String, String, Int64).self) {
            fills.append(LedgerFill(strategyID: strategyID, buy: side == "buy", price: Double(price)!, quantity: Double(quantity)!, fee: Double(fee)!, at: at))
        }
        var positions: [TradeLedger.Position] = []
        for try await (name, symbol, quantity, price, openedAt) in try await client.query("""
            SELECT s.name, p.symbol, p.quantity::text, p.entry_price::text, p.opened_at FROM positions p JOIN strategies s ON s.id = p.strategy_id ORDER BY s.name
            """, logger: Self.logger).decode((String, String, String, String, Int64).self) {
            positions.append(TradeLedger.Position(strategy: name, symbol: symbol, quantity: Double(quantity)!, entryPrice: Double(price)!, openedAt: openedAt))
        }
        return (strategies, fills, positions)
    }
}
