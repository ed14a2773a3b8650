import Foundation
import Logging
import Storage
import Testing
@testable import Trading
@testable import TradingStore

@Suite("The trading store on SQLite, and the SQL both engines share")
struct TradingStoreTests {
    /// A migrated SQLite journal in a directory of its own, which the caller removes.
    static func freshStore() async throws -> (store: any TradingStore, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let location = DatabaseLocation.sqlite(path: directory.appendingPathComponent("w.sqlite").path)
        _ = try await Migrator(location: location, wardenVersion: "test", logger: Logger(label: "test")).migrate()
        return (try DatabaseHandle(location).tradingStore(interval: 60_000), directory)
    }

    @Test("shared SQL: binds numbered and casts kept for PostgreSQL, casts dropped for SQLite")
    func rendering() {
        let sql = SharedSQL("SELECT a{::text} FROM t WHERE b = ? AND c = ?{::jsonb}")
        #expect(sql.sqlite == "SELECT a FROM t WHERE b = ? AND c = ?")
        #expect(sql.postgres == "SELECT a::text FROM t WHERE b = $1 AND c = $2::jsonb")
    }

    @Test("a batch is written at once and read back exactly: order with its last state, fill, position, candles, checkpoint")
    func roundTrip() async throws {
        let (store, directory) = try await Self.freshStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let instrument = try Instrument.replay("BTC-USDT")
        let order = try Order.market(.buy, instrument, spending: 1_000, id: "cci-BTCUSDT-60000-entry", strategy: "cci", at: 60_000)
        var batch = JournalBatch()
        batch.orders = [order]
        batch.orderUpdates = [
            OrderUpdate(clientOrderID: order.clientOrderID, status: .accepted, exchangeOrderID: "1000000000000000001", time: 60_000),
            OrderUpdate(clientOrderID: order.clientOrderID, status: .filled, exchangeOrderID: nil, time: 120_000),
        ]
        let fill = Fill(
            clientOrderID: order.clientOrderID, exchangeOrderID: "1000000000000000001", tradeID: "1000000000000000001-1", market: "BTC-USDT",
            side: .buy, price: Decimal(string: "58688.43")!, quantity: Decimal(string: "0.01702")!, fee: Decimal(string: "0.998877")!,
            feeAsset: "USDT", time: 120_000)
        batch.fills = [RecordedFill(strategy: "cci", fill: fill)]
        batch.candles = [("BTC-USDT", Candle(openTime: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3))]
        let slot = LoopCheckpoint.Slot(
            name: "cci", market: "BTC-USDT", active: true, parameters: [:], configured: [:], quantity: fill.quantity, entryPrice: 58688.43,
            entryCost: 999.9, openedAt: 120_000, stop: nil, target: nil, pendingOrder: nil, pendingSide: nil, atrAtDecision: nil)
        batch.checkpoint = LoopCheckpoint(
            time: 120_000, cash: 9_000.1, slots: [slot], risk: RiskGuard(limits: .none, startingEquity: 10_000).state, paused: nil, venue: nil)
        try await store.write(batch)
        try await store.write(batch)  // a batch written twice (a retried write) adds nothing
        #expect(try await store.fills() == batch.fills)
        #expect(try await store.openOrders().isEmpty, "the order was written once, filled")
        #expect(try await store.candles(market: "BTC-USDT", through: 60_000).map(\.close) == [1.5])
        #expect(try await store.checkpoint() == batch.checkpoint)
        let positions = try await store.positions()
        #expect(positions.count == 1 && positions[0].quantity == Decimal(string: "0.01702") && positions[0].market == "BTC-USDT")
    }

    @Test("fill pages on SQLite equal the in-memory store's for every query shape: no filter, by time, by market and strategy")
    func fillPages() async throws {
        let (store, directory) = try await Self.freshStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let memory = MemoryTradingStore()
        var batch = JournalBatch()
        for index in 0..<180 {
            let (strategy, market) = (index % 3 == 0 ? "cci" : "bollinger", index % 4 == 0 ? "ETH-USDT" : "BTC-USDT")
            let instrument = try Instrument.replay(market)
            let time = Int64(60_000 * (index + 1))
            let order = try Order.market(.buy, instrument, spending: 1_000, id: "\(strategy)-\(index)-entry", strategy: strategy, at: time)
            batch.orders.append(order)
            batch.orderUpdates.append(OrderUpdate(clientOrderID: order.clientOrderID, status: .accepted, exchangeOrderID: "\(1_000_000_000_000_000_000 + index)", time: time))
            batch.fills.append(RecordedFill(strategy: strategy, fill: Fill(
                clientOrderID: order.clientOrderID, exchangeOrderID: "\(1_000_000_000_000_000_000 + index)", tradeID: "t\(index)", market: market,
                side: .buy, price: Decimal(50_000 + index), quantity: Decimal(string: "0.0\(index % 9 + 1)")!, fee: Decimal(string: "0.25")!,
                feeAsset: "USDT", time: time)))
        }
        try await store.write(batch)
        memory.write(batch)
        let queries = [
            FillQuery(offset: 0, limit: 100), FillQuery(offset: 150, limit: 100), FillQuery(offset: 500, limit: 10),
            FillQuery(from: 60_000 * 40, to: 60_000 * 90, offset: 5, limit: 20), FillQuery(to: 60_000 * 10),
            FillQuery(market: "ETH-USDT", offset: 10, limit: 7), FillQuery(strategy: "cci", from: 60_000 * 100, limit: 1000),
        ]
        for query in queries {
            let (sqlite, expected) = (try await store.fills(query), try await memory.fills(query))
            #expect(sqlite.total == expected.total, "\(query)")
            #expect(sqlite.fills == expected.fills, "\(query)")
        }
    }
}
