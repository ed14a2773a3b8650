import ArgumentParser
import Foundation
import Trading
import WardenCore

extension RiskCommand {
    /// `make bench`: the time of one portfolio's VaR and CVaR, per method, on seeded returns.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmark: VaR/CVaR at 95 % and 99 % of MARKETS markets over RETURNS returns, median and p99 of N runs.", shouldDisplay: false)
        @Option var markets = 10
        @Option var returns = 1000
        @Option var runs = 200
        @Option var paths = 100_000

        func run() async throws {
            // Correlated, fat-tailed returns: a common factor plus each market's own, a few jumps.
            var generator = SplitMix64(seed: 7)
            let rows = (0..<returns).map { _ -> [Double] in
                let common = generator.normal() * 0.01
                return (0..<markets).map { i in
                    common * (0.5 + Double(i) / Double(markets)) + generator.normal() * 0.008 + (generator.unit() < 0.01 ? -0.05 : 0)
                }
            }
            let model = ValueAtRisk(returns: rows, weights: Array(repeating: 1 / Double(markets), count: markets))
            func time(_ runs: Int, _ body: () -> Void) -> (median: Double, p99: Double) {
                var times: [Double] = []
                for _ in 0..<runs {
                    let started = ContinuousClock.now
                    body()
                    times.append((ContinuousClock.now - started).seconds * 1000)
                }
                times.sort()
                return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))])
            }
            var sink = 0.0
            let closed = time(runs) {
                for method in [ValueAtRisk.Method.historical, .parametric, .cornishFisher] {
                    for level in [0.95, 0.99] { sink += model.estimate(method, confidence: level)?.valueAtRisk ?? 0 }
                }
            }
            let simulated = time(max(5, runs / 20)) {
                sink += model.estimate(.monteCarlo, confidence: 0.99, paths: paths, seed: 1)?.valueAtRisk ?? 0
            }
            print(String(format: "VaR and CVaR of %d markets over %d returns: historical + parametric + Cornish-Fisher at 95 %% and 99 %%: median %.3f ms, p99 %.3f ms (goal ≤ 1 ms); Monte Carlo %d paths: median %.1f ms, p99 %.1f ms (goal ≤ 100 ms)",
                         markets, returns, closed.median, closed.p99, paths, simulated.median, simulated.p99) + (sink.isFinite ? "" : " (a figure was not finite)"))
        }
    }
}
