import Backtest
import Foundation
import GRDB

/// Trades and positions read back from the journal, in the backtester's shapes, so an engine run
/// and a backtest of the same file compare field by field.
public enum TradeLedger {
    public struct StrategyTrades: Sendable, Encodable {
        public var strategy: String
        public var trades: [Backtester.Trade]
    }

    public struct Position: Sendable, Encodable {
        public var strategy: String
        public var symbol: String
        public var quantity: Double
        public var entryPrice: Double
        public var openedAt: Int64

        enum CodingKeys: String, CodingKey {
            case strategy, symbol, quantity
            case entryPrice = "entry_price", openedAt = "opened_at"
        }
    }

    /// Buys and the sells after them paired per strategy; a buy without a sell is an open trade
    /// (exit null, pnl 0 as the journal has no mark price).
    public static func trades(databasePath: String) throws -> [StrategyTrades] {
        let queue = try DatabaseQueue(path: databasePath)
        return try queue.read { db in
            var result: [StrategyTrades] = []
            for (id, name) in try Row.fetchAll(db, sql: "SELECT id, name FROM strategies ORDER BY id").map({ ($0["id"] as Int64, $0["name"] as String) }) {
                var trades: [Backtester.Trade] = []
                var cost = 0.0
                for row in try Row.fetchAll(db, sql: """
                    SELECT o.side, f.price, f.quantity, f.fee, f.filled_at FROM fills f JOIN orders o ON o.id = f.order_id
                    WHERE o.strategy_id = ? ORDER BY f.filled_at, f.id
                    """, arguments: [id]) {
                    let price = Double(row["price"] as String)!
                    let quantity = Double(row["quantity"] as String)!
                    let fee = Double(row["fee"] as String)!
                    let at: Int64 = row["filled_at"]
                    if (row["side"] as String) == "buy" {
                        cost = quantity * price + fee
                        trades.append(Backtester.Trade(entryTime: at, entryPrice: price, quantity: quantity, fees: fee, pnl: 0, return: 0))
                    } else if !trades.isEmpty {
                        let pnl = quantity * price - fee - cost
                        trades[trades.count - 1].exitTime = at
                        trades[trades.count - 1].exitPrice = price
                        trades[trades.count - 1].fees += fee
                        trades[trades.count - 1].pnl = pnl
                        trades[trades.count - 1].return = pnl / cost
                    }
                }
                result.append(StrategyTrades(strategy: name, trades: trades))
            }
            return result
        }
    }

    public static func positions(databasePath: String) throws -> [Position] {
        let queue = try DatabaseQueue(path: databasePath)
        return try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.name, p.symbol, p.quantity, p.entry_price, p.opened_at FROM positions p JOIN strategies s ON s.id = p.strategy_id ORDER BY s.name
                """).map { row in
                Position(
                    strategy: row["name"], symbol: row["symbol"], quantity: Double(row["quantity"] as String)!,
                    entryPrice: Double(row["entry_price"] as String)!, openedAt: row["opened_at"])
            }
        }
    }
}
