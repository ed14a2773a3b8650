import Foundation
import Testing
import Trading
@testable import Backtest

@Suite("Reports: a period's statement from the journal, and the workbook it writes")
struct PeriodStatementTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_618_876_800_000  // 2021-04-20, a Tuesday

    static func trade(_ entry: Int64, _ exit: Int64?, pnl: Double) -> Trade {
        Trade(entryTime: entry, entryPrice: 100, exitTime: exit, exitPrice: exit == nil ? nil : 100 + pnl, quantity: 1, fees: 0.1, pnl: pnl, return: pnl / 100)
    }

    @Test func theDayOpensAtTheLastEquityBeforeItAndCountsTheTradesThatCloseInIt() {
        let hour: Int64 = 3_600_000
        let equity = [EquityPoint(time: Self.start - hour, equity: 1000, cash: 1000, drawdown: 0)]
            + (0..<24).map { EquityPoint(time: Self.start + Int64($0) * hour, equity: 1000 + Double($0), cash: 1000, drawdown: 0) }
            + [EquityPoint(time: Self.start + Self.day, equity: 5000, cash: 5000, drawdown: 0)]
        let slots = [
            SlotTrades(strategy: "cci", market: "BTC-USDT", trades: [
                Self.trade(Self.start - 5 * hour, Self.start + 2 * hour, pnl: 10),  // closes in the day
                Self.trade(Self.start + 3 * hour, Self.start + 6 * hour, pnl: -4),  // inside
                Self.trade(Self.start + 20 * hour, nil, pnl: 0),  // still open: exposure, not a closed trade
            ]),
            SlotTrades(strategy: "bollinger", market: "ETH-USDT", trades: [Self.trade(Self.start + 4 * hour, Self.start + 5 * hour, pnl: 2)]),
        ]
        let actions = [ReportEvent(time: Self.start + hour, kind: "trading.pause", actor: "olga", detail: ""), ReportEvent(time: Self.start - 1, kind: "x", actor: "y", detail: "")]
        let s = PeriodStatement(.daily, containing: Self.start + 5 * hour, equity: equity, slots: slots, alerts: [], actions: actions)
        #expect(s.period == "2021-04-20" && s.start == Self.start && s.end == Self.start + Self.day)
        #expect(s.openingEquity == 1000 && s.closingEquity == 1023 && s.pnl == 23)
        #expect(abs(s.return - 0.023) < 1e-12)
        #expect(s.totals.trades == 3 && s.totals.wins == 2)
        #expect(s.byStrategy["cci"]?.trades == 2 && s.byMarket["ETH-USDT"]?.trades == 1)
        // Covered: 00:00–02:00, 03:00–06:00 (bollinger inside it) and 20:00–24:00 = 9 of 24 hours.
        #expect(abs(s.exposure - 9.0 / 24) < 1e-12)
        #expect(s.equity.count == 25 && s.equity[0] == [Double(Self.start), 1000])
        #expect(s.daily == [[Double(Self.start), 1023]])
        #expect(s.actions.map(\.actor) == ["olga"])
        #expect(s.trades.map(\.pnl) == [10, 2, -4])
        #expect(s.csv.split(separator: "\n").count == 4)
    }

    @Test func weeksAreISOWeeksAndTheDefaultIsTheLastCompletePeriod() {
        let week = PeriodStatement(.weekly, containing: Self.start, equity: [], slots: [], alerts: [], actions: [])
        #expect(week.period == "2021-W16" && week.start == Self.start - Self.day)  // Monday 2021-04-19
        #expect(PeriodStatement.lastComplete(.monthly, now: Self.start) == 1_617_235_200_000 - 1)  // the last millisecond of March
    }

    @Test func theWorkbookIsAZipOfTheSheetsWithTheirCRCs() throws {
        #expect(ZipArchive.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect([0, 25, 26, 51, 52, 701, 702].map(Workbook.column) == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"])
        let book = Workbook(sheets: [("summary", [[.text("a & <b>"), .number(1.5)]]), ("trades", [[.number(.nan)]])]).data
        // The end of central directory names five fixed parts and two sheets.
        let end = try #require(book.lastRange(of: Data([0x50, 0x4b, 0x05, 0x06])))
        let entries = Int(book[end.lowerBound + 10]) | Int(book[end.lowerBound + 11]) << 8
        #expect(entries == 7)
        let text = String(decoding: book, as: UTF8.self)
        #expect(text.contains("a &amp; &lt;b&gt;") && text.contains("<v>1.5</v>") && text.contains(#"<sheet name="trades" sheetId="2" r:id="rId2"/>"#))
    }
}
