import Foundation
import WardenCore

/// Each market's last closes, as the loop saw them: the returns behind the allocation's
/// volatilities and covariance and behind the VaR limit. Only closes up to the bar are kept.
struct CloseHistory {
    let capacity: Int
    private(set) var closes: [[Double]]

    init(markets: Int, capacity: Int) {
        self.capacity = capacity
        closes = Array(repeating: [], count: markets)
        for index in closes.indices { closes[index].reserveCapacity(2 * capacity) }
    }

    mutating func append(_ close: Double, market: Int) {
        guard capacity > 0 else { return }
        closes[market].append(close)
        // Halved when twice full: amortised O(1) a bar, no ring arithmetic on the read side.
        if closes[market].count >= 2 * capacity { closes[market].removeFirst(capacity) }
    }

    /// The last `count` returns of a portfolio holding `weights` of `markets` (Σ wᵢrᵢ a bar), without
    /// building rows: the VaR limit's per-bar path.
    func portfolioReturns(_ markets: [Int], weights: [Double], count: Int) -> [Double] {
        guard let shortest = markets.map({ closes[$0].count }).min(), shortest > 1 else { return [] }
        let n = min(count, shortest - 1)
        var out = [Double](repeating: 0, count: n)
        for (market, weight) in zip(markets, weights) {
            let series = closes[market], offset = series.count - n
            for row in 0..<n { out[row] += weight * (series[offset + row] / series[offset + row - 1] - 1) }
        }
        return out
    }

    /// The last `count` close-to-close returns of each market, one row per bar (markets on one
    /// clock); fewer when a market has fewer.
    func returnRows(_ markets: [Int], count: Int) -> [[Double]] {
        guard let shortest = markets.map({ closes[$0].count }).min(), shortest > 1 else { return [] }
        let n = min(count, shortest - 1)
        return (0..<n).map { row in
            markets.map { market in
                let series = closes[market], at = series.count - n + row
                return series[at] / series[at - 1] - 1
            }
        }
    }
}

/// The target share of equity of each strategy slot, as `engine.portfolio.allocation` says:
/// estimated at the first bar of each period from what the loop has seen up to that bar.
struct Allocator {
    let settings: AllocationSettings
    /// By slot index; 0 for the manual slots and archived ones.
    private(set) var targets: [Double] = []
    /// The period (time / every) the targets were estimated in, and for which slots.
    private(set) var period: Int64?
    private var estimatedFor: [String] = []

    init(settings: AllocationSettings) { self.settings = settings }

    init(settings: AllocationSettings, saved: LoopCheckpoint.Allocation) {
        self.settings = settings
        targets = saved.targets
        period = saved.period
        estimatedFor = saved.slots
    }

    var checkpoint: LoopCheckpoint.Allocation { LoopCheckpoint.Allocation(method: settings.method.rawValue, period: period, targets: targets, slots: estimatedFor) }

    func target(_ slot: Int) -> Double { slot < targets.count ? targets[slot] : 0 }

    /// Estimates again when a new period starts or the slots changed; true when it did.
    mutating func refresh(time: Int64, slots: [LoopSlot], history: CloseHistory) -> Bool {
        let current = time / max(1, settings.every.components.seconds * 1000)
        // Slots are only ever appended, and archiving flips eligibility: the common bar compares
        // that pattern, and builds no strings.
        if current == period, slots.count == estimatedFor.count,
           zip(slots, estimatedFor).allSatisfy({ Self.eligible($0.0) != $0.1.isEmpty }) { return false }
        let keys = slots.map { Self.eligible($0) ? "\($0.name)@\($0.symbol)" : "" }
        guard current != period || keys != estimatedFor else { return false }
        period = current
        estimatedFor = keys
        targets = Self.weights(settings, slots: slots, history: history)
        return true
    }

    static func eligible(_ slot: LoopSlot) -> Bool { slot.name != ManualHold.name && !slot.archived }

    static func weights(_ settings: AllocationSettings, slots: [LoopSlot], history: CloseHistory) -> [Double] {
        let chosen = slots.indices.filter { eligible(slots[$0]) }
        var weights = [Double](repeating: 0, count: slots.count)
        guard !chosen.isEmpty else { return weights }
        let equal = 1 / Double(chosen.count)
        switch settings.method {
        case .equal:
            for index in chosen { weights[index] = equal }
        case .fixed:
            for index in chosen {
                let slot = slots[index]
                weights[index] = settings.weights["\(slot.name)@\(slot.symbol)"] ?? settings.weights[slot.name] ?? 0
            }
        case .inverseVolatility, .riskParity:
            let rows = history.returnRows(chosen.map { slots[$0].market }, count: settings.window)
            let method: PortfolioWeights.Method = settings.method == .riskParity ? .riskParity : .inverseVolatility
            // Too short a window to estimate from, or a market that never moved: equal shares until there is.
            if rows.count >= 30, let solution = PortfolioWeights.solve(method, returns: rows) {
                for (at, index) in chosen.enumerated() { weights[index] = solution.weights[at] }
            } else {
                for index in chosen { weights[index] = equal }
            }
        case .kelly:
            for index in chosen {
                let returns = slots[index].tradeReturns.suffix(settings.kellyLookback)
                weights[index] = returns.count < settings.kellyMinTrades
                    ? equal : settings.kellyFraction * (Kelly.fraction(Array(returns)) ?? 0)
            }
            let total = weights.reduce(0, +)
            if total > 1 { weights = weights.map { $0 / total } }
        }
        return capped(weights, slots: slots, settings: settings)
    }

    /// The per-slot, per-market and per-strategy caps; what a cap cuts is left in cash.
    static func capped(_ raw: [Double], slots: [LoopSlot], settings: AllocationSettings) -> [Double] {
        var weights = raw.map { min($0, settings.maxSlotWeight) }
        func cap(_ limits: [String: Double], _ key: (LoopSlot) -> String) {
            for (name, limit) in limits {
                let members = slots.indices.filter { key(slots[$0]) == name }
                let total = members.reduce(0) { $0 + weights[$1] }
                if total > limit { for index in members { weights[index] *= limit / total } }
            }
        }
        cap(settings.maxMarketWeight) { $0.symbol }
        cap(settings.maxStrategyWeight) { $0.name }
        return weights
    }
}

/// The Kelly criterion from a slot's closed trades: f* = p − (1 − p) / b, with p the share of
/// winning trades and b the mean win over the mean loss (Kelly, "A New Interpretation of
/// Information Rate", 1956, in its betting form). nil without any trade; 1 without a loss; never
/// below 0 (a losing edge stakes nothing; Warden does not go short to bet against it).
public enum Kelly {
    public static func fraction(_ returns: [Double]) -> Double? {
        guard !returns.isEmpty else { return nil }
        let wins = returns.filter { $0 > 0 }, losses = returns.filter { $0 < 0 }
        guard !losses.isEmpty else { return wins.isEmpty ? 0 : 1 }
        guard !wins.isEmpty else { return 0 }
        let p = Double(wins.count) / Double(returns.count)
        let b = (wins.reduce(0, +) / Double(wins.count)) / (-losses.reduce(0, +) / Double(losses.count))
        return min(1, max(0, p - (1 - p) / b))
    }
}
