import Foundation
import Testing
import Trading

@Suite("Reports: equity figures and daily, weekly, monthly rows")
struct PeriodReportTests {
    static let day: Int64 = 86_400_000
    /// 2021-01-01T00:00:00Z, a Friday in ISO week 2020-W53.
    static let newYear: Int64 = 1_609_459_200_000

    @Test func periodsAreUTCDaysISOWeeksAndCalendarMonths() {
        let late = Self.newYear + 3 * Self.day - 1  // 2021-01-03T23:59:59.999Z, Sunday
        #expect(ReportPeriod.daily.period(containing: late).label == "2021-01-03")
        let week = ReportPeriod.weekly.period(containing: late)
        #expect(week.label == "2020-W53")
        #expect(week.start == Self.newYear - 4 * Self.day)  // Monday 2020-12-28
        #expect(week.end == Self.newYear + 3 * Self.day)  // Monday 2021-01-04
        #expect(ReportPeriod.weekly.period(containing: late + 1).label == "2021-W01")
        let february = ReportPeriod.monthly.period(containing: Self.newYear + 40 * Self.day)
        #expect(february.label == "2021-02")
        #expect(february.end - february.start == 28 * Self.day)
    }

    @Test func rowsChainOpeningToThePreviousCloseAndCountTradesByExit() {
        // Day 1: 100 → 120 → 90 → 110; day 2: 110 → 121.
        let equity = [(0, 100.0), (1, 120), (2, 90), (3, 110), (25, 115), (30, 121)].map {
            EquityPoint(time: Self.newYear + Int64($0.0) * 3_600_000, equity: $0.1, cash: $0.1, drawdown: 0)
        }
        let trades = [
            Trade(entryTime: Self.newYear, entryPrice: 10, exitTime: Self.newYear + 2 * 3_600_000, exitPrice: 11, quantity: 1, fees: 0.5, pnl: 3, return: 0.3),
            Trade(entryTime: Self.newYear + 3_600_000, entryPrice: 10, exitTime: Self.newYear + 26 * 3_600_000, exitPrice: 9, quantity: 1, fees: 0.5, pnl: -2, return: -0.2),
            Trade(entryTime: Self.newYear + 29 * 3_600_000, entryPrice: 10, quantity: 1, fees: 0.25, pnl: 1, return: 0.1),
        ]
        let fills = [Fill(clientOrderID: "a", exchangeOrderID: "", tradeID: "", market: "BTC-USDT", side: .buy, price: 10, quantity: 2, fee: 0, feeAsset: "USDT", time: Self.newYear)]
        let rows = PeriodRow.rows(.daily, equity: equity, trades: trades, fills: fills)
        #expect(rows.map(\.period) == ["2021-01-01", "2021-01-02"])
        #expect(rows[0].openingEquity == 100 && rows[0].closingEquity == 110)
        #expect(abs(rows[0].maxDrawdown - 0.25) < 1e-12)  // 120 → 90
        #expect(rows[1].openingEquity == 110 && rows[1].closingEquity == 121)
        #expect(abs(rows[1].return - 0.1) < 1e-12)
        #expect(rows[0].trades.closed == 1 && rows[0].trades.wins == 1)
        #expect(rows[1].trades.closed == 1 && rows[1].trades.wins == 0 && rows[1].trades.netProfit == -2)
        #expect(rows[0].volume == 20 && rows[1].volume == 0)
        let csv = PeriodRow.csv(rows).split(separator: "\n")
        #expect(csv.count == 3)
        #expect(csv[0].hasPrefix("period,start,end,opening_equity,closing_equity,return,pnl,max_drawdown,trades"))
        #expect(csv[2].hasPrefix("2021-01-02,\(Self.newYear + Self.day),\(Self.newYear + 2 * Self.day),110.0,121.0,"))
    }

    @Test func sharpeAndSortinoFollowTheirTextbookDefinitions() {
        let values = [102.0, 99.96, 104.958, 103.90842]
        let figures = EquityFigures(equity: values, starting: 100, periodsPerYear: 365)
        let returns = [0.02, -0.02, 0.05, -0.01]
        let mean = returns.reduce(0, +) / 4
        let sd = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        let downside = (returns.map { min($0, 0) * min($0, 0) }.reduce(0, +) / 4).squareRoot()
        #expect(abs(figures.sharpe! - mean / sd * 365.0.squareRoot()) < 1e-9)
        #expect(abs(figures.sortino! - mean / downside * 365.0.squareRoot()) < 1e-9)
        #expect(abs(figures.maxDrawdown - 0.02) < 1e-9)
        #expect(abs(figures.totalReturn - 0.0390842) < 1e-9)
        #expect(EquityFigures(equity: [100.0, 100.0], starting: 100, periodsPerYear: 365).sharpe == nil)
    }

    @Test func tradeFiguresCountOpenTradesButRateOnlyClosedOnes() {
        let figures = TradeFigures([
            Trade(entryTime: 0, entryPrice: 1, exitTime: 1, exitPrice: 2, quantity: 1, fees: 0.1, pnl: 4, return: 1),
            Trade(entryTime: 0, entryPrice: 1, exitTime: 1, exitPrice: 0.5, quantity: 1, fees: 0.1, pnl: -1, return: -0.5),
            Trade(entryTime: 2, entryPrice: 1, quantity: 1, fees: 0.05, pnl: -3, return: -1),
        ])
        #expect(figures.count == 3 && figures.closed == 2 && figures.wins == 1)
        #expect(figures.winRate == 0.5 && figures.profitFactor == 4 && figures.netProfit == 3)
        #expect(abs(figures.fees - 0.25) < 1e-12)
    }
}
