/// How the paper exchange fills a market order: at the bar's open moved against the trader by
/// `slippageBps`, paying `feeRate` × notional in the quote asset.
public struct FillModel: Sendable, Hashable, Codable {
    public var feeRate: Double
    public var slippageBps: Double

    public init(feeRate: Double = 0.001, slippageBps: Double = 0) {
        self.feeRate = feeRate
        self.slippageBps = slippageBps
    }

    public func price(open: Double, side: Side) -> Double {
        let slip = slippageBps / 10_000
        return side == .buy ? open * (1 + slip) : open * (1 - slip)
    }

    /// The largest quantity `cash` buys at `price` with the fee on top.
    public func affordableQuantity(cash: Double, price: Double) -> Double { cash / (price * (1 + feeRate)) }

    public func fee(quantity: Double, price: Double) -> Double { quantity * price * feeRate }
}
