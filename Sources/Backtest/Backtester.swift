import Foundation
import Trading

/// Runs a strategy over candles with the shared fill model: all cash in on an entry, all out on an
/// exit, one long position at a time.
public struct Backtester: Sendable {
    public var fills: FillModel
    public var cash: Double

    public init(fills: FillModel = FillModel(), cash: Double = 10_000) {
        self.fills = fills
        self.cash = cash
    }

    public struct Trade: Sendable, Hashable, Encodable {
        /// Open time of the bar whose open filled the order (Unix ms).
        public var entryTime: Int64
        public var entryPrice: Double
        public var exitTime: Int64?
        public var exitPrice: Double?
        public var quantity: Double
        public var fees: Double
        /// Closed: net of both fees. Still open: marked at the last close, entry fee only.
        public var pnl: Double
        public var `return`: Double

        public init(
            entryTime: Int64, entryPrice: Double, exitTime: Int64? = nil, exitPrice: Double? = nil, quantity: Double, fees: Double,
            pnl: Double, return: Double
        ) {
            self.entryTime = entryTime
            self.entryPrice = entryPrice
            self.exitTime = exitTime
            self.exitPrice = exitPrice
            self.quantity = quantity
            self.fees = fees
            self.pnl = pnl
            self.return = `return`
        }

        enum CodingKeys: String, CodingKey {
            case quantity, fees, pnl, `return`
            case entryTime = "entry_time", entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entryTime, forKey: .entryTime)
            try c.encode(entryPrice, forKey: .entryPrice)
            try c.encode(exitTime, forKey: .exitTime)  // null while open
            try c.encode(exitPrice, forKey: .exitPrice)
            try c.encode(quantity, forKey: .quantity)
            try c.encode(fees, forKey: .fees)
            try c.encode(pnl, forKey: .pnl)
            try c.encode(`return`, forKey: .return)
        }
    }

    public struct Result: Sendable {
        public var trades: [Trade]
        /// Equity at each bar's close.
        public var equity: [Double]
        /// Bars that ended with a position held.
        public var barsInMarket: Int
        /// Bars where the strategy signalled (entry or exit), for look-ahead checks.
        public var decisions: [Decision]
    }

    public func run(_ strategy: inout some Strategy, candles: [Candle]) -> Result {
        var trades: [Trade] = []
        var equity: [Double] = []
        var decisions: [Decision] = []
        equity.reserveCapacity(candles.count)
        decisions.reserveCapacity(candles.count)
        var cash = self.cash
        var quantity = 0.0
        var entryCost = 0.0
        var entryFee = 0.0
        var pending: FillModel.Side?
        var inMarket = 0
        for candle in candles {
            // Yesterday's decision fills at today's open.
            if let side = pending {
                let price = fills.price(open: candle.open, side: side)
                if side == .buy {
                    quantity = fills.affordableQuantity(cash: cash, price: price)
                    entryFee = fills.fee(quantity: quantity, price: price)
                    entryCost = quantity * price + entryFee
                    cash -= entryCost
                    trades.append(Trade(entryTime: candle.openTime, entryPrice: price, quantity: quantity, fees: entryFee, pnl: 0, return: 0))
                } else {
                    let exitFee = fills.fee(quantity: quantity, price: price)
                    let proceeds = quantity * price - exitFee
                    cash += proceeds
                    let pnl = proceeds - entryCost
                    trades[trades.count - 1].exitTime = candle.openTime
                    trades[trades.count - 1].exitPrice = price
                    trades[trades.count - 1].fees += exitFee
                    trades[trades.count - 1].pnl = pnl
                    trades[trades.count - 1].return = pnl / entryCost
                    quantity = 0
                }
                pending = nil
            }
            let decision = strategy.update(candle)
            decisions.append(decision)
            // An exit is checked first; no entry on the bar that decided an exit.
            if quantity > 0 {
                if decision.exit { pending = .sell }
            } else if decision.enter {
                pending = .buy
            }
            if quantity > 0 { inMarket += 1 }
            equity.append(cash + quantity * candle.close)
        }
        if quantity > 0, let last = candles.last {
            let pnl = quantity * last.close - entryCost
            trades[trades.count - 1].pnl = pnl
            trades[trades.count - 1].return = pnl / entryCost
        }
        return Result(trades: trades, equity: equity, barsInMarket: inMarket, decisions: decisions)
    }
}
