import Foundation
import Trading

/// A backtest checking itself: cutting the data at random bars must not change any decision
/// before the cut (no look-ahead), and starting later by the longest warm-up must give the same
/// decisions once both runs are warm (indicators that forget their start).
public struct SelfChecks: Sendable, Codable, Hashable {
    public struct LookAhead: Sendable, Codable, Hashable {
        /// Bars the data was cut after.
        public var cuts: [Int]
        /// The first bar whose decision changed when the data was cut later (nil: none did).
        public var firstDifference: Int?
        public var passed: Bool

        enum CodingKeys: String, CodingKey {
            case cuts, passed
            case firstDifference = "first_difference"
        }
    }

    public struct WarmUp: Sendable, Codable, Hashable {
        /// Bars the start moved by (the longest warm-up).
        public var shift: Int
        /// Decisions compared (from twice the shift on) and the share that agree.
        public var compared: Int
        public var agreement: Double
        public var passed: Bool
    }

    public var lookAhead: LookAhead
    public var warmUp: WarmUp?

    enum CodingKeys: String, CodingKey {
        case lookAhead = "look_ahead", warmUp = "warm_up"
    }

    /// The longest warm-up of these parameters: three times the longest period (Wilder's and
    /// exponential averages keep a little of every bar; after three periods it is under 5 %).
    public static func warmUpBars(_ parameters: [String: Double], strategy: String) -> Int {
        let periods = (StrategyRegistry.parameters(of: strategy) ?? []).filter(\.integer).compactMap { parameters[$0.name] ?? $0.defaultValue }
        return 3 * Int(periods.max() ?? 0)
    }

    /// Runs the checks for one strategy on one market (its first market).
    public static func run(strategy: String, parameters: [String: Double], market: Backtester.Market, backtester: Backtester, interval: Int64, seed: UInt64 = 7) async throws -> SelfChecks {
        var recording = backtester
        recording.recordsDecisions = true
        recording.progress = nil
        let slot = [SlotSettings(strategy: strategy, market: market.instrument.symbol, parameters: parameters)]
        func decisions(_ candles: ArraySlice<Candle>) async throws -> [Decision] {
            try await recording.run(slot, markets: [Backtester.Market(instrument: market.instrument, candles: Array(candles))], interval: interval).decisions
        }
        let candles = market.candles
        let full = try await decisions(candles[...])
        var generator = SplitMix64(seed: seed)
        let cuts = candles.count > 20 ? (0..<3).map { _ in 10 + Int(generator.next() % UInt64(candles.count - 20)) }.sorted() : []
        var firstDifference: Int?
        for cut in cuts {
            let part = try await decisions(candles[..<cut])
            if let index = zip(part, full).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                firstDifference = min(firstDifference ?? index, index)
            }
        }
        let lookAhead = LookAhead(cuts: cuts, firstDifference: firstDifference, passed: firstDifference == nil)
        let shift = warmUpBars(parameters, strategy: strategy)
        var warmUp: WarmUp?
        if shift > 0, candles.count > 4 * shift {
            let later = try await decisions(candles[shift...])
            // Bar i of the later run is bar i + shift of the full one; compare from 2 × shift on.
            let pairs = (shift..<later.count).map { (later[$0], full[$0 + shift]) }
            let agree = pairs.count { $0.0 == $0.1 }
            let share = pairs.isEmpty ? 1 : Double(agree) / Double(pairs.count)
            warmUp = WarmUp(shift: shift, compared: pairs.count, agreement: share, passed: share >= 0.99)
        }
        return SelfChecks(lookAhead: lookAhead, warmUp: warmUp)
    }
}
