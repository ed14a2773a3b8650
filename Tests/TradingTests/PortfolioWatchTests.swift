import Foundation
import Testing
@testable import Trading

@Suite("The engine's portfolio measures: joint returns, VaR of the positions held, correlation, diversification")
struct PortfolioWatchTests {
    /// Two markets' closes from seeded returns; the second moves with the first by `beta`.
    static func closes(_ count: Int, beta: Double, seed: UInt64 = 3) -> [[Double]] {
        var generator = SplitMix64(seed: seed)
        var prices = [100.0, 50.0]
        return (0..<count).map { _ in
            let common = generator.normal() * 0.01
            prices[0] *= 1 + common
            prices[1] *= 1 + beta * common + generator.normal() * 0.004
            return prices
        }
    }

    @Test("returns are kept only for bars every market closed on, the last `window` of them")
    func jointReturns() {
        let series = Self.closes(120, beta: 1)
        for window in [50, 200] {
            var watch = PortfolioWatch(markets: ["A", "B"], settings: .init(window: window))
            for (index, row) in series.enumerated() {
                // B misses every tenth bar: that bar and the next have no joint return.
                watch.observe(closes: [row[0], index % 10 == 5 ? nil : row[1]])
            }
            // 119 one-bar returns, less 12 missing bars and the 12 after them.
            #expect(watch.observations == min(window, 95))
            #expect(watch.closes == [series.last![0], series.last![1]])
        }
    }

    @Test("VaR and CVaR of the positions equal warden risk var's on the same returns and weights; nothing held, nothing at risk")
    func valueAtRisk() {
        let series = Self.closes(400, beta: 0.8)
        var watch = PortfolioWatch(markets: ["A", "B"], settings: .init(window: 300, horizon: 4, paths: 2_000, monteCarloEvery: 1))
        for row in series { watch.observe(closes: row.map { $0 }) }
        let rows: [[Double]] = (1..<series.count).suffix(300).map { (t: Int) -> [Double] in
            let a: Double = series[t][0] / series[t - 1][0] - 1
            let b: Double = series[t][1] / series[t - 1][1] - 1
            return [a, b]
        }
        let figures = watch.figures(values: [3_000, 1_000], equity: 10_000)
        let reference = ValueAtRisk(returns: rows, weights: [0.3, 0.1], horizon: 4)
        #expect(figures.exposure == 0.4)
        for estimate in figures.estimates where estimate.method != .monteCarlo {
            let expected = reference.estimate(estimate.method, confidence: estimate.confidence)!
            #expect(abs(estimate.valueAtRisk - expected.valueAtRisk) < 1e-12 && abs(estimate.conditionalValueAtRisk - expected.conditionalValueAtRisk) < 1e-12)
        }
        #expect(figures.estimates.count == 8)
        // Stress: the shocks lose the exposure times the shock; the window's worst day and week are there.
        let stress = Dictionary(uniqueKeysWithValues: figures.stress.map { ($0.scenario, $0.loss) })
        #expect(abs((stress["every market −40%"] ?? 0) - 0.16) < 1e-12 && stress["worst 1-day window"] != nil && stress["worst 7-day window"] != nil)
        let flat = watch.figures(values: [0, 0], equity: 10_000)
        #expect(flat.estimates.count == 8 && flat.estimates.allSatisfy { $0.valueAtRisk == 0 && $0.conditionalValueAtRisk == 0 })
        #expect(flat.diversification == nil)
    }

    @Test("correlation is Pearson's; diversification is 1 for markets moving as one and above 1 when they offset")
    func correlationAndDiversification() throws {
        for (beta, low, high) in [(1.0, 0.85, 1.0), (-1.0, -1.0, -0.85)] {
            var watch = PortfolioWatch(markets: ["A", "B"], settings: .init(window: 500))
            for row in Self.closes(600, beta: beta) { watch.observe(closes: row.map { $0 }) }
            let figures = watch.figures(values: [5_000, 5_000], equity: 10_000)
            let correlation = try #require(figures.correlations.first)
            #expect(correlation.a == "A" && correlation.b == "B" && correlation.value > low && correlation.value < high, "\(beta): \(correlation.value)")
            let ratio = try #require(figures.diversification)
            #expect(beta > 0 ? ratio < 1.1 && ratio >= 1 : ratio > 3, "\(beta): \(ratio)")
        }
        // Exactly collinear returns: a correlation of 1 and a ratio of 1.
        let rows: [[Double]] = (0..<50).map { (t: Int) -> [Double] in
            let x: Double = Double(t % 7) / 100 - 0.03
            return [x, 2 * x]
        }
        #expect(abs(PortfolioWatch.correlations(markets: ["A", "B"], returns: rows)[0].value - 1) < 1e-12)
    }
}
