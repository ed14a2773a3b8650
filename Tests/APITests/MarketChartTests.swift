import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Trading
import WardenCore
@testable import API

@Suite("Markets for charts: a window of candles, the strategies' indicators over it, its trades")
struct MarketChartTests {
    static let start: Int64 = 1_617_321_600_000

    /// 1,500 minute candles on a wave, and one cci round trip inside the last 100.
    static func journal() -> MemoryTradingStore {
        let store = MemoryTradingStore(keepsCandles: true)
        var batch = JournalBatch()
        for i in 0..<1500 {
            let close = 50_000 + 400 * sin(Double(i) / 40) + Double(i % 7)
            batch.candles.append(("BTC-USDT", Candle(openTime: start + Int64(i) * 60_000, open: close - 5, high: close + 20, low: close - 25, close: close, volume: 1)))
        }
        func fill(_ id: String, _ side: Side, at index: Int64) -> RecordedFill {
            RecordedFill(strategy: "cci", fill: Fill(
                clientOrderID: id, exchangeOrderID: "e" + id, tradeID: "t" + id, market: "BTC-USDT", side: side, price: 50_000, quantity: 1, fee: 1,
                feeAsset: "USDT", time: start + index * 60_000))
        }
        batch.fills = [fill("1", .buy, at: 1420), fill("2", .sell, at: 1450)]
        store.write(batch)
        return store
    }

    struct Chart: Decodable {
        struct Candle: Decodable { var time: Int64; var close: Double; var high: Double; var low: Double }
        struct Series: Decodable { var strategy: String; var name: String; var pane: String; var values: [Double?] }
        struct Marker: Decodable { var strategy: String; var entry_time: Int64; var exit_time: Int64? }
        var candles: [Candle]
        var indicators: [Series]
        var trades: [Marker]
        var earlier: Int64?
    }

    static let engine = EngineSettings(
        markets: [MarketSettings(symbol: "BTC-USDT")], strategies: [StrategySettings(name: "cci"), StrategySettings(name: "bollinger", params: ["period": 30])])

    @Test func aWindowHasItsCandlesTheIndicatorsAsOverTheWholeHistoryAndItsTrades() async throws {
        let store = Self.journal()
        try await APIFixture.with(store: store, engineSettings: Self.engine) { _, client in
            let token = try await client.login("vera").accessToken
            let response = try await client.call(.get, "/markets/BTCUSDT/candles?limit=100", token: token)
            #expect(response.status == .ok)
            let chart = try JSONDecoder().decode(Chart.self, from: response.body)
            let all = store.candles(market: "BTC-USDT", through: .max)
            #expect(chart.candles.map(\.time) == all.suffix(100).map(\.openTime))
            // With the warm-up read before the window, the values are those of the whole history (CCI exactly: it recomputes its window).
            let bars = all.map { Bar(high: $0.high, low: $0.low, close: $0.close) }
            let cci = try #require(chart.indicators.first { $0.name == "cci_20" })
            #expect(cci.pane == "oscillator" && cci.values == Array(IndicatorSpec.cci(20).compute(bars)[0].suffix(100)))
            let upper = try #require(chart.indicators.first { $0.name == "bbupper_30_2" })
            #expect(upper.pane == "price" && upper.strategy == "bollinger")
            // A running sum started 1,000 bars earlier rounds differently in the last digits.
            let whole = Array(IndicatorSpec.bollinger(period: 30, deviations: 2).compute(bars)[0].suffix(100))
            #expect(zip(upper.values, whole).allSatisfy { abs($0! - $1!) < 1e-9 * abs($1!) })
            #expect(chart.trades.count == 1 && chart.trades[0].entry_time == Self.start + 1420 * 60_000)
            #expect(chart.earlier == chart.candles[0].time - 1)

            let before = try JSONDecoder().decode(Chart.self, from: try await client.call(.get, "/markets/BTC-USDT/candles?limit=100&to=\(chart.earlier!)", token: token).body)
            #expect(before.candles.map(\.time) == all.dropLast(100).suffix(100).map(\.openTime))
            #expect(before.trades.isEmpty)
        }
    }

    @Test func unknownMarketsAndBadWindowsAreRefusedNamingWhy() async throws {
        try await APIFixture.with(store: Self.journal(), engineSettings: Self.engine) { _, client in
            let token = try await client.login("vera").accessToken
            let unknown = try await client.call(.get, "/markets/DOGE-USDT/candles", token: token)
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("BTC-USDT"))
            let tiny = try await client.call(.get, "/markets/BTC-USDT/candles?limit=1", token: token)
            #expect(tiny.status == .badRequest && String(buffer: tiny.body).contains("\"field\":\"limit\""))
            let markets = try await client.call(.get, "/markets", token: token)
            #expect(String(buffer: markets.body) == #"[{"strategies":["cci","bollinger"],"symbol":"BTC-USDT"}]"#)
        }
    }
}
