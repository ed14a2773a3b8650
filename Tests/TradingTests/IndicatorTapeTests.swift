import Foundation
import Testing
@testable import Backtest
@testable import Trading

@Suite("Indicators shared across trials: computed once, read by every trial, the same decisions as computing them")
struct IndicatorTapeTests {
    static let candles = OptimiserTests.candles

    static func trials(sharing: Bool, strategy: String) throws -> StrategyTrials {
        StrategyTrials(
            strategy: strategy, markets: [Backtester.Market(instrument: try .replay("BTC-USDT"), candles: candles)],
            backtester: Backtester(fills: FillModel(feeRate: 0.001, slippageBps: 0), cash: 10_000), interval: 3_600_000, sharingIndicators: sharing)
    }

    @Test(arguments: [
        ("cci", [["period": 20, "lower": -100], ["period": 20, "lower": -150], ["period": 33, "upper": 50]]),
        ("rsi_macd", [["fast": 8, "slow": 30], ["fast": 8, "slow": 30, "rsi_entry_max": 55], ["rsi": 21, "signal": 5]]),
        ("bollinger", [["period": 20, "stddev": 2], ["period": 20, "stddev": 2.5], ["period": 45, "stddev": 1.5]]),
    ])
    func aTrialReadingSharedIndicatorsEqualsOneComputingThem(strategy: String, points: [[String: Double]]) async throws {
        try #require(!Self.candles.isEmpty, "../shared/data has the BTC 1h file")
        let shared = try Self.trials(sharing: true, strategy: strategy)
        let alone = try Self.trials(sharing: false, strategy: strategy)
        for point in points {
            let a = try await shared.evaluate(point)
            let b = try await alone.evaluate(point)
            #expect(a.figures == b.figures, "\(strategy) \(point)")
            #expect(a.returns == b.returns, "\(strategy) \(point)")
            #expect(a.figures.trades > 0, "\(strategy) \(point) trades, so the comparison means something")
        }
    }

    @Test func twoPointsThatDifferOnlyInThresholdsShareOneSeries() throws {
        let tapes = IndicatorTapes(markets: ["BTC-USDT": Self.candles])
        let market = tapes.market("BTC-USDT")
        let first = try #require(tapes.tape(CCI(period: 20), key: "cci(20)", market: market.market))
        let second = try #require(tapes.tape(CCI(period: 20), key: "cci(20)", market: market.market))
        #expect(first === second)
        #expect(tapes.tape(CCI(period: 21), key: "cci(21)", market: "BTC-USDT") !== first)
        #expect(tapes.tape(CCI(period: 20), key: "cci(20)", market: "ETH-USDT") == nil)
    }

    @Test func aFeedGivenOtherCandlesThanItsTapesComputesTheIndicatorsOwnValues() throws {
        try #require(Self.candles.count > 500)
        let tapes = IndicatorTapes(markets: ["BTC-USDT": Self.candles])
        // The same first 200 bars, then a shifted series (a warm-up check's start moved), then a changed bar.
        var altered = Array(Self.candles.prefix(200)) + Array(Self.candles[300..<500])
        altered[350].close *= 1.01
        var feed = tapes.market("BTC-USDT").feed(CCI(period: 14), key: "cci(14)")
        var reference = CCI(period: 14)
        for candle in altered {
            #expect(feed.update(candle) == reference.update(candle.bar))
        }
        // Capacity reached: a new series is computed by the strategy itself.
        let full = IndicatorTapes(markets: ["BTC-USDT": Self.candles], capacity: 1)
        _ = full.tape(CCI(period: 5), key: "cci(5)", market: "BTC-USDT")
        #expect(full.tape(CCI(period: 6), key: "cci(6)", market: "BTC-USDT") == nil)
    }
}
