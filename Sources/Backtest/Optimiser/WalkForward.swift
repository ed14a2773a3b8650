import Foundation
import Trading

/// Walk-forward analysis: windows of a train part followed by a test part, each moved by a step
/// (rolling) or growing from the first bar (anchored). Each window's train part is searched; its
/// best point is then run over the test part, after a warm-up of the bars just before it that is
/// traded but not counted, and the test parts' equity joined is the out-of-sample curve.
public struct WalkForward: Sendable {
    public var train: Int64
    public var test: Int64
    public var step: Int64
    public var anchored: Bool

    public init(train: Int64, test: Int64, step: Int64? = nil, anchored: Bool = false) {
        self.train = train
        self.test = test
        self.step = step ?? test
        self.anchored = anchored
    }

    /// `train=90d,test=30d[,step=30d][,anchored]` (d, h or w).
    public static func parse(_ text: String) throws -> WalkForward {
        var train: Int64?, test: Int64?, step: Int64?, anchored = false
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "anchored" { anchored = true; continue }
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let length = duration(pair[1]) else { throw SearchError("--walk-forward: expected train=90d,test=30d[,step=30d][,anchored], found '\(part)'") }
            switch pair[0] {
            case "train": train = length
            case "test": test = length
            case "step": step = length
            default: throw SearchError("--walk-forward: unknown part '\(pair[0])' (train, test, step, anchored)")
            }
        }
        guard let train, let test else { throw SearchError("--walk-forward needs train= and test=, e.g. train=90d,test=30d") }
        return WalkForward(train: train, test: test, step: step, anchored: anchored)
    }

    static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0 else { return nil }
        switch unit {
        case "h": return count * 3_600_000
        case "d": return count * 86_400_000
        case "w": return count * 7 * 86_400_000
        default: return nil
        }
    }

    public struct Window: Sendable, Codable, Hashable {
        public var trainStart: Int64
        public var trainEnd: Int64
        public var testStart: Int64
        public var testEnd: Int64

        enum CodingKeys: String, CodingKey {
            case trainStart = "train_start", trainEnd = "train_end", testStart = "test_start", testEnd = "test_end"
        }
    }

    /// The windows over bars from `first` to `last` (open times; ends exclusive), every test part whole.
    public func windows(first: Int64, last: Int64) -> [Window] {
        var out: [Window] = []
        var start = first
        while true {
            let trainStart = anchored ? first : start
            let trainEnd = start + train
            let testEnd = trainEnd + test
            guard testEnd <= last + 1 else { break }
            out.append(Window(trainStart: trainStart, trainEnd: trainEnd, testStart: trainEnd, testEnd: testEnd))
            start += step
        }
        return out
    }

    public struct WindowResult: Sendable, Codable {
        public var window: Window
        public var parameters: [String: Double]?
        public var inSample: TrialFigures?
        public var inSampleScore: Double?
        public var outOfSample: TrialFigures?
        public var outOfSampleScore: Double?
        public var trials: Int

        enum CodingKeys: String, CodingKey {
            case window, parameters, trials
            case inSample = "in_sample", inSampleScore = "in_sample_score", outOfSample = "out_of_sample", outOfSampleScore = "out_of_sample_score"
        }
    }

    public struct Report: Sendable, Codable {
        public var windows: [WindowResult]
        /// (time, equity) of the test parts joined, starting at the starting cash.
        public var equity: [[Double]]
        public var outOfSample: TrialFigures?

        enum CodingKeys: String, CodingKey {
            case windows, equity
            case outOfSample = "out_of_sample"
        }
    }

    /// Runs the search on each window's train part and the chosen point on its test part.
    public func run(
        _ trials: StrategyTrials, search: Optimiser, warmUp: Int = 500, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> Report {
        let candles = trials.markets[0].candles
        guard let first = candles.first?.openTime, let last = candles.last?.openTime else { return Report(windows: [], equity: [], outOfSample: nil) }
        let windows = windows(first: first, last: last)
        guard !windows.isEmpty else { throw SearchError("--walk-forward: the data (\(candles.count) bars) is shorter than one train and test window") }
        var results: [WindowResult] = []
        var joined: [(Int64, Double)] = []
        var equity = trials.backtester.cash
        var joinedTrades: [Trade] = []
        for (index, window) in windows.enumerated() {
            let train = trials.slice(from: window.trainStart, to: window.trainEnd - 1)
            let outcome = try await search.run { try await train.evaluate($0) }
            var result = WindowResult(window: window, parameters: outcome.best?.parameters, inSample: outcome.best?.figures, inSampleScore: outcome.best?.score, trials: outcome.evaluations)
            if let best = outcome.best {
                let warmStart = candles.firstIndex { $0.openTime >= window.testStart }.map { candles[max(0, $0 - warmUp)].openTime } ?? window.testStart
                let test = trials.slice(from: warmStart, to: window.testEnd - 1)
                let slots = test.markets.map { SlotSettings(strategy: test.strategy, market: $0.instrument.symbol, parameters: best.parameters) }
                let run = try await test.backtester.run(slots, markets: test.markets, interval: test.interval)
                let times = test.markets[0].candles.map(\.openTime)
                if let from = times.firstIndex(where: { $0 >= window.testStart }), run.equity.count == times.count {
                    let figures = TrialFigures(equity: run.equity[from...], times: times[from...], trades: run.trades, interval: test.interval)
                    result.outOfSample = figures
                    result.outOfSampleScore = search.objective.score(figures, minimumTrades: 0)
                    // Chained: each test part's returns applied to the equity the last one ended with.
                    let base = run.equity[from]
                    for i in from..<times.count { joined.append((times[i], equity * run.equity[i] / base)) }
                    equity = joined.last?.1 ?? equity
                    joinedTrades += run.trades.filter { $0.entryTime >= window.testStart }
                }
            }
            results.append(result)
            progress?(index + 1, windows.count)
        }
        let outOfSample = joined.isEmpty ? nil : TrialFigures(
            equity: ([trials.backtester.cash] + joined.map(\.1))[...], times: ([joined[0].0 - trials.interval] + joined.map(\.0))[...], trades: joinedTrades,
            interval: trials.interval)
        return Report(windows: results, equity: joined.map { [Double($0.0), $0.1] }, outOfSample: outOfSample)
    }
}

extension StrategyTrials {
    /// The same trials over the bars opening from `from` to `to` (inclusive).
    public func slice(from: Int64, to: Int64) -> StrategyTrials {
        var copy = self
        copy.markets = markets.map { Backtester.Market(instrument: $0.instrument, candles: $0.candles.filter { $0.openTime >= from && $0.openTime <= to }) }
        return copy
    }
}
