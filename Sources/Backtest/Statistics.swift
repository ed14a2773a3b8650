import Foundation

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
        let final = result.equity.last ?? startingCash
        finalEquity = final
        totalReturn = final / startingCash - 1
        let years = Double(span.last - span.first + interval) / (365.25 * 86_400_000)
        cagr = years > 0 && final > 0 ? pow(final / startingCash, 1 / years) - 1 : 0
        var returns: [Double] = []
        returns.reserveCapacity(result.equity.count)
        var previous = startingCash
        var peak = startingCash
        var drawdown = 0.0
        for value in result.equity {
            returns.append(value / previous - 1)
            previous = value
            peak = max(peak, value)
            drawdown = max(drawdown, 1 - value / peak)
        }
        maxDrawdown = drawdown
        let barsPerYear = interval > 0 ? 365.25 * 86_400_000 / Double(interval) : 0
        let n = Double(returns.count)
        let mean = returns.reduce(0, +) / max(n, 1)
        let variance = n > 1 ? returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        sharpe = variance > 0 ? mean / variance.squareRoot() * barsPerYear.squareRoot() : nil
        let downside = (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / max(n, 1)).squareRoot()
        sortino = downside > 0 ? mean / downside * barsPerYear.squareRoot() : nil
        let closed = result.trades.filter { $0.exitTime != nil }
        winRate = closed.isEmpty ? nil : Double(closed.filter { $0.pnl > 0 }.count) / Double(closed.count)
        let gains = closed.filter { $0.pnl > 0 }.reduce(0) { $0 + $1.pnl }
        let losses = -closed.filter { $0.pnl < 0 }.reduce(0) { $0 + $1.pnl }
        profitFactor = losses > 0 ? gains / losses : nil
        tradeCount = result.trades.count
        exposure = result.equity.isEmpty ? 0 : Double(result.barsInMarket) / Double(result.equity.count)
    }
}
