import ArgumentParser
import Foundation
import Trading
import WardenCore

struct PortfolioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio", abstract: "Portfolio analytics on candle files.", subcommands: [Weights.self, Correlation.self])

    struct Correlation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pearson correlation of each pair of markets' close-to-close returns (as the engine exports warden_portfolio_correlation).")
        @Option(name: .customLong("data"), help: ArgumentHelp("Candles: MARKET=FILE (repeatable, at least two).", valueName: "file")) var data: [String]
        @Option(help: "The last N returns.") var window: Int = 1000
        @Flag(help: "Print JSON.") var json = false

        struct Pair: Encodable {
            var a: String
            var b: String
            var correlation: Double
        }

        struct Report: Encodable {
            var inputs: ReturnInputs
            var pairs: [Pair]
        }

        func run() async throws {
            guard data.count >= 2 else { throw fail(WardenError(.usage, "name at least two markets with --data", location: "--data")) }
            let inputs = try ReturnInputs.load(data, window: window)
            let pairs = PortfolioWatch.correlations(markets: inputs.markets, returns: inputs.returns).map { Pair(a: $0.a, b: $0.b, correlation: $0.value) }
            if json { try printJSON(Report(inputs: inputs, pairs: pairs)); return }
            print("\(inputs.observations) returns from \(formatTime(inputs.first)) to \(formatTime(inputs.last))")
            for pair in pairs { print(String(format: "  %@ / %@: %.4f", pair.a as NSString, pair.b as NSString, pair.correlation)) }
        }
    }

    struct Weights: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The weights an allocation would set: equal, inverse_volatility (1/σ) or risk_parity (equal risk contributions, to 1e-8).")
        @Option(help: "equal, inverse_volatility or risk_parity.") var method: String
        @Option(name: .customLong("data"), help: ArgumentHelp("Candles: MARKET=FILE (repeatable).", valueName: "file")) var data: [String]
        @Option(help: "The last N returns.") var window: Int = 1000
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var inputs: ReturnInputs
            var method: String
            var weights: [String: Double]
            var riskContributions: [String: Double]
            var iterations: Int
            enum CodingKeys: String, CodingKey {
                case inputs, method, weights, iterations
                case riskContributions = "risk_contributions"
            }
        }

        func run() async throws {
            guard let kind = PortfolioWeights.Method(rawValue: method) else {
                throw fail(WardenError(.usage, "--method is equal, inverse_volatility or risk_parity, found '\(method)'", location: "--method"))
            }
            let inputs = try ReturnInputs.load(data, window: window)
            guard let solution = PortfolioWeights.solve(kind, returns: inputs.returns) else {
                throw fail(WardenError(.usage, "\(method) cannot be computed from these returns (a market whose price never moves?)"))
            }
            let report = Report(
                inputs: inputs, method: kind.rawValue, weights: Dictionary(uniqueKeysWithValues: zip(inputs.markets, solution.weights)),
                riskContributions: Dictionary(uniqueKeysWithValues: zip(inputs.markets, solution.riskContributions)), iterations: solution.iterations)
            if json { try printJSON(report); return }
            print("\(kind.rawValue) over \(inputs.observations) returns from \(formatTime(inputs.first)) to \(formatTime(inputs.last)):")
            for (market, (w, r)) in zip(inputs.markets, zip(solution.weights, solution.riskContributions)) {
                print(String(format: "  %@ weight %.6f, risk contribution %.6f", market, w, r))
            }
        }
    }
}
