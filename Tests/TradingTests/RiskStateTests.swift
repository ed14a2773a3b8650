import Foundation
import Testing
import WardenCore
@testable import Backtest
@testable import Trading

/// Daily candles from `start` (a UTC day), open = close, a range of ±1.
private func dailyCandles(from start: Int64, _ closes: [Double]) -> [Candle] {
    closes.enumerated().map { index, close in
        Candle(openTime: (start + Int64(index)) * 86_400_000, open: close, high: close + 1, low: close - 1, close: close, volume: 1)
    }
}

private let day2021_01_29: Int64 = 18_656  // 2021-01-29

@Suite("Risk states: ACTIVE, REDUCING, HALTED; the monthly loss limit")
struct RiskStateTests {
    @Test("the month of a day agrees with the Gregorian calendar from 1900 to 2200")
    func months() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(-25_567), through: 84_000, by: 13) {
            let parts = calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            #expect(RiskGuard.month(ofDay: day) == (parts.year! - 1970) * 12 + parts.month! - 1, "day \(day)")
        }
    }

    @Test("a month's losses beyond the monthly limit halt entries, though no day lost more than the daily limit")
    func monthlyLoss() async throws {
        // In from 2021-01-30 at 100; February loses 4 % a day: −11.5 % by 3 February.
        let closes: [Double] = [100, 100, 100, 96, 92.16, 88.4736, 88.4736, 88.4736, 88.4736]
        let script = closes.indices.map { Decision(enter: $0 == 0 || $0 == 7, exit: $0 == 5) }
        let risk = RiskLimits(dailyLossLimit: 0.05, monthlyLossLimit: 0.10)
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: risk, recordingDecisions: true)
            .run(Scripted(script), candles: dailyCandles(from: day2021_01_29, closes))
        #expect(result.haltedAt == (day2021_01_29 + 5) * 86_400_000)
        #expect(result.haltReason?.hasPrefix("monthly loss limit") == true, "\(result.haltReason ?? "")")
        // The exit still ran; the entry signal after the halt did not.
        #expect(result.trades.count == 1 && result.trades[0].exitTime == (day2021_01_29 + 6) * 86_400_000)
    }

    @Test("January's losses do not count against February's limit")
    func monthsStartAfresh() async throws {
        // −8 % over January's last days, −4 % on 1 February: neither month lost 10 %.
        let closes: [Double] = [100, 100, 96, 92, 92, 88.32, 88.32]
        let script = closes.indices.map { Decision(enter: $0 == 0, exit: false) }
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: RiskLimits(monthlyLossLimit: 0.10), recordingDecisions: true)
            .run(Scripted(script), candles: dailyCandles(from: day2021_01_29 - 2, closes))
        #expect(result.haltedAt == nil, "\(result.haltReason ?? "")")
    }

    @Test("above the exposure cap the loop reduces: no entry, the position sold at the next open, then ACTIVE again")
    func reducing() async throws {
        // All equity goes into the entry at bar 2: exposure 100 % against a cap of 50 %.
        let closes = Array(repeating: 100.0, count: 12)
        let script = closes.indices.map { Decision(enter: $0 == 1 || $0 == 6, exit: false) }
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, risk: RiskLimits(maxGrossExposure: 0.5), recordingDecisions: true)
            .run(Scripted(script), candles: rangedCandles(closes))
        // In at bar 2's open; bar 2's close finds 100 % exposure: REDUCING, trimmed at bar 3's open.
        #expect(result.trades.count == 2)
        let first = try #require(result.trades.first), last = try #require(result.trades.last)
        #expect(first.entryTime == 2 * hour && first.exitTime == 3 * hour)
        // Back to ACTIVE at bar 3's close, so the signal at bar 6 enters (and is trimmed in turn).
        #expect(last.entryTime == 7 * hour && last.exitTime == 8 * hour)
        #expect(result.haltedAt == nil)
    }

    @Test("transitions: REDUCING and back, and HALTED wins over REDUCING")
    func transitions() {
        var guardrail = RiskGuard(limits: RiskLimits(maxDrawdown: 0.2, maxGrossExposure: 0.8), startingEquity: 1_000)
        #expect(guardrail.observe(time: 0, equity: 1_000, exposure: 500) == nil && guardrail.mode == .active)
        guard case .reducing(let reason)? = guardrail.observe(time: 1, equity: 1_000, exposure: 900) else { Issue.record("not reducing"); return }
        #expect(reason.contains("90.0% of equity is above the cap of 80.0%") && guardrail.mode == .reducing)
        #expect(guardrail.observe(time: 2, equity: 1_000, exposure: 950) == nil)
        guard case .recovered? = guardrail.observe(time: 3, equity: 1_000, exposure: 100) else { Issue.record("not recovered"); return }
        #expect(guardrail.mode == .active && guardrail.mode.level == 0)
        _ = guardrail.observe(time: 4, equity: 1_000, exposure: 900)
        guard case .halted? = guardrail.observe(time: 5, equity: 790, exposure: 700) else { Issue.record("not halted"); return }
        #expect(guardrail.mode == .halted && guardrail.reducingReason == nil && guardrail.mode.level == 2)
        // An older checkpoint, without the month and reducing fields, still reads.
        let old = Data(#"{"dayOpenEquity":1000,"peak":1000,"equityBeforeToday":0,"dailyPnLRatio":0}"#.utf8)
        #expect((try? JSONDecoder().decode(RiskGuard.State.self, from: old))?.month == nil)
    }
}
