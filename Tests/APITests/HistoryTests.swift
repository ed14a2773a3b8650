import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Trading
@testable import API

@Suite("History: filters and cursor pagination")
struct HistoryTests {
    /// 250 fills over two markets and two strategies, alternating buys and sells a minute apart.
    static func journal() async throws -> MemoryTradingStore {
        let store = MemoryTradingStore()
        var batch = JournalBatch()
        for index in 0..<250 {
            let market = index % 5 == 0 ? "ETHUSDT" : "BTCUSDT"
            let strategy = (index / 2) % 2 == 0 ? "cci" : "bollinger"
            batch.fills.append(RecordedFill(strategy: strategy, fill: Fill(
                clientOrderID: "o\(index)", exchangeOrderID: "e\(index)", tradeID: "t\(index)", market: market, side: index % 2 == 0 ? .buy : .sell,
                price: Decimal(50_000 + index), quantity: Decimal(string: "0.01")!, fee: Decimal(string: "0.5")!, feeAsset: "USDT",
                time: 1_700_000_000_000 + Int64(index) * 60_000)))
        }
        store.write(batch)
        return store
    }

    struct Page: Decodable {
        struct Item: Decodable {
            var strategy: String
            var market: String
            var time: Int64
            var tradeID: String
            enum CodingKeys: String, CodingKey { case strategy, market, time, tradeID = "trade_id" }
        }
        var items: [Item]
        var nextCursor: Int?
        var total: Int
        enum CodingKeys: String, CodingKey { case items, total, nextCursor = "next_cursor" }
    }

    @Test func aRepeatedPageIsServedAgainOnlyUntilTheNextFill() async throws {
        let store = try await Self.journal()
        try await APIFixture.with(store: store) { fixture, client in
            let token = try await client.login("vera").accessToken
            let first = try await client.call(.get, "/trading/fills?cursor=200&limit=100", token: token)
            #expect(try JSONDecoder().decode(Page.self, from: first.body).total == 250)
            #expect(String(buffer: try await client.call(.get, "/trading/fills?cursor=200&limit=100", token: token).body) == String(buffer: first.body))
            var batch = JournalBatch()
            batch.fills = [RecordedFill(strategy: "cci", fill: Fill(
                clientOrderID: "late", exchangeOrderID: "e-late", tradeID: "t-late", market: "BTCUSDT", side: .buy, price: 1, quantity: 1, fee: 0,
                feeAsset: "USDT", time: 1_800_000_000_000))]
            store.write(batch)
            // The journal's stamp is read at most every 50 ms: until then the page it had is served.
            let soon = try JSONDecoder().decode(Page.self, from: try await client.call(.get, "/trading/fills?cursor=200&limit=100", token: token).body)
            #expect(soon.total == 250)
            fixture.clock.advance(seconds: 0.05)
            let after = try JSONDecoder().decode(Page.self, from: try await client.call(.get, "/trading/fills?cursor=200&limit=100", token: token).body)
            #expect(after.total == 251)
            #expect(after.items.last?.tradeID == "t-late")
        }
    }

    @Test func pagesWalkEveryFillOnceInOrder() async throws {
        let store = try await Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            var seen: [String] = []
            var cursor: Int? = 0
            var pages = 0
            while let at = cursor {
                let response = try await client.call(.get, "/trading/fills?limit=100&cursor=\(at)", token: token)
                #expect(response.status == .ok)
                let page = try JSONDecoder().decode(Page.self, from: response.body)
                #expect(page.total == 250)
                seen += page.items.map(\.tradeID)
                cursor = page.nextCursor
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen == (0..<250).map { "t\($0)" })
        }
    }

    @Test func filtersCombineAndTheTotalCountsWhatTheyKeep() async throws {
        let store = try await Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            let from: Int64 = 1_700_000_000_000 + 100 * 60_000, to: Int64 = 1_700_000_000_000 + 199 * 60_000
            let response = try await client.call(.get, "/trading/fills?market=ETHUSDT&strategy=cci&from=\(from)&to=\(to)&limit=1000", token: token)
            let page = try JSONDecoder().decode(Page.self, from: response.body)
            let expected = (100...199).filter { $0 % 5 == 0 && ($0 / 2) % 2 == 0 }
            #expect(page.items.map(\.tradeID) == expected.map { "t\($0)" })
            #expect(page.total == expected.count && page.nextCursor == nil)
            #expect(page.items.allSatisfy { $0.market == "ETHUSDT" && $0.strategy == "cci" && (from...to).contains($0.time) })
        }
    }

    @Test func tradesPairFillsPerSlot() async throws {
        let store = try await Self.journal()
        try await APIFixture.with(store: store) { _, client in
            let token = try await client.login("vera").accessToken
            let response = try await client.call(.get, "/trading/trades?limit=1000", token: token)
            #expect(response.status == .ok)
            let body = try #require(try response.json() as? [String: Any])
            let items = try #require(body["items"] as? [[String: Any]])
            #expect(items.count == body["total"] as? Int)
            let expected = SlotTrades.pair(store.fills()).reduce(0) { $0 + $1.trades.count }
            #expect(items.count == expected && expected > 0)
        }
    }
}
