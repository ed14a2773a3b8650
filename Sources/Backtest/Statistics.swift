import Foundation
import Trading

/// Performance figures of a backtest. Sharpe and Sortino are annualised from per-bar returns
/// (bars per year from the bar spacing), without a risk-free rate.
public struct Statistics: Sendable, Encodable {
    public var totalReturn: Double
    public var cagr: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var maxDrawdown: Double
    public var winRate: Double?
    public var profitFactor: Double?
    public var tradeCount: Int
    public var exposure: Double
    public var finalEquity: Double

    enum CodingKeys: String, CodingKey {
        case cagr, sharpe, sortino, exposure
        case totalReturn = "total_return", maxDrawdown = "max_drawdown", winRate = "win_rate"
        case profitFactor = "profit_factor", tradeCount = "trade_count", finalEquity = "final_equity"
    }

    public init(result: Backtester.Result, startingCash: Double, interval: Int64, span: (first: Int64, last: Int64)) {
        let curve = EquityFigures(equity: result.equity, starting: startingCash, periodsPerYear: EquityFigures.periodsPerYear(every: interval))
        finalEquity = curve.finalEquity
        totalReturn = curve.totalReturn
        let years = Double(span.last - span.first + interval) / (365.25 * 86_400_000)
        cagr = years > 0 && finalEquity > 0 ? pow(finalEquity / startingCash, 1 / years) - 1 : 0
        maxDrawdown = curve.maxDrawdown
        sharpe = curve.sharpe
        sortino = curve.sortino
        let trades = TradeFigures(result.trades)
        winRate = trades.winRate
        profitFactor = trades.profitFactor
        tradeCount = trades.count
        exposure = result.equity.isEmpty ? 0 : Double(result.barsInMarket) / Double(result.equity.count)
    }
}
