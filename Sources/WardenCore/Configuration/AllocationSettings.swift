import Foundation

/// `engine.portfolio.allocation`: the share of equity each (strategy, market) slot's entry may
/// spend. `equal` is 1/n of the strategy slots; the others are estimated from data up to the bar
/// they are computed on (never after), again at every `every` boundary (UTC), and kept in the
/// checkpoint so a restart trades on the same weights.
public struct AllocationSettings: Sendable, Hashable, Decodable {
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        case equal, fixed
        case inverseVolatility = "inverse_volatility"
        case riskParity = "risk_parity"
        case kelly
    }

    public var method: Method
    /// `fixed`: weights by slot, `STRATEGY@MARKET` (or `STRATEGY` for every market it trades).
    public var weights: [String: Double]
    /// Returns (bars) behind the volatilities and the covariance; fewer than 30 leave equal weights.
    public var window: Int
    /// How often the weights are estimated again (at the first bar of each period, UTC).
    public var every: Duration
    /// `kelly`: the fraction of the Kelly bet (½, "half Kelly", by default).
    public var kellyFraction: Double
    /// `kelly`: the slot's last N closed trades make its statistics.
    public var kellyLookback: Int
    /// `kelly`: a slot with fewer closed trades gets the equal share until it has them.
    public var kellyMinTrades: Int
    /// No slot above this share of equity.
    public var maxSlotWeight: Double
    /// Caps on the sum of a market's (or a strategy's) slots; what a cap cuts stays in cash.
    public var maxMarketWeight: [String: Double]
    public var maxStrategyWeight: [String: Double]

    public init(
        method: Method = .equal, weights: [String: Double] = [:], window: Int = 720, every: Duration = .seconds(86_400), kellyFraction: Double = 0.5,
        kellyLookback: Int = 50, kellyMinTrades: Int = 10, maxSlotWeight: Double = 1, maxMarketWeight: [String: Double] = [:],
        maxStrategyWeight: [String: Double] = [:]
    ) {
        (self.method, self.weights, self.window, self.every) = (method, weights, window, every)
        (self.kellyFraction, self.kellyLookback, self.kellyMinTrades) = (kellyFraction, kellyLookback, kellyMinTrades)
        (self.maxSlotWeight, self.maxMarketWeight, self.maxStrategyWeight) = (maxSlotWeight, maxMarketWeight, maxStrategyWeight)
    }

    /// Today's behaviour, computed the way it always was (bit for bit).
    public var isPlainEqual: Bool { method == .equal && maxSlotWeight >= 1 && maxMarketWeight.isEmpty && maxStrategyWeight.isEmpty }

    static let keys = [
        "method", "weights", "window", "every", "kelly_fraction", "kelly_lookback", "kelly_min_trades", "max_slot_weight", "max_market_weight",
        "max_strategy_weight",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = AllocationSettings()
        var method = defaults.method
        if let text: String = fields.read("method") {
            if let known = Method(rawValue: text) { method = known } else {
                fields.problem("expected one of \(Method.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'", at: "method")
            }
        }
        var every = defaults.every
        if let text: String = fields.read("every") {
            if let parsed = DurationText.parse(text), parsed >= .seconds(60) { every = parsed } else {
                fields.problem("expected a duration of at least 1m (such as 1d or 4h), found '\(text)'", at: "every")
            }
        }
        self.init(
            method: method, weights: fields.read("weights", default: [:]), window: fields.read("window", default: defaults.window), every: every,
            kellyFraction: fields.read("kelly_fraction", default: defaults.kellyFraction),
            kellyLookback: fields.read("kelly_lookback", default: defaults.kellyLookback),
            kellyMinTrades: fields.read("kelly_min_trades", default: defaults.kellyMinTrades),
            maxSlotWeight: fields.read("max_slot_weight", default: defaults.maxSlotWeight),
            maxMarketWeight: fields.read("max_market_weight", default: [:]), maxStrategyWeight: fields.read("max_strategy_weight", default: [:]))
        for problem in problems() { fields.problem(problem.message, at: problem.key) }
    }

    /// What is wrong with these settings, by key (the configuration and the backtester's flags share it).
    public func problems() -> [(key: String, message: String)] {
        var out: [(key: String, message: String)] = []
        if !(30...1_000_000).contains(window) { out.append(("window", "expected 30 to 1000000 returns, found \(window)")) }
        if !(kellyFraction > 0 && kellyFraction <= 1) { out.append(("kelly_fraction", "expected a fraction above 0, at most 1 (0.5 = half Kelly), found \(kellyFraction)")) }
        if kellyLookback < 2 { out.append(("kelly_lookback", "expected 2 or more trades, found \(kellyLookback)")) }
        if kellyMinTrades < 2 || kellyMinTrades > kellyLookback { out.append(("kelly_min_trades", "expected 2 to kelly_lookback (\(kellyLookback)) trades, found \(kellyMinTrades)")) }
        if !(maxSlotWeight > 0 && maxSlotWeight <= 1) { out.append(("max_slot_weight", "expected a share of equity above 0, at most 1, found \(maxSlotWeight)")) }
        for (key, caps) in [("max_market_weight", maxMarketWeight), ("max_strategy_weight", maxStrategyWeight)] {
            for name in caps.keys.sorted() where !(caps[name]! > 0 && caps[name]! <= 1) {
                out.append(("\(key).\(name)", "expected a share of equity above 0, at most 1, found \(caps[name]!)"))
            }
        }
        if method == .fixed, weights.isEmpty { out.append(("weights", "method fixed needs a weight per slot (STRATEGY@MARKET: 0.3)")) }
        if method != .fixed, !weights.isEmpty { out.append(("weights", "weights are read by method fixed only (the method is \(method.rawValue))")) }
        for name in weights.keys.sorted() where !(weights[name]! >= 0 && weights[name]! <= 1) {
            out.append(("weights.\(name)", "expected a share of equity from 0 to 1, found \(weights[name]!)"))
        }
        let total = weights.values.reduce(0, +)
        if total > 1 + 1e-9 { out.append(("weights", String(format: "the weights sum to %.4f; at most 1 (the rest stays in cash)", total))) }
        return out
    }
}

/// `engine.portfolio.rebalance`: a held slot whose share of equity drifts from its target by more
/// than `drift` (or at each `every` boundary) is bought or sold back to it through ordinary orders.
public struct RebalanceSettings: Sendable, Hashable, Decodable {
    /// Absolute drift of a slot's weight that triggers (0.01: 1 % of equity, the seed's figure).
    public var drift: Double
    /// Also rebalance at the first bar of every such period (UTC), whatever the drift.
    public var every: Duration?
    /// No rebalance order below this notional (quote); the exchange's own minimum also holds.
    public var minOrder: Double

    public init(drift: Double = 0.01, every: Duration? = nil, minOrder: Double = 10) {
        (self.drift, self.every, self.minOrder) = (drift, every, minOrder)
    }

    static let keys = ["drift", "every", "min_order"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        var every: Duration?
        if let text: String = fields.read("every") {
            if let parsed = DurationText.parse(text), parsed >= .seconds(60) { every = parsed } else {
                fields.problem("expected a duration of at least 1m (such as 1d or 7d), found '\(text)'", at: "every")
            }
        }
        self.init(drift: fields.read("drift", default: 0.01), every: every, minOrder: fields.read("min_order", default: 10))
        if !(drift > 0 && drift < 1) { fields.problem("expected a share of equity between 0 and 1 (0.01 = 1%), found \(drift)", at: "drift") }
        if !(minOrder >= 0) { fields.problem("expected 0 or more (quote currency), found \(minOrder)", at: "min_order") }
    }
}
