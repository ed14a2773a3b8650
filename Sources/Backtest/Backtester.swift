import Foundation
import WardenCore
import Trading

/// Runs a strategy over candles with the shared fill model: all cash in on an entry, all out on an
/// exit, one long position at a time.
public struct Backtester: Sendable {
    public var fills: FillModel
    public var cash: Double
    public var risk: RiskLimits

    public init(fills: FillModel = FillModel(), cash: Double = 10_000, risk: RiskLimits = .none) {
        self.fills = fills
        self.cash = cash
        self.risk = risk
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
        /// When a risk limit halted new entries, and why.
        public var haltedAt: Int64?
        public var haltReason: String?
    }

    public func run(_ strategy: inout some Strategy, candles: [Candle]) -> Result {
        var trades: [Trade] = []
        var equity: [Double] = []
        var decisions: [Decision] = []
        equity.reserveCapacity(candles.count)
        decisions.reserveCapacity(candles.count)
        var book = StrategyBook(cash: cash)
        var riskGuard = RiskGuard(limits: risk, startingEquity: cash)
        var haltedAt: Int64?
        var inMarket = 0
        for (index, candle) in candles.enumerated() {
            // Yesterday's decision fills at today's open.
            if let fill = book.fillPending(open: candle.open, fills: fills, risk: riskGuard, otherExposure: 0) {
                if fill.side == .buy {
                    trades.append(Trade(entryTime: candle.openTime, entryPrice: fill.price, quantity: fill.quantity, fees: fill.fee, pnl: 0, return: 0))
                } else {
                    let pnl = fill.quantity * fill.price - fill.fee - book.entryCost
                    trades[trades.count - 1].exitTime = candle.openTime
                    trades[trades.count - 1].exitPrice = fill.price
                    trades[trades.count - 1].fees += fill.fee
                    trades[trades.count - 1].pnl = pnl
                    trades[trades.count - 1].return = pnl / book.entryCost
                }
            }
            let decision = strategy.update(candle)
            decisions.append(decision)
            let value = book.cash + book.quantity * candle.close
            if riskGuard.observe(candle, equity: value) != nil, haltedAt == nil { haltedAt = candle.openTime }
            _ = book.decide(decision, close: candle.close, risk: riskGuard, isLastBar: index == candles.count - 1)
            if book.quantity > 0 { inMarket += 1 }
            equity.append(value)
        }
        if book.quantity > 0, let last = candles.last {
            let pnl = book.quantity * last.close - book.entryCost
            trades[trades.count - 1].pnl = pnl
            trades[trades.count - 1].return = pnl / book.entryCost
        }
        return Result(trades: trades, equity: equity, barsInMarket: inMarket, decisions: decisions, haltedAt: haltedAt, haltReason: riskGuard.haltReason)
    }
}
