import Foundation
import WardenCore

/// Account-wide state of the limits: the day's opening equity, the peak, and whether new entries
/// are halted (and why). A halt lasts until an operator resumes trading. Stops use each market's
/// own ATR, which the loop keeps beside its candles.
public struct RiskGuard: Sendable {
    public let limits: RiskLimits
    public private(set) var state: State

    /// What survives a restart (in the loop's checkpoint).
    public struct State: Sendable, Codable, Hashable {
        public var day: Int64?
        public var dayOpenEquity: Double
        public var peak: Double
        /// The last close's equity, which opens the next day.
        public var equityBeforeToday: Double
        public var haltReason: String?
        public var dailyPnLRatio: Double
    }

    public init(limits: RiskLimits, startingEquity: Double) {
        self.limits = limits
        state = State(day: nil, dayOpenEquity: startingEquity, peak: startingEquity, equityBeforeToday: 0, haltReason: nil, dailyPnLRatio: 0)
    }

    public init(limits: RiskLimits, state: State) {
        self.limits = limits
        self.state = state
    }

    public var halted: Bool { state.haltReason != nil }
    public var haltReason: String? { state.haltReason }
    public var peak: Double { state.peak }
    public var dailyPnLRatio: Double { state.dailyPnLRatio }

    /// At a bar's close, before decisions: equity against the day's open and the peak. Returns
    /// the reason when this bar triggered a halt.
    public mutating func observe(time: Int64, equity: Double) -> String? {
        let today = time / 86_400_000
        if state.day != today {
            if state.day != nil { state.dayOpenEquity = state.equityBeforeToday }
            state.day = today
        }
        state.equityBeforeToday = equity
        state.peak = max(state.peak, equity)
        state.dailyPnLRatio = equity / state.dayOpenEquity - 1
        guard state.haltReason == nil else { return nil }
        if let limit = limits.dailyLossLimit, equity <= state.dayOpenEquity * (1 - limit) {
            state.haltReason = String(
                format: "daily loss limit: equity %.2f is %.2f%% below the day's open %.2f", equity, -state.dailyPnLRatio * 100, state.dayOpenEquity)
        } else if let limit = limits.maxDrawdown, equity <= state.peak * (1 - limit) {
            state.haltReason = String(format: "max drawdown: equity %.2f is %.2f%% below the peak %.2f", equity, (1 - equity / state.peak) * 100, state.peak)
        }
        return state.haltReason
    }

    public mutating func halt(_ reason: String) { state.haltReason = reason }

    /// An operator accepts the loss so far: the peak and the day's opening equity restart from
    /// `equity`, or the same limits would halt again at the next bar.
    public mutating func resume(equity: Double) {
        state.haltReason = nil
        state.peak = equity
        state.dayOpenEquity = equity
    }

    /// The most quote an entry may spend (fee included) at a price near `price`, within the
    /// position and exposure caps; `otherExposure` is every other open or pending position at cost.
    public func entryBudget(cash: Double, feeRate: Double, otherExposure: Double) -> Double {
        var budget = cash
        if let cap = limits.maxPositionNotional { budget = min(budget, cap * (1 + feeRate)) }
        if let cap = limits.maxTotalExposure { budget = min(budget, max(0, cap - otherExposure) * (1 + feeRate)) }
        return max(0, budget)
    }
}
