/// One strategy's account on the paper exchange or in a backtest: cash, the long position, its
/// protective levels, and the order waiting for the next open. The backtester and the engine both
/// drive it, so they trade identically.
public struct StrategyBook: Sendable {
    public struct Fill: Sendable, Hashable {
        public var side: FillModel.Side
        public var price: Double
        public var quantity: Double
        public var fee: Double
    }

    public enum Reason: String, Sendable { case signal, stopLoss = "stop_loss", takeProfit = "take_profit" }

    public var cash: Double
    public private(set) var quantity = 0.0
    public private(set) var entryCost = 0.0
    public private(set) var entryPrice = 0.0
    public private(set) var stop: Double?
    public private(set) var target: Double?
    public var pending: FillModel.Side?
    private var atrAtDecision: Double?

    public init(cash: Double) { self.cash = cash }

    /// Fills the pending order at this bar's open; nil when nothing was pending (or an entry had
    /// no room under the caps).
    public mutating func fillPending(open: Double, fills: FillModel, risk: RiskGuard, otherExposure: Double) -> Fill? {
        guard let side = pending else { return nil }
        pending = nil
        let price = fills.price(open: open, side: side)
        if side == .buy {
            let size = risk.entryQuantity(cash: cash, price: price, fills: fills, otherExposure: otherExposure)
            guard size > 0 else { return nil }
            let fee = fills.fee(quantity: size, price: price)
            quantity = size
            entryPrice = price
            entryCost = size * price + fee
            cash -= entryCost
            stop = both(risk.limits.stopLossATR, atrAtDecision).map { price - $0.0 * $0.1 }
            target = both(risk.limits.takeProfitATR, atrAtDecision).map { price + $0.0 * $0.1 }
            return Fill(side: .buy, price: price, quantity: size, fee: fee)
        }
        let size = quantity
        let fee = fills.fee(quantity: size, price: price)
        cash += size * price - fee
        quantity = 0
        stop = nil
        target = nil
        return Fill(side: .sell, price: price, quantity: size, fee: fee)
    }

    /// After the strategy decided at this close: the order to place for the next open, if any.
    /// An exit (by signal, stop-loss or take-profit) is checked first; no entry on the bar that
    /// decided an exit; no entry while halted; nothing on the last bar.
    public mutating func decide(_ decision: Decision, close: Double, risk: RiskGuard, isLastBar: Bool) -> (side: FillModel.Side, reason: Reason)? {
        guard !isLastBar else { return nil }
        if quantity > 0 {
            let reason: Reason? = decision.exit ? .signal
                : (stop.map { close <= $0 } ?? false) ? .stopLoss
                : (target.map { close >= $0 } ?? false) ? .takeProfit : nil
            guard let reason else { return nil }
            pending = .sell
            return (.sell, reason)
        }
        guard decision.enter, !risk.halted else { return nil }
        pending = .buy
        atrAtDecision = risk.currentATR
        return (.buy, .signal)
    }

    /// The open position at its entry price (what the total exposure cap counts).
    public var entryExposure: Double { quantity * entryPrice }
}

private func both(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
