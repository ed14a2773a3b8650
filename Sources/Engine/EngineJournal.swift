import Foundation
import GRDB
import Trading

/// The engine's record in the database: every order is written (with its deterministic client
/// order id) before the exchange sees it, every fill with its order's status and the position in
/// one transaction, and one equity snapshot per processed bar, which also marks the bar as done.
/// After a crash this is all the engine needs to resume. (SQLite; the PostgreSQL journal is not
/// written yet.)
final class EngineJournal {
    let queue: DatabaseQueue
    let symbol: String

    init(path: String, symbol: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // WAL without an fsync per commit: a killed process loses nothing (the WAL is in the page
        // cache); a power cut may lose the last commits, which a replay recomputes identically.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.symbol = symbol
    }

    /// The strategies table's id for each running strategy, created on first use.
    func strategyIDs(_ names: [String], now: Int64) throws -> [String: Int64] {
        try queue.write { db in
            var ids: [String: Int64] = [:]
            for name in names {
                try db.execute(sql: "INSERT OR IGNORE INTO strategies (name, kind, created_at) VALUES (?, ?, ?)", arguments: [name, name, now])
                ids[name] = try Int64.fetchOne(db, sql: "SELECT id FROM strategies WHERE name = ?", arguments: [name])
            }
            return ids
        }
    }

    struct Recovered {
        /// The last bar fully processed (its decisions journaled), if any.
        var lastBar: Int64?
        /// Orders decided but not yet filled, by strategy id.
        var pending: [Int64: PendingOrder]
        /// Fills in time order, to rebuild each strategy's cash and position.
        var fills: [(strategyID: Int64, side: FillModel.Side, price: Double, quantity: Double, fee: Double, at: Int64)]
    }

    struct PendingOrder {
        var orderID: Int64
        var clientOrderID: String
        var side: FillModel.Side
    }

    func recover() throws -> Recovered {
        try queue.read { db in
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
                (strategyID: row["strategy_id"] as Int64, side: FillModel.Side(rawValue: row["side"])!,
                 price: Double(row["price"] as String)!, quantity: Double(row["quantity"] as String)!,
                 fee: Double(row["fee"] as String)!, at: row["filled_at"] as Int64)
            }
            return Recovered(lastBar: lastBar, pending: pending, fills: fills)
        }
    }

    struct NewOrder {
        var clientOrderID: String
        var strategyID: Int64
        var side: FillModel.Side
        var quantity: Double
    }

    /// One bar's decisions and its equity snapshot, atomically. An order whose client id is already
    /// journaled is not written again; returns each order's row id.
    func recordBar(_ time: Int64, orders: [NewOrder], equity: Double, cash: Double, drawdown: Double) throws -> [String: Int64] {
        try queue.write { db in
            var ids: [String: Int64] = [:]
            for order in orders {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'market', ?, 'new', ?, ?)
                    """, arguments: [order.clientOrderID, order.strategyID, symbol, order.side.rawValue, "\(order.quantity)", time, time])
                ids[order.clientOrderID] = try Int64.fetchOne(db, sql: "SELECT id FROM orders WHERE client_order_id = ?", arguments: [order.clientOrderID])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO equity_snapshots (taken_at, equity, cash, drawdown) VALUES (?, ?, ?, ?)",
                arguments: [time, equity, cash, drawdown])
            return ids
        }
    }

    /// A fill, its order marked filled and the strategy's position set, atomically. A fill for an
    /// order already filled (replayed after a crash) is not written again; returns false then.
    @discardableResult
    func recordFill(clientOrderID: String, strategyID: Int64, fill: StrategyBook.Fill, at time: Int64) throws -> Bool {
        try queue.write { db in
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

    /// An order decided but never filled (the exchange had no room for it): cancelled.
    func cancel(clientOrderID: String, at time: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE orders SET status = 'cancelled', updated_at = ? WHERE client_order_id = ? AND status = 'new'", arguments: [time, clientOrderID])
        }
    }

    /// Trading halts, pauses and resumes, kept in the audit log; the last one is the current state.
    func recordTradingState(_ action: String, actor: String, reason: String, at time: Int64) throws {
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, 'trading', ?)",
                arguments: [time, actor, action, reason])
        }
    }

    /// Operators' pauses and resumes in the order they happened, with the bar they applied to.
    func operatorActions() throws -> [(at: Int64, action: String, actor: String)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT at, action, actor FROM audit_log WHERE target = 'trading' AND actor != 'risk' ORDER BY id")
                .map { ($0["at"], $0["action"], $0["actor"]) }
        }
    }

    /// The last trading action and its reason, if any.
    func lastTradingState() throws -> (action: String, reason: String)? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT action, detail FROM audit_log WHERE target = 'trading' ORDER BY id DESC LIMIT 1")
                .map { ($0["action"], $0["detail"] ?? "") }
        }
    }
}

struct JournalError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
