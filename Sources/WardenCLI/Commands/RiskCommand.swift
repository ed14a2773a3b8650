import ArgumentParser
import Foundation
import Trading
import WardenCore

/// Close-to-close returns of several candle files on their common bars: what `warden risk var`
/// and `warden portfolio weights` compute from.
struct ReturnInputs: Encodable {
    var markets: [String]
    var first: Int64
    var last: Int64
    var observations: Int
    /// returns[t][i], bar t's return of market i.
    var returns: [[Double]]
    /// Each row's bar open time.
    var times: [Int64] = []

    enum CodingKeys: String, CodingKey { case markets, first, last, observations }

    static func load(_ data: [String], window: Int) throws -> ReturnInputs {
        guard !data.isEmpty else { throw fail(WardenError(.usage, "name the candles with --data MARKET=FILE", location: "--data")) }
        guard window >= 2 else { throw fail(WardenError(.usage, "--window must be at least 2", location: "--window")) }
        var markets: [String] = []
        var closes: [[Int64: Double]] = []
        for entry in data {
            let (symbol, file) = try BacktestCommand.market(entry, single: data.count == 1)
            guard !markets.contains(symbol) else { throw fail(WardenError(.usage, "\(symbol) is given twice", location: "--data")) }
            do {
                let candles = try CandleFile.load(file).candles
                markets.append(symbol)
                closes.append(Dictionary(candles.map { ($0.openTime, $0.close) }, uniquingKeysWith: { _, last in last }))
            } catch let error as CandleFile.Problems {
                for problem in error.problems.prefix(50) { printError("warden: \(problem)") }
                throw ExitCode(WardenError.Code.usage.exitStatus)
            }
        }
        let aligned = aligned(closes, window: window)
        guard aligned.common >= 3 else { throw fail(WardenError(.usage, "the files share \(aligned.common) bars; returns need at least 3", location: "--data")) }
        return ReturnInputs(
            markets: markets, first: aligned.times.first!, last: aligned.times.last!, observations: aligned.returns.count, returns: aligned.returns,
            times: aligned.times)
    }

    /// The bars every market has, oldest first (a return needs the bar before it in every market
    /// too): the last `window` returns, each row's open time, how many bars are shared and the latest.
    static func aligned(_ closes: [[Int64: Double]], window: Int) -> (returns: [[Double]], times: [Int64], common: Int, latest: Int64?) {
        guard let first = closes.first else { return ([], [], 0, nil) }
        let common = closes.dropFirst().reduce(Set(first.keys)) { $0.intersection($1.keys) }.sorted()
        let used = Array(common.suffix(window + 1))
        guard used.count >= 2 else { return ([], [], common.count, common.last) }
        let returns = (1..<used.count).map { t in closes.map { $0[used[t]]! / $0[used[t - 1]]! - 1 } }
        return (returns, Array(used.dropFirst()), common.count, common.last)
    }
}

