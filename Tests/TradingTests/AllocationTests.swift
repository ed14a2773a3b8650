import Foundation
import Testing
import WardenCore
@testable import Backtest
@testable import Trading

/// Hourly candles of two markets on one clock, open = close.
private func pair(_ a: [Double], _ b: [Double]) throws -> [Backtester.Market] {
    [try Backtester.Market(instrument: .replay("BTC-USDT"), candles: rangedCandles(a)), try Backtester.Market(instrument: .replay("ETH-USDT"), candles: rangedCandles(b))]
}

/// Enters at each of `bars` and exits 50 bars later.
private func scripted(_ name: String, _ market: String, enterAt bars: Set<Int>, count: Int) -> SlotSettings {
    SlotSettings(name: name, market: market, strategy: Scripted((0..<count).map { Decision(enter: bars.contains($0), exit: bars.contains($0 - 50)) }))
}

private func slot(_ index: Int, _ name: String, market: Int, _ symbol: String) -> LoopSlot {
    LoopSlot(index: index, name: name, market: market, symbol: symbol, parameters: [:], active: true, make: { _ in Scripted([]) })
}

/// A deterministic wobbling series: returns of a few percent, different per seed.
private func wobble(_ count: Int, seed: UInt64, scale: Double) -> [Double] {
    var random = SplitMix64(seed: seed), price = 100.0
    return (0..<count).map { _ in
        price *= 1 + scale * (random.unit() - 0.5)
        return price
    }
}

@Suite("Allocation, rebalancing and the VaR limit in the trading loop")
struct AllocationTests {
    @Test("Kelly: p − (1 − p)/b from the trades, 0 for a losing edge or no win, 1 without a loss")
    func kelly() throws {
        // Three wins of 10 %, two losses of 5 %: p = 0.6, b = 2, f* = 0.6 − 0.4 / 2 = 0.4.
        let f = try #require(Kelly.fraction([0.1, -0.05, 0.1, -0.05, 0.1]))
        #expect(abs(f - 0.4) < 1e-15)
        // p = 0.25, b = 1: f* = 0.25 − 0.75 < 0, so nothing is staked.
        #expect(Kelly.fraction([0.02, -0.02, -0.02, -0.02]) == 0)
        #expect(Kelly.fraction([0.01, 0.03]) == 1)
        #expect(Kelly.fraction([-0.01]) == 0)
        #expect(Kelly.fraction([]) == nil)
    }

    @Test("caps: a slot's cap, then a market's and a strategy's scale their slots down; the rest stays in cash")
    func caps() {
        let slots = [slot(0, "cci", market: 0, "BTC-USDT"), slot(1, "cci", market: 1, "ETH-USDT"), slot(2, "bollinger", market: 1, "ETH-USDT")]
        let settings = AllocationSettings(
            method: .fixed, weights: ["cci@BTC-USDT": 0.5, "cci@ETH-USDT": 0.3, "bollinger": 0.2], maxSlotWeight: 0.45, maxMarketWeight: ["ETH-USDT": 0.4])
        let weights = Allocator.weights(settings, slots: slots, history: CloseHistory(markets: 2, capacity: 0))
        // 0.5 → 0.45 (slot cap); ETH's 0.3 + 0.2 = 0.5 → ×0.8.
        #expect(zip(weights, [0.45, 0.24, 0.16]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(weights)")
        let capped = Allocator.weights(
            AllocationSettings(method: .equal, maxStrategyWeight: ["cci": 0.4]), slots: slots, history: CloseHistory(markets: 2, capacity: 0))
        #expect(zip(capped, [0.2, 0.2, 1.0 / 3]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(capped)")
    }

    @Test("risk parity from the loop's own closes equals the solver on the same returns: equal risk contributions to 1e-8")
    func riskParityFromHistory() throws {
        let a = wobble(400, seed: 1, scale: 0.04), b = wobble(400, seed: 2, scale: 0.01)
        var history = CloseHistory(markets: 2, capacity: 301)
        for index in a.indices {
            history.append(a[index], market: 0)
            history.append(b[index], market: 1)
        }
        let slots = [slot(0, "cci", market: 0, "BTC-USDT"), slot(1, "cci", market: 1, "ETH-USDT")]
        let weights = Allocator.weights(AllocationSettings(method: .riskParity, window: 300), slots: slots, history: history)
        let rows: [[Double]] = (a.count - 300..<a.count).map { (i: Int) -> [Double] in
            let x: Double = a[i] / a[i - 1] - 1, y: Double = b[i] / b[i - 1] - 1
            return [x, y]
        }
        let solution = try #require(PortfolioWeights.solve(.riskParity, returns: rows))
        #expect(zip(weights, solution.weights).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(solution.riskContributions[0] - 0.5) < 1e-8)
        // The calmer market gets the larger share.
        #expect(weights[1] > 0.7)
    }

