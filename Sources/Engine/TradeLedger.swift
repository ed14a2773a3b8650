import Backtest
import Foundation
import GRDB

/// One fill as the ledger reads it back.
public struct LedgerFill: Sendable {
    public var strategyID: Int64
    public var buy: Bool
    public var price: Double
    public var quantity: Double
    public var fee: Double
    public var at: Int64
}

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
    public static func trades(strategies: [(Int64, String)], fills: [LedgerFill]) -> [StrategyTrades] {
        strategies.map { id, name in
            var trades: [Backtester.Trade] = []
            var cost = 0.0
            for fill in fills where fill.strategyID == id {
                if fill.buy {
                    cost = fill.quantity * fill.price + fill.fee
                    trades.append(Backtester.Trade(entryTime: fill.at, entryPrice: fill.price, quantity: fill.quantity, fees: fill.fee, pnl: 0, return: 0))
                } else if !trades.isEmpty {
                    let pnl = fill.quantity * fill.price - fill.fee - cost
                    trades[trades.count - 1].exitTime = fill.at
                    trades[trades.count - 1].exitPrice = fill.price
                    trades[trades.count - 1].fees += fill.fee
                    trades[trades.count - 1].pnl = pnl
                    trades[trades.count - 1].return = pnl / cost
                }
            }
            return StrategyTrades(strategy: name, trades: trades)
        }
    }

    public static func trades(databasePath: String) throws -> [StrategyTrades] {
        let queue = try DatabaseQueue(path: databasePath)
        return try queue.read { db in
            let strategies = try Row.fetchAll(db, sql: "SELECT id, name FROM strategies ORDER BY id").map { ($0["id"] as Int64, $0["name"] as String) }
            let fills = try Row.fetchAll(db, sql: """
                SELECT o.strategy_id, o.side, f.price, f.quantity, f.fee, f.filled_at FROM fills f JOIN orders o ON o.id = f.order_id
                ORDER BY f.filled_at, f.id
                """).map { row in
                LedgerFill(strategyID: row["strategy_id"], buy: (row["side"] as String) == "buy", price: Double(row["price"] as String)!,
                           quantity: Double(row["quantity"] as String)!, fee: Double(row["fee"] as String)!, at: row["filled_at"])
            }
            return trades(strategies: strategies, fills: fills)
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
