import Foundation
import Testing
import Trading
@testable import Backtest

/// A function to maximise as a trial's score (the objective reads `sharpe`).
private func scoring(_ f: @escaping @Sendable ([String: Double]) -> Double) -> @Sendable ([String: Double]) async throws -> Evaluation {
    { point in
        Evaluation(
            figures: TrialFigures(totalReturn: 0, cagr: 0, sharpe: f(point), sortino: nil, maxDrawdown: 0, profitFactor: nil, winRate: nil, trades: 100),
            returns: [])
    }
}

private let quadratic: @Sendable ([String: Double]) -> Double = { p in -(pow(p["x"]! - 7, 2) + pow(p["y"]! + 3, 2)) }
private let rosenbrock: @Sendable ([String: Double]) -> Double = { p in -(pow(1 - p["x"]!, 2) + 100 * pow(p["y"]! - p["x"]! * p["x"]!, 2)) }
/// Branin–Hoo: three global minima of 0.397887 (at (−π, 12.275), (π, 2.275), (9.42478, 2.475)).
private let branin: @Sendable ([String: Double]) -> Double = { p in
    let x = p["x"]!, y = p["y"]!
    let a = 1.0, b = 5.1 / (4 * .pi * .pi), c = 5 / Double.pi, r = 6.0, s = 10.0, t = 1 / (8 * Double.pi)
    return -(a * pow(y - b * x * x + c * x - r, 2) + s * (1 - t) * cos(x) + s)
}

@Suite("The optimiser: grid, random, genetic and Bayesian search on known optima, the same trials whatever the jobs")
struct OptimiserTests {
    static let integerSpace = SearchSpace(dimensions: [SearchDimension(name: "x", low: -20, high: 20, step: 1), SearchDimension(name: "y", low: -20, high: 20, step: 1)])

    @Test func theGridVisitsEveryPointAndFindsTheQuadraticsOptimumExactly() async throws {
        let outcome = try await Optimiser(space: Self.integerSpace, method: .grid, objective: .sharpe, minimumTrades: 0).run(evaluate: scoring(quadratic))
        #expect(outcome.evaluations == 41 * 41)
        #expect(outcome.best?.parameters == ["x": 7, "y": -3])
        #expect(outcome.best?.score == 0)
    }

    @Test(arguments: [SearchMethod.random(trials: 300), .genetic(population: 20, generations: 15), .bayes(trials: 200)])
    func eachSearchComesCloseToTheQuadraticsOptimumWithFewerEvaluationsThanTheGrid(method: SearchMethod) async throws {
        var scores: [Double] = []
        for seed in 1...5 {
            let outcome = try await Optimiser(space: Self.integerSpace, method: method, objective: .sharpe, minimumTrades: 0, seed: UInt64(seed)).run(evaluate: scoring(quadratic))
            #expect(outcome.evaluations <= 41 * 41 / 5)
            scores.append(try #require(outcome.best?.score))
        }
        // The median over five seeds within 1 % of the range's worst (−(27² + 17²) = −1018) from the optimum 0.
        #expect(scores.sorted()[2] >= -10, "\(method.name): \(scores)")
    }

    @Test(arguments: [SearchMethod.genetic(population: 30, generations: 30), .bayes(trials: 300)])
    func continuousSearchesFindBraninsMinimumAndRosenbrocksValley(method: SearchMethod) async throws {
        let braninSpace = SearchSpace(dimensions: [SearchDimension(name: "x", low: -5, high: 10), SearchDimension(name: "y", low: 0, high: 15)])
        let b = try await Optimiser(space: braninSpace, method: method, objective: .sharpe, minimumTrades: 0, seed: 3).run(evaluate: scoring(branin))
        #expect(try #require(b.best?.score) > -0.397887 - 0.5, "\(method.name) on Branin: \(b.best?.parameters ?? [:])")
        let rosenSpace = SearchSpace(dimensions: [SearchDimension(name: "x", low: -2, high: 2), SearchDimension(name: "y", low: -1, high: 3)])
        let r = try await Optimiser(space: rosenSpace, method: method, objective: .sharpe, minimumTrades: 0, seed: 3).run(evaluate: scoring(rosenbrock))
        #expect(try #require(r.best?.score) > -1, "\(method.name) on Rosenbrock: \(r.best?.parameters ?? [:]) \(r.best?.score ?? 0)")
    }

    @Test func aConstraintIsNeverBrokenAndATrialWithTooFewTradesIsNeverBest() async throws {
        let space = SearchSpace.strategy(
            "rsi_macd", dimensions: [SearchDimension(name: "fast", low: 2, high: 60, step: 1), SearchDimension(name: "slow", low: 3, high: 60, step: 1)], fixed: [:])
        for method in [SearchMethod.grid, .random(trials: 100), .genetic(population: 10, generations: 5), .bayes(trials: 40)] {
            let outcome = try await Optimiser(space: space, method: method, objective: .sharpe, minimumTrades: 50, seed: 9).run { point in
                // Fewer trades where the score would be best: the guard must pass over them.
                let trades = point["fast"]! > 40 ? 2 : 100
                return Evaluation(
                    figures: TrialFigures(totalReturn: 0, cagr: 0, sharpe: point["fast"]!, sortino: nil, maxDrawdown: 0, profitFactor: nil, winRate: nil, trades: trades),
                    returns: [])
            }
            #expect(outcome.trials.allSatisfy { $0.parameters["fast"]! < $0.parameters["slow"]! }, "\(method.name)")
            #expect(try #require(outcome.best).parameters["fast"]! <= 40, "\(method.name)")
        }
    }

    static let candles: [Candle] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/BTCUSDT-1h-2023-01-01_2024-01-10.csv").path
        return Array(((try? CandleFile.load(path).candles) ?? []).prefix(3000))
    }()

