import Foundation
import WardenCore
import Testing
@testable import Backtest
@testable import Trading

/// Hourly candles with open = close and a range of ±1 around it, so ATR settles at 2.
func rangedCandles(_ closes: [Double]) -> [Candle] {
    closes.enumerated().map { index, close in
        Candle(openTime: Int64(index) * 3_600_000, open: close, high: close + 1, low: close - 1, close: close, volume: 1)
    }
}

@Suite("Risk limits in the backtester")
struct RiskTests {
    let enterAt20: [Decision] = (0..<40).map { Decision(enter: $0 == 20, exit: false) }

    @Test("max position notional caps what an entry buys")
    func positionCap() async throws {
        var strategy = Scripted(enterAt20)
        let series = rangedCandles(Array(repeating: 100, count: 30))
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 10_000, risk: RiskLimits(maxPositionNotional: 1_000), recordingDecisions: true).run(strategy, candles: series)
        #expect(result.trades.first?.quantity == 10)
    }

    @Test("an ATR stop-loss exits once the close falls k×ATR below the entry; a take-profit once it rises m×ATR above")
    func stops() async throws {
        // ATR(14) of ±1 ranges around a flat 100 is 2: stop at 100 − 1.5×2 = 97, target at 100 + 2×2 = 104.
        var closes = Array(repeating: 100.0, count: 23)
        closes += [98, 96.9, 95, 95]
        var strategy = Scripted(enterAt20)
        let risk = RiskLimits(stopLossATR: 1.5, takeProfitATR: 2)
        let down = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: risk, recordingDecisions: true).run(strategy, candles: rangedCandles(closes))
        #expect(down.trades.first?.entryTime == 21 * hour)
        // 98 stays above the stop; 96.9 (bar 24) is below it: out at bar 25's open.
        #expect(down.trades.first?.exitTime == 25 * hour && down.trades.first?.exitPrice == 95)

        var up = Array(repeating: 100.0, count: 23)
        up += [103, 104, 105, 105]
        var again = Scripted(enterAt20)
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: risk, recordingDecisions: true).run(again, candles: rangedCandles(up))
        #expect(result.trades.first?.exitTime == 25 * hour && result.trades.first?.exitPrice == 105)
    }

    @Test("a daily loss beyond the limit halts new entries for good (until an operator resumes), exits still run")
    func dailyLoss() async throws {
        // In at bar 2 (100), the price falls 6% on bar 4: halted. Entry signals after that are ignored.
        let closes: [Double] = [100, 100, 100, 100, 94, 94, 94, 100, 100, 100, 100, 100]
        let script = closes.indices.map { Decision(enter: $0 == 1 || $0 == 9, exit: $0 == 6) }
        var strategy = Scripted(script)
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: RiskLimits(dailyLossLimit: 0.05), recordingDecisions: true).run(strategy, candles: rangedCandles(closes))
        #expect(result.haltedAt == 4 * hour)
        #expect(result.haltReason?.hasPrefix("daily loss limit") == true)
        #expect(result.trades.count == 1 && result.trades[0].exitTime == 7 * hour)
    }

    @Test("a drawdown from the peak beyond the limit halts entries")
    func drawdown() async throws {
        let closes: [Double] = [100, 100, 120, 130, 110, 100, 100, 100, 100, 100]
        let script = closes.indices.map { Decision(enter: $0 == 0 || $0 == 7, exit: $0 == 5) }
        var strategy = Scripted(script)
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: RiskLimits(maxDrawdown: 0.2), recordingDecisions: true).run(strategy, candles: rangedCandles(closes))
        // Equity peaks at 1300 (bar 3) and is 1000 at bar 5: 23% down.
        #expect(result.haltedAt == 5 * hour)
        #expect(result.trades.count == 1)
    }

    @Test("the total exposure cap counts the other strategies' open positions")
    func exposure() async throws {
        let riskGuard = RiskGuard(limits: RiskLimits(maxTotalExposure: 5_000), startingEquity: 10_000)
        let fills = FillModel(feeRate: 0)
        #expect(riskGuard.entryBudget(cash: 10_000, feeRate: fills.feeRate, otherExposure: 4_000) == 1_000)
        #expect(riskGuard.entryBudget(cash: 10_000, feeRate: fills.feeRate, otherExposure: 6_000) == 0)
    }
}
