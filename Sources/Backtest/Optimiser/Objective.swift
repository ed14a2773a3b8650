import Foundation
import Trading

/// What a trial is judged by. Each is "higher is better" once scored (`max_drawdown` is negated);
/// a trial with fewer trades than the minimum has no score, so two lucky trades never win.
public enum Objective: String, Sendable, CaseIterable, Codable {
    case sharpe, sortino, calmar, profit
    case maxDrawdown = "max_drawdown"
    case profitFactor = "profit_factor"

    public func score(_ figures: TrialFigures, minimumTrades: Int) -> Double? {
        guard figures.trades >= minimumTrades else { return nil }
        let value: Double?
        switch self {
        case .sharpe: value = figures.sharpe
        case .sortino: value = figures.sortino
        case .calmar: value = figures.maxDrawdown > 0 ? figures.cagr / figures.maxDrawdown : nil
        case .profit: value = figures.totalReturn
        case .maxDrawdown: value = -figures.maxDrawdown
        case .profitFactor: value = figures.profitFactor
        }
        return value.flatMap { $0.isFinite ? $0 : nil }
    }
}

/// A trial's figures, from a backtest or a part of one (a walk-forward test window).
public struct TrialFigures: Sendable, Hashable, Codable {
    public var totalReturn: Double
    public var cagr: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var maxDrawdown: Double
    public var profitFactor: Double?
    public var winRate: Double?
    public var trades: Int

    public init(totalReturn: Double, cagr: Double, sharpe: Double?, sortino: Double?, maxDrawdown: Double, profitFactor: Double?, winRate: Double?, trades: Int) {
        (self.totalReturn, self.cagr, self.sharpe, self.sortino, self.maxDrawdown) = (totalReturn, cagr, sharpe, sortino, maxDrawdown)
        (self.profitFactor, self.winRate, self.trades) = (profitFactor, winRate, trades)
    }

    public init(_ stats: Statistics) {
        self.init(
            totalReturn: stats.totalReturn, cagr: stats.cagr, sharpe: stats.sharpe, sortino: stats.sortino, maxDrawdown: stats.maxDrawdown,
            profitFactor: stats.profitFactor, winRate: stats.winRate, trades: stats.tradeCount)
    }

    /// The figures of the bars from `start` on: equity rebased there, the trades entered there.
    public init(equity: ArraySlice<Double>, times: ArraySlice<Int64>, trades: [Trade], interval: Int64) {
        let starting = equity.first ?? 0
        let curve = EquityFigures(equity: equity.dropFirst(), starting: starting, periodsPerYear: EquityFigures.periodsPerYear(every: interval))
        let first = times.first ?? 0, last = times.last ?? 0
        let years = Double(last - first + interval) / (365.25 * 86_400_000)
        let kept = TradeFigures(trades.filter { $0.entryTime >= first && $0.entryTime <= last })
        self.init(
            totalReturn: curve.totalReturn, cagr: years > 0 && curve.finalEquity > 0 && starting > 0 ? pow(curve.finalEquity / starting, 1 / years) - 1 : 0,
            sharpe: curve.sharpe, sortino: curve.sortino, maxDrawdown: curve.maxDrawdown, profitFactor: kept.profitFactor, winRate: kept.winRate,
            trades: kept.count)
    }

    enum CodingKeys: String, CodingKey {
        case cagr, sharpe, sortino, trades
        case totalReturn = "total_return", maxDrawdown = "max_drawdown", profitFactor = "profit_factor", winRate = "win_rate"
    }
}
