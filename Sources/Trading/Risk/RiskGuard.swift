import Foundation
import WardenCore

/// Account-wide state of the limits, as NautilusTrader's risk engine has it: ACTIVE trades;
/// REDUCING (gross or net exposure above its cap, or the positions' VaR above its limit) opens
/// nothing and trims positions through ordinary exit orders, returning to ACTIVE by itself once
/// under the limits; HALTED (a daily or monthly loss limit, or the drawdown limit) opens nothing
/// until an operator resumes.
/// The day's and the month's opening equity and the peak are kept here. Stops use each market's
/// own ATR, which the loop keeps beside its candles.
public struct RiskGuard: Sendable {
    public enum Mode: String, Sendable, Codable {
        case active, reducing, halted

        /// `warden_risk_state`'s value.
        public var level: Int { self == .active ? 0 : self == .reducing ? 1 : 2 }
    }

    /// A change of mode at a bar, for the journal and the audit log.
    public enum Transition: Sendable, Equatable {
        case halted(String)
        case reducing(String)
        /// Back under every cap from REDUCING.
        case recovered(String)
    }

    public let limits: RiskLimits
    public private(set) var state: State

    /// What survives a restart (in the loop's checkpoint). Fields added after the first release
    /// are optional, so an older checkpoint still reads.
    public struct State: Sendable, Codable, Hashable {
        public var day: Int64?
        public var dayOpenEquity: Double
        public var peak: Double
        /// The last close's equity, which opens the next day.
        public var equityBeforeToday: Double
        public var haltReason: String?
        public var dailyPnLRatio: Double
        /// Months since 1970-01 (UTC) of the last bar, and the equity the month opened at.
        public var month: Int?
        public var monthOpenEquity: Double?
        public var reducingReason: String?
    }

    public init(limits: RiskLimits, startingEquity: Double) {
        self.limits = limits
        state = State(day: nil, dayOpenEquity: startingEquity, peak: startingEquity, equityBeforeToday: 0, haltReason: nil, dailyPnLRatio: 0)
    }

    public init(limits: RiskLimits, state: State) {
        self.limits = limits
        self.state = state
    }

    public var mode: Mode { state.haltReason != nil ? .halted : state.reducingReason != nil ? .reducing : .active }
    public var halted: Bool { state.haltReason != nil }
    public var haltReason: String? { state.haltReason }
    public var reducingReason: String? { state.reducingReason }
    /// Why entries are refused by the risk layer, nil while ACTIVE.
    public var blockReason: String? { state.haltReason ?? state.reducingReason }
    public var peak: Double { state.peak }
    public var dailyPnLRatio: Double { state.dailyPnLRatio }
    public var monthlyPnLRatio: Double { state.monthOpenEquity.map { open in open > 0 ? state.equityBeforeToday / open - 1 : 0 } ?? 0 }

    /// At a bar's close, before decisions: equity against the day's and the month's open and the
    /// peak, `exposure` (the positions at the close) against the caps. Returns the change of mode
    /// this bar made, if any.
    public mutating func observe(time: Int64, equity: Double, exposure: Double = 0, valueAtRisk: Double? = nil) -> Transition? {
        let today = time / 86_400_000
        let month = Self.month(ofDay: today)
        if state.day != today {
            if state.day != nil { state.dayOpenEquity = state.equityBeforeToday }
            state.day = today
        }
        if state.month != month {
            // The first bar after an upgrade or a start opens the month at the day's opening equity.
            state.monthOpenEquity = state.month == nil ? state.dayOpenEquity : state.equityBeforeToday
            state.month = month
        }
        state.equityBeforeToday = equity
        state.peak = max(state.peak, equity)
        state.dailyPnLRatio = equity / state.dayOpenEquity - 1
        guard state.haltReason == nil else { return nil }
        let monthOpen = state.monthOpenEquity ?? state.dayOpenEquity
        if let limit = limits.dailyLossLimit, equity <= state.dayOpenEquity * (1 - limit) {
            state.haltReason = String(
                format: "daily loss limit: equity %.2f is %.2f%% below the day's open %.2f", equity, -state.dailyPnLRatio * 100, state.dayOpenEquity)
        } else if let limit = limits.monthlyLossLimit, equity <= monthOpen * (1 - limit) {
            state.haltReason = String(
                format: "monthly loss limit: equity %.2f is %.2f%% below the month's open %.2f", equity, (1 - equity / monthOpen) * 100, monthOpen)
        } else if let limit = limits.maxDrawdown, equity <= state.peak * (1 - limit) {
            state.haltReason = String(format: "max drawdown: equity %.2f is %.2f%% below the peak %.2f", equity, (1 - equity / state.peak) * 100, state.peak)
        }
        if let reason = state.haltReason {
            state.reducingReason = nil
            return .halted(reason)
        }
        // Long-only spot: gross and net exposure are the same sum; both caps are checked so a
        // configuration written for either reads the same.
        let ratio = equity > 0 ? exposure / equity : 0
        let cap = [limits.maxGrossExposure, limits.maxNetExposure].compactMap { $0 }.min()
        var reason: String?
        if let cap, ratio > cap {
            reason = String(format: "exposure %.1f%% of equity is above the cap of %.1f%%", ratio * 100, cap * 100)
        } else if let limit = limits.maxValueAtRisk, let valueAtRisk, valueAtRisk > limit {
            reason = String(format: "VaR %.2f%% of equity (historical, %g%%) is above the limit of %.2f%%", valueAtRisk * 100, limits.varConfidence * 100, limit * 100)
        }
        if let reason {
            guard state.reducingReason == nil else { return nil }
            state.reducingReason = reason
            return .reducing(reason)
        }
        guard let was = state.reducingReason else { return nil }
        state.reducingReason = nil
        return .recovered(String(format: "exposure %.1f%% of equity", ratio * 100) + (valueAtRisk.map { String(format: " and VaR %.2f%%", $0 * 100) } ?? "") + " is back under the limits (was: \(was))")
    }

    public mutating func halt(_ reason: String) { state.haltReason = reason }

    /// An operator accepts the loss so far: the peak and the day's and month's opening equity
    /// restart from `equity`, or the same limits would halt again at the next bar.
    public mutating func resume(equity: Double) {
        state.haltReason = nil
        state.peak = equity
        state.dayOpenEquity = equity
        state.monthOpenEquity = equity
    }

    /// Months since 1970-01 of a day since 1970-01-01 (UTC), by the civil-from-days algorithm
    /// (Howard Hinnant's `chrono` date algorithms): no calendar object on the per-bar path.
    static func month(ofDay day: Int64) -> Int {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Int((year - 1970) * 12 + month - 1)
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
