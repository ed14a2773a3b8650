import Foundation
import Trading

/// Something that happened in the period besides trading: an alert, or an operator's action.
public struct ReportEvent: Sendable, Hashable, Codable {
    public var time: Int64
    public var kind: String
    public var actor: String
    public var detail: String

    public init(time: Int64, kind: String, actor: String, detail: String) {
        (self.time, self.kind, self.actor, self.detail) = (time, kind, actor, detail)
    }
}

/// One report: a UTC day, ISO week or month of the journal, its figures overall and per strategy
/// and market, its equity curve, its trades, alerts and operator actions. Every format renders this.
public struct PeriodStatement: Sendable, Codable {
    public struct Figures: Sendable, Codable, Hashable {
        public var trades: Int
        public var wins: Int
        public var winRate: Double?
        public var profitFactor: Double?
        public var netProfit: Double
        public var fees: Double

        init(_ trades: [Trade]) {
            let f = TradeFigures(trades)
            (self.trades, wins, winRate, profitFactor, netProfit, fees) = (f.closed, f.wins, f.winRate, f.profitFactor, f.netProfit, f.fees)
        }

        enum CodingKeys: String, CodingKey {
            case trades, wins, fees
            case winRate = "win_rate", profitFactor = "profit_factor", netProfit = "net_profit"
        }
    }

    public struct TradeLine: Sendable, Codable, Hashable {
        public var strategy: String
        public var market: String
        public var entryTime: Int64
        public var entryPrice: Double
        public var exitTime: Int64
        public var exitPrice: Double
        public var quantity: Double
        public var fees: Double
        public var pnl: Double
        public var `return`: Double

        enum CodingKeys: String, CodingKey {
            case strategy, market, quantity, fees, pnl, `return`
            case entryTime = "entry_time", entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price"
        }
    }

    public var period: String
    public var kind: String
    public var start: Int64
    public var end: Int64
    public var openingEquity: Double
    public var closingEquity: Double
    public var pnl: Double
    public var `return`: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var maxDrawdown: Double
    /// The share of the period some position was open.
    public var exposure: Double
    public var totals: Figures
    public var byStrategy: [String: Figures]
    public var byMarket: [String: Figures]
    /// (time, equity), the period's points; the first is the opening.
    public var equity: [[Double]]
    public var daily: [[Double]]
    public var trades: [TradeLine]
    public var alerts: [ReportEvent]
    public var actions: [ReportEvent]

    enum CodingKeys: String, CodingKey {
        case period, kind, start, end, pnl, `return`, sharpe, sortino, exposure, totals, equity, daily, trades, alerts, actions
        case openingEquity = "opening_equity", closingEquity = "closing_equity", maxDrawdown = "max_drawdown", byStrategy = "by_strategy", byMarket = "by_market"
    }

    /// From the journal's equity (every point, oldest first) and trades; the trades that closed in
    /// the period count. The opening is the last equity before the period (or its first point).
    public init(
        _ kind: ReportPeriod, containing time: Int64, equity: [EquityPoint], slots: [SlotTrades], alerts: [ReportEvent], actions: [ReportEvent]
    ) {
        let bounds = kind.period(containing: time)
        (period, self.kind, start, end) = (bounds.label, kind.rawValue, bounds.start, bounds.end)
        let inside = equity.filter { $0.time >= bounds.start && $0.time < bounds.end }
        let before = equity.last { $0.time < bounds.start }
        let opening = before?.equity ?? inside.first?.equity ?? 0
        openingEquity = opening
        closingEquity = inside.last?.equity ?? opening
        pnl = closingEquity - openingEquity
        `return` = opening > 0 ? closingEquity / opening - 1 : 0
        // Sharpe and Sortino from the points' own spacing, annualised as everywhere in Warden.
        let spacing = inside.count > 1 ? (inside.last!.time - inside.first!.time) / Int64(inside.count - 1) : 0
        let curve = EquityFigures(equity: inside.map(\.equity), starting: opening, periodsPerYear: EquityFigures.periodsPerYear(every: spacing))
        (sharpe, sortino, maxDrawdown) = (curve.sharpe, curve.sortino, curve.maxDrawdown)
        var closed: [(String, String, Trade)] = []
        var intervals: [(Int64, Int64)] = []
        for slot in slots {
            for trade in slot.trades {
                let exit = trade.exitTime ?? Int64.max
                if trade.entryTime < bounds.end && exit > bounds.start { intervals.append((max(trade.entryTime, bounds.start), min(exit, bounds.end))) }
                if let at = trade.exitTime, at >= bounds.start, at < bounds.end { closed.append((slot.strategy, slot.market, trade)) }
            }
        }
        exposure = Self.covered(intervals) / Double(bounds.end - bounds.start)
        totals = Figures(closed.map(\.2))
        byStrategy = Dictionary(grouping: closed, by: \.0).mapValues { Figures($0.map(\.2)) }
        byMarket = Dictionary(grouping: closed, by: \.1).mapValues { Figures($0.map(\.2)) }
        self.equity = ([bounds.start].map { [Double($0), opening] }) + inside.map { [Double($0.time), $0.equity] }
        var days: [[Double]] = []
        for point in inside {
            let day = Double(point.time / 86_400_000 * 86_400_000)
            if days.last?[0] == day { days[days.count - 1][1] = point.equity } else { days.append([day, point.equity]) }
        }
        daily = days
        trades = closed.sorted { ($0.2.exitTime!, $0.0) < ($1.2.exitTime!, $1.0) }.map { strategy, market, t in
            TradeLine(
                strategy: strategy, market: market, entryTime: t.entryTime, entryPrice: t.entryPrice, exitTime: t.exitTime!, exitPrice: t.exitPrice ?? 0,
                quantity: t.quantity, fees: t.fees, pnl: t.pnl, return: t.return)
        }
        self.alerts = alerts.filter { $0.time >= bounds.start && $0.time < bounds.end }.sorted { $0.time < $1.time }
        self.actions = actions.filter { $0.time >= bounds.start && $0.time < bounds.end }.sorted { $0.time < $1.time }
    }

    /// Milliseconds covered by the union of the intervals.
    static func covered(_ intervals: [(Int64, Int64)]) -> Double {
        var total: Int64 = 0
        var reach = Int64.min
        for (start, end) in intervals.sorted(by: { $0.0 < $1.0 }) where end > start {
            if start >= reach { total += end - start; reach = end } else if end > reach { total += end - reach; reach = end }
        }
        return Double(total)
    }

    /// The last complete period before `now`.
    public static func lastComplete(_ kind: ReportPeriod, now: Int64) -> Int64 { kind.period(containing: now).start - 1 }
}
