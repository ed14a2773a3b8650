import Foundation
import Trading

/// A strategy's trials as backtests: the candles loaded once and shared by every trial, and each
/// indicator computed once per distinct parameter set and read by every trial that uses it
/// (`IndicatorTapes`); each trial the one `TradingLoop` over them with the point's parameters.
public struct StrategyTrials: Sendable {
    public var strategy: String
    public var markets: [Backtester.Market]
    public var backtester: Backtester
    public var interval: Int64
    /// Nil: every trial computes its own indicators (to measure what sharing saves).
    let tapes: IndicatorTapes?

    public init(strategy: String, markets: [Backtester.Market], backtester: Backtester, interval: Int64, sharingIndicators: Bool = true) {
        self.strategy = strategy
        self.markets = markets
        self.backtester = backtester
        self.interval = interval
        tapes = sharingIndicators
            ? IndicatorTapes(markets: Dictionary(markets.map { ($0.instrument.symbol, $0.candles) }, uniquingKeysWith: { first, _ in first })) : nil
    }

    /// One backtest of the point on every market, with its figures and its daily returns.
    public func evaluate(_ parameters: [String: Double]) async throws -> Evaluation {
        let slots = markets.map { market in
            tapes.map { SlotSettings(strategy: strategy, market: market.instrument.symbol, parameters: parameters, tapes: $0) }
                ?? SlotSettings(strategy: strategy, market: market.instrument.symbol, parameters: parameters)
        }
        let result = try await backtester.run(slots, markets: markets, interval: interval)
        let times = markets[0].candles.map(\.openTime)
        let stats = Statistics(result: result, startingCash: backtester.cash, interval: interval, span: (times.first ?? 0, times.last ?? 0))
        return Evaluation(figures: TrialFigures(stats), returns: Self.dailyReturns(equity: result.equity, times: times, starting: backtester.cash))
    }

    /// The last equity of each UTC day against the day before's (the first against the start).
    public static func dailyReturns(equity: [Double], times: [Int64], starting: Double) -> [Double] {
        var returns: [Double] = []
        var previous = starting
        var day = times.first.map { $0 / 86_400_000 }
        for index in equity.indices where index < times.count {
            let today = times[index] / 86_400_000
            if today != day, index > 0 {
                returns.append(previous > 0 ? equity[index - 1] / previous - 1 : 0)
                previous = equity[index - 1]
                day = today
            }
        }
        if let last = equity.last { returns.append(previous > 0 ? last / previous - 1 : 0) }
        return returns
    }
}

/// The overfitting measures of a finished search over backtests.
public struct OverfittingReport: Sendable, Codable {
    public var deflatedSharpe: Overfitting.Deflated?
    public var pbo: Overfitting.PBO?

    enum CodingKeys: String, CodingKey {
        case pbo
        case deflatedSharpe = "deflated_sharpe"
    }

    /// DSR of the best trial over every trial's daily Sharpe ratios; PBO over every trial's daily returns.
    public init(_ outcome: Optimiser.Outcome) {
        let usable = outcome.trials.filter { $0.returns.count > 2 }
        let sharpes = usable.compactMap { trial -> Double? in
            let m = SampleMoments(trial.returns)
            return m.deviation > 0 ? m.mean / m.deviation : nil
        }
        let deviation = SampleMoments(sharpes).deviation
        let variance = deviation * deviation
        deflatedSharpe = outcome.best.flatMap { Overfitting.deflatedSharpe(best: $0.returns, sharpeVariance: variance, trials: usable.count) }
        pbo = Overfitting.pbo(usable.map(\.returns))
    }
}