    @Test("no weight uses a bar after it: cutting the data later never changes the trades before the cut")
    func noLookAhead() async throws {
        let a = wobble(600, seed: 3, scale: 0.05), b = wobble(600, seed: 4, scale: 0.02)
        let entries: Set<Int> = [100, 200, 300, 400, 500]
        var backtester = Backtester(fills: FillModel(feeRate: 0.001), cash: 10_000)
        backtester.portfolio = PortfolioSettings(allocation: AllocationSettings(method: .inverseVolatility, window: 60, every: .seconds(86_400)))
        func run(_ bars: Int) async throws -> [Trade] {
            let slots = [scripted("s", "BTC-USDT", enterAt: entries, count: bars), scripted("s", "ETH-USDT", enterAt: entries, count: bars)]
            return try await backtester.run(slots, markets: pair(Array(a.prefix(bars)), Array(b.prefix(bars)))).trades
        }
        let full = try await run(600)
        for cut in [250, 350, 450] {
            let shorter = try await run(cut)
            let before = full.filter { $0.entryTime < Int64(cut - 1) * hour }
            #expect(shorter.filter { $0.entryTime < Int64(cut - 1) * hour }.map(\.quantity) == before.map(\.quantity), "cut at \(cut)")
        }
        // And the weights did something: the two entries at bar 500 are not the same notional.
        let last = full.filter { $0.entryTime == 501 * hour }.map { $0.quantity * $0.entryPrice }
        #expect(last.count == 2 && abs(last[0] - last[1]) > 100)
    }

    @Test("fixed weights size each entry; a 1% drift is sold back to the target at the next open, never the whole position")
    func rebalancesBack() async throws {
        // In at bar 1 (0.3 of 10,000 at 100); the price doubles at bar 5: 3,000 → 6,000 of 13,000.
        var closes = Array(repeating: 100.0, count: 10)
        for index in 5..<10 { closes[index] = 200 }
        var backtester = Backtester(fills: FillModel(feeRate: 0), cash: 10_000)
        backtester.portfolio = PortfolioSettings(
            allocation: AllocationSettings(method: .fixed, weights: ["s": 0.3]), rebalance: RebalanceSettings(drift: 0.01, minOrder: 10))
        let slots = [SlotSettings(name: "s", market: "BTC-USDT", strategy: Scripted((0..<10).map { Decision(enter: $0 == 0, exit: false) }))]
        let result = try await backtester.run(slots, markets: [try Backtester.Market(instrument: .replay("BTC-USDT"), candles: rangedCandles(closes))])
        let trade = try #require(result.trades.first)
        #expect(result.trades.count == 1 && trade.exitTime == nil)
        // 30 bought at 100, then 13,000 × 0.3 = 3,900 kept: 10.5 sold at 200 (to the step), the rest held.
        #expect(abs(trade.quantity - 30) < 1e-4 && abs(trade.entryPrice - 100) < 1e-9)  // to the step, a billionth of cash kept back
        #expect(abs(try #require(trade.exitPrice) - 200) < 1e-9)
        let equity = try #require(result.equity.last)
        let held = (equity - (10_000 - 3_000 + 10.5 * 200)) / 200
        #expect(abs(held - 19.5) < 1e-4, "held \(held)")
    }

    @Test("the VaR limit: above it REDUCING with the figures in the reason, back to ACTIVE below")
    func valueAtRiskLimit() {
        var guardrail = RiskGuard(limits: RiskLimits(maxValueAtRisk: 0.05, varConfidence: 0.99), startingEquity: 1_000)
        #expect(guardrail.observe(time: 0, equity: 1_000, exposure: 900, valueAtRisk: 0.04) == nil)
        guard case .reducing(let reason)? = guardrail.observe(time: 1, equity: 1_000, exposure: 900, valueAtRisk: 0.061) else {
            Issue.record("not reducing")
            return
        }
        #expect(reason == "VaR 6.10% of equity (historical, 99%) is above the limit of 5.00%")
        guard case .recovered? = guardrail.observe(time: 2, equity: 1_000, exposure: 300, valueAtRisk: 0.02) else {
            Issue.record("not recovered")
            return
        }
        #expect(guardrail.mode == .active)
    }

    @Test("an entry under a VaR limit is cut to fit 90% of it")
    func entriesFitTheLimit() async throws {
        let a = wobble(300, seed: 5, scale: 0.06)
        var backtester = Backtester(fills: FillModel(feeRate: 0), cash: 10_000, risk: RiskLimits(maxValueAtRisk: 0.02))
        backtester.portfolio = PortfolioSettings(horizon: .seconds(3600), allocation: AllocationSettings(window: 100))
        let slots = [SlotSettings(name: "s", market: "BTC-USDT", strategy: Scripted((0..<300).map { Decision(enter: $0 == 200, exit: false) }))]
        let result = try await backtester.run(slots, markets: [try Backtester.Market(instrument: .replay("BTC-USDT"), candles: rangedCandles(a))])
        let trade = try #require(result.trades.first)
        // The one-bar historical 99% VaR of the whole position, from the 100 returns before the entry.
        let returns: [Double] = (101...200).map { (i: Int) -> Double in a[i] / a[i - 1] - 1 }
        let (full, _) = try #require(ValueAtRisk.historical(returns, alpha: 0.01))
        let notional = trade.quantity * trade.entryPrice
        #expect(notional < 10_000 * 0.9 && abs(notional / 10_000 * full - 0.018) < 0.0005, "notional \(notional), full VaR \(full)")
    }
}
