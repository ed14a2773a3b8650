import Foundation

/// What an equity curve says: total return, worst drawdown, and Sharpe and Sortino annualised
/// from its per-period returns, without a risk-free rate. The one calculation behind a
/// backtest's statistics, the API's analytics and the reports.
public struct EquityFigures: Sendable, Hashable {
    public var startingEquity: Double
    public var finalEquity: Double
    public var totalReturn: Double
    public var maxDrawdown: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var periods: Int

    /// `equity` holds the value at the end of each period; the first period's return is against
    /// `starting`. `periodsPerYear` annualises (365.25 days of minutes for minute bars: crypto
    /// trades every day).
    public init(equity: some Collection<Double>, starting: Double, periodsPerYear: Double) {
        startingEquity = starting
        finalEquity = equity.isEmpty ? starting : equity.reversed().first!
        totalReturn = starting > 0 ? finalEquity / starting - 1 : 0
        var returns: [Double] = []
        returns.reserveCapacity(equity.count)
        var previous = starting
        var peak = starting
        var drawdown = 0.0
        for value in equity {
            returns.append(previous > 0 ? value / previous - 1 : 0)
            previous = value
            peak = max(peak, value)
            if peak > 0 { drawdown = max(drawdown, 1 - value / peak) }
        }
        maxDrawdown = drawdown
        periods = returns.count
        let n = Double(returns.count)
        let mean = returns.reduce(0, +) / max(n, 1)
        let variance = n > 1 ? returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        let scale = periodsPerYear > 0 ? periodsPerYear.squareRoot() : 0
        sharpe = variance > 0 ? mean / variance.squareRoot() * scale : nil
        let downside = (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / max(n, 1)).squareRoot()
        sortino = downside > 0 ? mean / downside * scale : nil
    }

    /// Periods in a year of 365.25 days for a period of `milliseconds`.
    public static func periodsPerYear(every milliseconds: Int64) -> Double {
        milliseconds > 0 ? 365.25 * 86_400_000 / Double(milliseconds) : 0
    }
}

/// What a set of round trips says: how many, how many won, profit factor, net profit and fees.
/// Win rate and profit factor count closed trades only; an open trade is in `count`.
public struct TradeFigures: Sendable, Hashable, Encodable {
    public var count: Int
    public var closed: Int
    public var wins: Int
    public var winRate: Double?
    public var profitFactor: Double?
    /// Net of fees, closed trades.
    public var netProfit: Double
    public var fees: Double

    public init(_ trades: some Sequence<Trade>) {
        var count = 0, closed = 0, wins = 0
        var gains = 0.0, losses = 0.0, fees = 0.0
        for trade in trades {
            count += 1
            fees += trade.fees
            guard trade.exitTime != nil else { continue }
            closed += 1
            if trade.pnl > 0 {
                wins += 1
                gains += trade.pnl
            } else {
                losses -= trade.pnl
            }
        }
        (self.count, self.closed, self.wins, self.fees) = (count, closed, wins, fees)
        netProfit = gains - losses
        winRate = closed > 0 ? Double(wins) / Double(closed) : nil
        profitFactor = losses > 0 ? gains / losses : nil
    }

    enum CodingKeys: String, CodingKey {
        case count, closed, wins, fees
        case winRate = "win_rate", profitFactor = "profit_factor", netProfit = "net_profit"
    }
}
