import Foundation

/// Daily, weekly (ISO weeks, Monday to Sunday) and monthly rows of the journal, in UTC: what the
/// equity did, what trading closed, and what it cost.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case daily, weekly, monthly

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The period holding `time` (epoch ms): its label (2024-05-01, 2024-W18, 2024-05) and its
    /// bounds, start inclusive and end exclusive.
    public func period(containing time: Int64) -> (label: String, start: Int64, end: Int64) {
        let date = Date(timeIntervalSince1970: Double(time) / 1000)
        let component: Calendar.Component = switch self {
        case .daily: .day
        case .weekly: .weekOfYear
        case .monthly: .month
        }
        let interval = Self.calendar.dateInterval(of: component, for: date)!
        let parts = Self.calendar.dateComponents([.year, .month, .day, .yearForWeekOfYear, .weekOfYear], from: interval.start)
        let label = switch self {
        case .daily: String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        case .weekly: String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
        case .monthly: String(format: "%04d-%02d", parts.year!, parts.month!)
        }
        return (label, Int64((interval.start.timeIntervalSince1970 * 1000).rounded()), Int64((interval.end.timeIntervalSince1970 * 1000).rounded()))
    }
}

public struct PeriodRow: Sendable, Hashable, Encodable {
    public var period: String
    public var start: Int64
    public var end: Int64
    /// Equity at the end of the period before (the period's first point for the first row).
    public var openingEquity: Double
    public var closingEquity: Double
    public var `return`: Double
    public var pnl: Double
    /// The deepest fall from a peak within the period, the opening counting as the first peak.
    public var maxDrawdown: Double
    /// Round trips that closed in the period.
    public var trades: TradeFigures
    /// Quote value of every fill in the period.
    public var volume: Double

    enum CodingKeys: String, CodingKey {
        case period, start, end, pnl, trades, volume, `return`
        case openingEquity = "opening_equity", closingEquity = "closing_equity", maxDrawdown = "max_drawdown"
    }

    /// One row per period holding at least one equity point; `equity` oldest first.
    public static func rows(_ period: ReportPeriod, equity: [EquityPoint], trades: [Trade], fills: [Fill]) -> [PeriodRow] {
        var rows: [PeriodRow] = []
        var bounds: (label: String, start: Int64, end: Int64)?
        var peak = 0.0
        for point in equity {
            if bounds == nil || point.time >= bounds!.end {
                let opening = rows.last?.closingEquity ?? point.equity
                bounds = period.period(containing: point.time)
                peak = opening
                rows.append(PeriodRow(
                    period: bounds!.label, start: bounds!.start, end: bounds!.end, openingEquity: opening, closingEquity: opening, return: 0, pnl: 0,
                    maxDrawdown: 0, trades: TradeFigures([]), volume: 0))
            }
            let last = rows.count - 1
            rows[last].closingEquity = point.equity
            peak = max(peak, point.equity)
            if peak > 0 { rows[last].maxDrawdown = max(rows[last].maxDrawdown, 1 - point.equity / peak) }
        }
        for index in rows.indices {
            let row = rows[index]
            rows[index].pnl = row.closingEquity - row.openingEquity
            rows[index].return = row.openingEquity > 0 ? row.closingEquity / row.openingEquity - 1 : 0
            rows[index].trades = TradeFigures(trades.filter { $0.exitTime.map { (row.start..<row.end).contains($0) } ?? false })
            rows[index].volume = fills.filter { (row.start..<row.end).contains($0.time) }.reduce(0) { $0 + $1.price.double * $1.quantity.double }
        }
        return rows
    }

    /// The rows as CSV, one header line then one line per period.
    public static func csv(_ rows: [PeriodRow]) -> String {
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        var out = "period,start,end,opening_equity,closing_equity,return,pnl,max_drawdown,trades,wins,win_rate,profit_factor,net_profit,fees,volume\n"
        for row in rows {
            let fields = [
                row.period, String(row.start), String(row.end), number(row.openingEquity), number(row.closingEquity), number(row.return), number(row.pnl),
                number(row.maxDrawdown), String(row.trades.closed), String(row.trades.wins), number(row.trades.winRate), number(row.trades.profitFactor),
                number(row.trades.netProfit), number(row.trades.fees), number(row.volume),
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