    static func trials() throws -> StrategyTrials {
        StrategyTrials(
            strategy: "cci", markets: [Backtester.Market(instrument: try .replay("BTC-USDT"), candles: candles)],
            backtester: Backtester(fills: FillModel(feeRate: 0.001, slippageBps: 0), cash: 10_000), interval: 3_600_000)
    }

    @Test(arguments: [SearchMethod.grid, .random(trials: 12), .genetic(population: 6, generations: 3), .bayes(trials: 14)])
    func theSameSeedGivesTheSameTrialsAndBestAtOneJobAndAtTwo(method: SearchMethod) async throws {
        try #require(!Self.candles.isEmpty, "../shared/data has the BTC 1h file")
        let trials = try Self.trials()
        let space = SearchSpace.strategy("cci", dimensions: [SearchDimension(name: "period", low: 10, high: 40, step: 6), SearchDimension(name: "lower", low: -150, high: -50, step: 50)], fixed: [:])
        var outcomes: [Optimiser.Outcome] = []
        for jobs in [1, 2] {
            outcomes.append(try await Optimiser(space: space, method: method, objective: .sharpe, minimumTrades: 1, seed: 42, jobs: jobs).run { try await trials.evaluate($0) })
        }
        #expect(outcomes[0].trials.map(\.parameters) == outcomes[1].trials.map(\.parameters))
        #expect(outcomes[0].trials.map(\.score) == outcomes[1].trials.map(\.score))
        #expect(outcomes[0].best?.parameters == outcomes[1].best?.parameters && outcomes[0].best != nil)
    }

    @Test func aTrialIsTheBacktestOfItsParameters() async throws {
        try #require(!Self.candles.isEmpty)
        let trials = try Self.trials()
        let evaluation = try await trials.evaluate(["period": 30])
        let direct = try await Backtester(fills: FillModel(feeRate: 0.001, slippageBps: 0), cash: 10_000)
            .run([SlotSettings(strategy: "cci", market: "BTC-USDT", parameters: ["period": 30])], markets: trials.markets, interval: 3_600_000)
        let stats = Statistics(result: direct, startingCash: 10_000, interval: 3_600_000, span: (Self.candles.first!.openTime, Self.candles.last!.openTime))
        #expect(evaluation.figures == TrialFigures(stats))
        // One return per UTC day the bars touch, compounding to the total return.
        let days = Set(Self.candles.map { $0.openTime / 86_400_000 }).count
        #expect(evaluation.returns.count == days)
        #expect(abs(evaluation.returns.reduce(1) { $0 * (1 + $1) } - 1 - stats.totalReturn) < 1e-9)
    }
}