struct RiskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk", abstract: "Risk analytics: value at risk and conditional value at risk of a portfolio of candle files.",
        subcommands: [VaR.self, Stress.self, Report.self, Bench.self])

    struct VaR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "var",
            abstract: "VaR and CVaR (positive fractions of the portfolio's value) from the files' close-to-close returns.",
            discussion: """
                historical: the negated α-quantile of the portfolio's returns (linear interpolation, numpy's default) and the \
                mean of those at or below it; over H bars, overlapping H-bar compounded returns. parametric: normal, mean × H \
                and deviation × √H. cornish_fisher: the normal quantile corrected for skewness and excess kurtosis; its CVaR \
                is the mean of the corrected quantile over the tail (closed form from the normal's partial moments). monte_carlo: --paths draws (100,000) of H-bar returns \
                from a multivariate normal with the assets' mean and covariance, seeded.
                """)
        @Option(name: .customLong("data"), help: ArgumentHelp("Candles: MARKET=FILE (repeatable).", valueName: "file")) var data: [String]
        @Option(help: ArgumentHelp("Weights: M=W,... (default equal; normalised to sum to 1).", valueName: "weights")) var weights: String?
        @Option(help: "The last N returns.") var window: Int = 1000
        @Option(help: "Horizon in bars.") var horizon: Int = 1
        @Option(help: "Confidence levels, comma-separated.") var confidence: String = "0.95,0.99"
        @Option(help: "historical, parametric, cornish_fisher, monte_carlo or all.") var method: String = "all"
        @Option(help: "Monte Carlo paths.") var paths: Int = 100_000
        @Option(help: "Monte Carlo seed.") var seed: Int64 = 1
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var inputs: ReturnInputs
            var weights: [String: Double]
            var horizon: Int
            var estimates: [ValueAtRisk.Estimate]
        }

        func run() async throws {
            let inputs = try ReturnInputs.load(data, window: window)
            let levels = try confidence.split(separator: ",").map { text -> Double in
                guard let level = Double(text.trimmingCharacters(in: .whitespaces)), level > 0.5, level < 1 else {
                    throw fail(WardenError(.usage, "a confidence is a number between 0.5 and 1, found '\(text)'", location: "--confidence"))
                }
                return level
            }
            let methods: [ValueAtRisk.Method]
            if method == "all" { methods = ValueAtRisk.Method.allCases } else if let one = ValueAtRisk.Method(rawValue: method) { methods = [one] } else {
                throw fail(WardenError(.usage, "--method is historical, parametric, cornish_fisher, monte_carlo or all, found '\(method)'", location: "--method"))
            }
            guard horizon >= 1, horizon < inputs.observations else { throw fail(WardenError(.usage, "--horizon must be from 1 to \(inputs.observations - 1) bars", location: "--horizon")) }
            guard paths >= 100, seed >= 0 else { throw fail(WardenError(.usage, "--paths must be at least 100 and --seed 0 or more")) }
            let chosen = try weightsOf(inputs.markets, weights)
            let model = ValueAtRisk(returns: inputs.returns, weights: chosen, horizon: horizon)
            var estimates: [ValueAtRisk.Estimate] = []
            for m in methods {
                for level in levels {
                    guard let estimate = model.estimate(m, confidence: level, paths: paths, seed: UInt64(seed)) else {
                        throw fail(WardenError(.usage, "\(m.rawValue) cannot be computed from these returns (constant, or a covariance that is not positive definite)"))
                    }
                    estimates.append(estimate)
                }
            }
            let report = Report(inputs: inputs, weights: Dictionary(uniqueKeysWithValues: zip(inputs.markets, chosen)), horizon: horizon, estimates: estimates)
            if json { try printJSON(report); return }
            print("\(inputs.markets.joined(separator: ", ")): \(inputs.observations) returns from \(formatTime(inputs.first)) to \(formatTime(inputs.last)), horizon \(horizon) bar\(horizon == 1 ? "" : "s")")
            for e in estimates {
                print(String(format: "  %-15@ %.1f%%: VaR %.4f%%, CVaR %.4f%%", e.method.rawValue as NSString, e.confidence * 100, e.valueAtRisk * 100, e.conditionalValueAtRisk * 100))
            }
        }
    }
}

/// `M=W,...` as positions' fractions of equity, not normalised (the rest is cash); all equity,
/// equally, when none are given.
func positionWeights(_ markets: [String], _ text: String?) throws -> [Double] {
    guard let text else { return Array(repeating: 1 / Double(markets.count), count: markets.count) }
    return try givenWeights(markets, text)
}

/// `M=W,...` as weights in the markets' order, normalised; equal when none are given.
func weightsOf(_ markets: [String], _ text: String?) throws -> [Double] {
    guard let text else { return Array(repeating: 1 / Double(markets.count), count: markets.count) }
    let given = try givenWeights(markets, text)
    let total = given.reduce(0, +)
    return given.map { $0 / total }
}

/// `M=W,...` in the markets' order as given: every market once, not all zero.
func givenWeights(_ markets: [String], _ text: String) throws -> [Double] {
    var given: [String: Double] = [:]
    for part in text.split(separator: ",") {
        let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard pair.count == 2, let symbol = MarketSettings.canonical(pair[0]), let weight = Double(pair[1]), weight >= 0, weight.isFinite else {
            throw fail(WardenError(.usage, "expected MARKET=WEIGHT with a weight of 0 or more, found '\(part)'", location: "--weights"))
        }
        guard markets.contains(symbol) else { throw fail(WardenError(.usage, "\(symbol) has no --data", location: "--weights")) }
        guard given[symbol] == nil else { throw fail(WardenError(.usage, "\(symbol) is given twice", location: "--weights")) }
        given[symbol] = weight
    }
    let total = given.values.reduce(0, +)
    guard total > 0, given.count == markets.count else { throw fail(WardenError(.usage, "give every market a weight, not all zero", location: "--weights")) }
    return markets.map { given[$0]! }
}

