import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Trading
import WardenCore
@testable import API

@Suite("Analytics, reports and the equity curve from the journal")
struct AnalyticsTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_609_459_200_000  // 2021-01-01T00:00Z

    /// Ten days of hourly equity (a gentle wave upward) and two round trips of cci on BTC-USDT.
    static func journal() -> MemoryTradingStore {
        let store = MemoryTradingStore()
        var batch = JournalBatch()
        var peak = 0.0
        for hour in 0..<240 {
            let equity = 10_000 + Double(hour) * 5 + 120 * sin(Double(hour) / 7)
            peak = max(peak, equity)
            batch.equity.append(EquityPoint(time: start + Int64(hour) * 3_600_000, equity: equity, cash: equity, drawdown: 1 - equity / peak))
        }
        func fill(_ id: String, _ side: Side, _ price: Decimal, at hour: Int64) -> RecordedFill {
            RecordedFill(strategy: "cci", fill: Fill(
                clientOrderID: id, exchangeOrderID: "e" + id, tradeID: "t" + id, market: "BTC-USDT", side: side, price: price, quantity: 1, fee: 1,
                feeAsset: "USDT", time: start + hour * 3_600_000))
        }
        batch.fills = [fill("1", .buy, 100, at: 5), fill("2", .sell, 110, at: 30), fill("3", .buy, 120, at: 50), fill("4", .sell, 115, at: 130)]
        store.write(batch)
        return store
    }

    struct Performance: Decodable {
        struct Figures: Decodable {
            var count: Int
            var closed: Int
            var wins: Int
            var win_rate: Double?
            var profit_factor: Double?
            var net_profit: Double
        }
        var starting_equity: Double
        var final_equity: Double
        var total_return: Double
        var max_drawdown: Double
        var sharpe: Double?
        var sortino: Double?
        var periods: Int
        var trades: Figures
        var by_strategy: [String: Figures]
        var by_market: [String: Figures]
    }

    @Test func performanceIsTheDailyCurvesFiguresAndTheTradesThatClosed() async throws {
        let store = Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            let response = try await client.call(.get, "/analytics/performance", token: token)
            #expect(response.status == .ok)
            let performance = try JSONDecoder().decode(Performance.self, from: response.body)
            // Independently: the last point of each UTC day, returns against the day before (the first day's against the first point).
            let points = store.equity
            var closes: [Int64: Double] = [:]
            for point in points { closes[point.time / Self.day] = point.equity }
            let daily = closes.keys.sorted().map { closes[$0]! }
            let returns = zip(daily, [points.first!.equity] + daily).map { $0 / $1 - 1 }
            #expect(performance.periods == returns.count)
            let mean = returns.reduce(0, +) / Double(returns.count)
            let sd = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count - 1)).squareRoot()
            #expect(abs(performance.sharpe! - mean / sd * 365.25.squareRoot()) < 1e-9)
            #expect(performance.starting_equity == points.first!.equity)
            #expect(performance.final_equity == points.last!.equity)
            var peak = 0.0, worst = 0.0
            for point in points { peak = max(peak, point.equity); worst = max(worst, 1 - point.equity / peak) }
            #expect(abs(performance.max_drawdown - worst) < 1e-12)
            #expect(performance.trades.closed == 2 && performance.trades.wins == 1)
            #expect(abs(performance.trades.net_profit - (8 - 7)) < 1e-9)  // (110-100-2) + (115-120-2)
            #expect(performance.by_strategy["cci"]?.closed == 2 && performance.by_market["BTC-USDT"]?.closed == 2)

            // A range keeps only the trades that closed in it.
            let firstDay = try await client.call(.get, "/analytics/performance?from=\(Self.start)&to=\(Self.start + 2 * Self.day - 1)", token: token)
            #expect(try JSONDecoder().decode(Performance.self, from: firstDay.body).trades.closed == 1)
            let backwards = try await client.call(.get, "/analytics/performance?from=\(Self.start + Self.day)&to=\(Self.start)", token: token)
            #expect(backwards.status == .ok)
            #expect(try JSONDecoder().decode(Performance.self, from: backwards.body).trades.count == 0)
            let negative = try await client.call(.get, "/analytics/performance?from=-5", token: token)
            #expect(String(buffer: negative.body).contains("\"field\":\"from\""))
        }
    }

    struct Row: Decodable {
        var period: String
        var opening_equity: Double
        var closing_equity: Double
        var `return`: Double
    }

    @Test func reportsAreRowsPerPeriodAsJSONOrCSV() async throws {
        let store = Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            let daily = try JSONDecoder().decode([Row].self, from: try await client.call(.get, "/reports/daily", token: token).body)
            #expect(daily.map(\.period) == (1...10).map { String(format: "2021-01-%02d", $0) })
            for (previous, row) in zip(daily, daily.dropFirst()) { #expect(row.opening_equity == previous.closing_equity) }
            #expect(daily.last!.closing_equity == store.equity.last!.equity)
            let weekly = try JSONDecoder().decode([Row].self, from: try await client.call(.get, "/reports/weekly", token: token).body)
            #expect(weekly.map(\.period) == ["2020-W53", "2021-W01"])
            let monthly = try JSONDecoder().decode([Row].self, from: try await client.call(.get, "/reports/monthly", token: token).body)
            #expect(monthly.count == 1 && abs(monthly[0].return - (store.equity.last!.equity / store.equity.first!.equity - 1)) < 1e-12)

            let csv = try await client.call(.get, "/reports/daily", token: token, headers: [.accept: "text/csv"])
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: csv.body).split(separator: "\n")
            #expect(lines.count == 11)
            #expect(lines[1].hasPrefix("2021-01-01,\(Self.start),\(Self.start + Self.day),"))
            let unknown = try await client.call(.get, "/reports/hourly", token: token)
            #expect(unknown.status == .badRequest)
        }
    }

    struct Curve: Decodable {
        var every: Int64
        var points: [EquityPoint]
    }

    @Test func theEquityCurveHasAtMostThePointsAskedForAndEndsAtTheLastPoint() async throws {
        let store = Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            let curve = try JSONDecoder().decode(Curve.self, from: try await client.call(.get, "/operations/performance?points=50", token: token).body)
            #expect(curve.points.count <= 50 && curve.points.count >= 40)
            #expect(curve.points.last == store.equity.last)
            #expect(curve.points.map(\.time) == curve.points.map(\.time).sorted())
            let all = try JSONDecoder().decode(Curve.self, from: try await client.call(.get, "/operations/performance?points=10000", token: token).body)
            #expect(all.points == store.equity)
        }
        try await APIFixture.with { _, client in
            let token = try await client.login("vera").accessToken
            let response = try await client.call(.get, "/operations/performance", token: token)
            #expect(response.status == .ok)
            #expect(try JSONDecoder().decode(Curve.self, from: response.body).points.isEmpty)
        }
    }

    struct Risk: Decodable {
        struct Limit: Decodable {
            var name: String
            var limit: Double?
            var current: Double
            var used: Double?
        }
        var drawdown: Double
        var daily_loss: Double
        var engine_error: String?
        var limits: [Limit]
    }

    @Test func riskShowsEachLimitAndHowMuchOfItIsUsed() async throws {
        let store = Self.journal()
        var engine = EngineSettings()
        engine.risk = RiskLimits(maxDrawdown: 0.2)
        try await APIFixture.with(store: store, engineSettings: engine) { _, client in
            let token = try await client.login("vera").accessToken
            let risk = try JSONDecoder().decode(Risk.self, from: try await client.call(.get, "/analytics/risk", token: token).body)
            #expect(risk.engine_error != nil)  // no engine in this test: said, not hidden
            #expect(risk.drawdown == store.equity.last!.drawdown)
            let drawdown = try #require(risk.limits.first { $0.name == "max_drawdown" })
            #expect(drawdown.limit == 0.2 && abs(drawdown.used! - risk.drawdown / 0.2) < 1e-12)
            #expect(risk.limits.first { $0.name == "daily_loss_limit" }?.limit == nil)
            // The day's opening is the last point of the day before.
            let points = store.equity
            let lastDay = points.last!.time / Self.day * Self.day
            let opening = points.last { $0.time < lastDay }!.equity
            #expect(abs(risk.daily_loss - max(0, 1 - points.last!.equity / opening)) < 1e-12)
        }
    }
}