@Suite("Overfitting measures: the deflated Sharpe ratio and the probability of backtest overfitting")
struct OverfittingTests {
    @Test func theNormalQuantileInvertsTheCDF() {
        #expect(abs(StandardNormal.quantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(StandardNormal.quantile(0.99) - 2.326347874040841) < 1e-12)
        #expect(abs(StandardNormal.quantile(1e-6) + 4.753424308822899) < 1e-10)
        for p in [0.001, 0.2, 0.5, 0.7, 0.9999] { #expect(abs(StandardNormal.cdf(StandardNormal.quantile(p)) - p) < 1e-14) }
    }

    /// The worked example of Bailey and López de Prado (2014), section 5: an annualised Sharpe
    /// ratio of 2.5 over 1,250 days, the best of 100 trials whose annualised Sharpe ratios have a
    /// variance of 0.5, returns with skewness −3 and kurtosis 10: SR₀ ≈ 0.1132 per day, DSR ≈ 0.9004.
    @Test func thePapersWorkedExample() {
        let dsr = Overfitting.deflatedSharpe(
            sharpe: 2.5 / 250.0.squareRoot(), sharpeVariance: 0.5 / 250, trials: 100, observations: 1250, skewness: -3, kurtosis: 10)
        #expect(abs(dsr.expectedMaximum - 0.1132) < 5e-5, "SR0 \(dsr.expectedMaximum)")
        #expect(abs(dsr.probability - 0.9004) < 5e-5, "DSR \(dsr.probability)")
        // More trials raise the bar: the same result from 1,000 trials is less convincing.
        let more = Overfitting.deflatedSharpe(sharpe: 2.5 / 250.0.squareRoot(), sharpeVariance: 0.5 / 250, trials: 1000, observations: 1250, skewness: -3, kurtosis: 10)
        #expect(more.probability < dsr.probability)
    }

    static func noise(trials: Int, periods: Int, seed: UInt64, edge: (Int) -> Double = { _ in 0 }) -> [[Double]] {
        var generator = SplitMix64(seed: seed)
        return (0..<trials).map { trial in (0..<periods).map { _ in 0.01 * generator.normal() + edge(trial) } }
    }

    @Test func pboIsAboutHalfForNoiseAndNoneForATrueEdge() throws {
        // Trials of pure noise: the in-sample winner is a coin toss out of sample.
        var noisy: [Double] = []
        for seed in 1...10 { noisy.append(try #require(Overfitting.pbo(Self.noise(trials: 20, periods: 480, seed: UInt64(seed)), blocks: 8)).probability) }
        let mean = noisy.reduce(0, +) / Double(noisy.count)
        #expect(abs(mean - 0.5) < 0.15, "\(noisy)")
        // One trial with a real edge wins in and out of sample.
        let edged = try #require(Overfitting.pbo(Self.noise(trials: 20, periods: 480, seed: 5) { $0 == 7 ? 0.004 : 0 }, blocks: 8))
        #expect(edged.probability < 0.05)
        #expect(edged.splits == 70)
    }

    /// The block sums give the same logits as computing each split's Sharpe ratios from its rows.
    @Test func pboFromBlockSumsEqualsTheDefinitionRowByRow() throws {
        let returns = Self.noise(trials: 6, periods: 100, seed: 11)
        let fast = try #require(Overfitting.pbo(returns, blocks: 6))
        let size = 100 / 6
        func rows(_ blocks: [Int]) -> [Int] { blocks.flatMap { b in Array((b * size)..<(b == 5 ? 100 : (b + 1) * size)) } }
        func sharpe(_ r: [Double]) -> Double { let m = SampleMoments(r); return m.mean / m.deviation }
        var logits: [Double] = []
        for train in Overfitting.combinations(of: 6, choose: 3) {
            let test = (0..<6).filter { !train.contains($0) }
            let inSample = returns.map { t in sharpe(rows(train).map { t[$0] }) }
            let chosen = inSample.indices.max { inSample[$0] < inSample[$1] }!
            let outSample = returns.map { t in sharpe(rows(test).map { t[$0] }) }
            let rank = Double(outSample.count { $0 < outSample[chosen] }) + 1
            let omega = rank / 7
            logits.append(log(omega / (1 - omega)))
        }
        #expect(fast.logits.count == logits.count)
        for (a, b) in zip(fast.logits, logits) { #expect(abs(a - b) < 1e-9) }
    }
}

@Suite("Walk-forward windows on dates")
struct WalkForwardTests {
    @Test func rollingAndAnchoredWindowsCoverTheDataWithWholeTestParts() throws {
        let day: Int64 = 86_400_000
        let first: Int64 = 1_672_531_200_000  // 2023-01-01
        let last = first + 200 * day - 3_600_000  // 200 days of hourly bars
        let rolling = try WalkForward.parse("train=90d,test=30d")
        let windows = rolling.windows(first: first, last: last)
        #expect(windows.map { ($0.trainStart - first) / day } == [0, 30, 60])
        #expect(windows.allSatisfy { $0.trainEnd - $0.trainStart == 90 * day && $0.testStart == $0.trainEnd && $0.testEnd - $0.testStart == 30 * day })
        #expect(windows.last!.testEnd <= last + 1)
        let anchored = try WalkForward.parse("train=90d,test=30d,step=15d,anchored").windows(first: first, last: last)
        #expect(anchored.allSatisfy { $0.trainStart == first })
        #expect(anchored.map { ($0.testStart - first) / day } == [90, 105, 120, 135, 150, 165])
        #expect(throws: SearchError.self) { try WalkForward.parse("train=90d") }
        #expect(throws: SearchError.self) { try WalkForward.parse("train=90x,test=30d") }
    }
}
