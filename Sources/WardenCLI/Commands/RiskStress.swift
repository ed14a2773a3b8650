import ArgumentParser
import Foundation
import Trading
import WardenCore

extension RiskCommand {
    struct Stress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stress tests of positions held as weights: historical windows and days replayed from the files, and hypothetical shocks.",
            discussion: """
                Historical: the files' worst 1-day and 7-day windows for these positions, and 2020-03-12, 2021-05-19, 2022-06-13 and \
                2022-11-08 (UTC days; data/stress_scenarios.md says what happened and where from), each market's compounded return \
                over it; a day the files do not cover is listed without a loss. Hypothetical: every market −20 % and −40 %, and the \
                99 % one-day parametric VaR with volatilities tripled and with every correlation set to 1. A loss is a positive \
                fraction of equity; weights need not sum to 1 (the rest is cash).
                """)
        @Option(name: .customLong("data"), help: ArgumentHelp("Candles: MARKET=FILE (repeatable).", valueName: "file")) var data: [String]
        @Option(help: ArgumentHelp("Positions as fractions of equity: M=W,... (default all equity, equally).", valueName: "weights")) var weights: String?
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var inputs: ReturnInputs
            var weights: [String: Double]
            var scenarios: [StressTest.Scenario]
        }

        func run() async throws {
            let inputs = try ReturnInputs.load(data, window: Int.max - 1)
            let chosen = try positionWeights(inputs.markets, weights)
            let interval = StressTest.spacing(inputs.times)
            let scenarios = StressTest.run(markets: inputs.markets, times: inputs.times, returns: inputs.returns, weights: chosen, interval: interval)
            if json { try printJSON(Report(inputs: inputs, weights: Dictionary(uniqueKeysWithValues: zip(inputs.markets, chosen)), scenarios: scenarios)); return }
            print("\(inputs.markets.joined(separator: ", ")): \(inputs.observations) returns from \(formatTime(inputs.first)) to \(formatTime(inputs.last))")
            for s in scenarios {
                let loss = s.loss.map { String(format: "loss %.2f%%", $0 * 100) } ?? "not covered"
                let window = s.from.map { from in " (\(formatTime(from)) to \(formatTime(s.to ?? from)))" } ?? ""
                print("  \(s.name): \(loss)\(window): \(s.note)")
            }
        }
    }
}
