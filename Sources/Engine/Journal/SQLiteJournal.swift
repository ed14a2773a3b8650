import Foundation
import GRDB
import Trading

/// The trading journal in Warden's SQLite database.
public final class SQLiteJournal: TradingJournal {
    let queue: DatabaseQueue
    let symbol: String
    public let location: String

    public init(path: String, symbol: String) throws {
        location = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // WAL without an fsync per commit: a killed process loses nothing (the WAL is in the page
        // cache); a power cut may lose the last commits, which a replay recomputes identically.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.symbol = symbol
    }

    public func strategyIDs(_ names: [String], now: Int64) async throws -> [String: Int64] {
        try await queue.write { db in
            var ids: [String: Int64] = [:]
            for name in names {
                try db.execute(sql: "INSERT OR IGNORE INTO strategies (name, kind, created_at) VALUES (?, ?, ?)", arguments: [name, name, now])
                ids[name] = try Int64.fetchOne(db, sql: "SELECT id FROM strategies WHERE name = ?", arguments: [name])
            }
            return ids
        }
    }

    public func recover() async throws -> JournalRecovery {
        try await queue.read { db in
            let lastBar = try Int64.fetchOne(db, sql: "SELECT MAX(taken_at) FROM equity_snapshots")
            var pending: [Int64: PendingOrder] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, client_order_id, strategy_id, side FROM orders WHERE status = 'new' AND symbol = ?", arguments: [symbol]) {
                pending[row["strategy_id"]] = PendingOrder(
                    orderID: row["id"], clientOrderID: row["client_order_id"], side: FillModel.Side(rawValue: row["side"])!)
            }
            let fills = try Row.fetchAll(db, sql: """
                SELECT o.strategy_id, o.side, f.price, f.quantity, f.fee, f.filled_at FROM fills f JOIN orders o ON o.id = f.order_id
                WHERE o.symbol = ? ORDER BY f.filled_at, f.id
                """, arguments: [symbol]).map { row in
                JournalFill(
                    strategyID: row["strategy_id"], side: FillModel.Side(rawValue: row["side"])!,
                    price: Double(row["price"] as String)!, quantity: Double(row["quantity"] as String)!,
                    fee: Double(row["fee"] as String)!, at: row["filled_at"])
            }
            return JournalRecovery(lastBar: lastBar, pending: pending, fills: fills)
        }
    }

    public func recordBar(_ time: Int64, orders: [JournalOrder], equity: Double, cash: Double, drawdown: Double) async throws {
        try await queue.write { db in
            for order in orders {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'market', ?, 'new', ?, ?)
                    """, arguments: [order.clientOrderID, order.strategyID, symbol, order.side.rawValue, "\(order.quantity)", time, time])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO equity_snapshots (taken_at, equity, cash, drawdown) VALUES (?, ?, ?, ?)",
                arguments: [time, equity, cash, drawdown])
        }
    }

    public func recordFill(clientOrderID: String, strategyID: Int64, fill: StrategyBook.Fill, at time: Int64) async throws -> Bool {
        try await queue.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, status FROM orders WHERE client_order_id = ?", arguments: [clientOrderID]) else {
                throw JournalError(message: "order \(clientOrderID) was never journaled; refusing to fill it")
            }
            let orderID: Int64 = row["id"]
            guard (row["status"] as String) != "filled" else { return false }
            try db.execute(sql: """
                INSERT INTO fills (order_id, exchange_fill_id, price, quantity, fee, fee_asset, filled_at) VALUES (?, ?, ?, ?, ?, 'USDT', ?)
                """, arguments: [orderID, "paper-\(orderID)", "\(fill.price)", "\(fill.quantity)", "\(fill.fee)", time])
            try db.execute(sql: "UPDATE orders SET status = 'filled', updated_at = ?, exchange_order_id = ? WHERE id = ?", arguments: [time, "paper-\(orderID)", orderID])
            if fill.side == .buy {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO positions (strategy_id, symbol, quantity, entry_price, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [strategyID, symbol, "\(fill.quantity)", "\(fill.price)", time, time])
            } else {
                try db.execute(sql: "DELETE FROM positions WHERE strategy_id = ? AND symbol = ?", arguments: [strategyID, symbol])
            }
            return true
        }
    }

    public func cancel(clientOrderID: String, at time: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "UPDATE orders SET status = 'cancelled', updated_at = ? WHERE client_order_id = ? AND status = 'new'", arguments: [time, clientOrderID])
        }
    }

    public func recordTradingState(_ action: String, actor: String, reason: String, at time: Int64) async throws {
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, 'trading', ?)",
                arguments: [time, actor, action, reason])
        }
    }

    public func operatorActions() async throws -> [(at: Int64, action: String, actor: String)] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT at, action, actor FROM audit_log WHERE target = 'trading' AND actor != 'risk' ORDER BY id")
                .map { ($0["at"], $0["action"], $0["actor"]) }
        }
    }

}
