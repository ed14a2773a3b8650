import Foundation
import Logging
import Storage
import Testing
import Trading
@testable import TradingStore

@Suite("The equity curve read back: ranges, buckets, span")
struct EquityReadTests {
    /// 500 points a minute apart, written in five batches, into SQLite and into memory.
    static func stores(_ body: (any TradingStore, MemoryTradingStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-equity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = DatabaseLocation.sqlite(path: directory.appendingPathComponent("w.sqlite").path)
        _ = try await Migrator(location: location, wardenVersion: "test", logger: Logger(label: "test")).migrate()
        let sqlite = try DatabaseHandle(location).tradingStore(interval: 60_000)
        let memory = MemoryTradingStore()
        for chunk in stride(from: 0, to: 500, by: 100) {
            var batch = JournalBatch()
            batch.equity = (chunk..<chunk + 100).map { EquityPoint(time: 1_000_000 + Int64($0) * 60_000, equity: 10_000 + Double($0 * 7 % 13), cash: 5_000, drawdown: 0.01) }
            try await sqlite.write(batch)
            memory.write(batch)
        }
        try await body(sqlite, memory)
    }

    @Test func everyPointInRangeThenTheLastOfEachBucket() async throws {
        try await Self.stores { sqlite, memory in
            let all = try await sqlite.equity(EquityQuery())
            #expect(all.count == 500)
            #expect(all == memory.equity)
            let range = EquityQuery(from: 1_000_000 + 10 * 60_000, to: 1_000_000 + 19 * 60_000)
            #expect(try await sqlite.equity(range).map(\.time) == (10...19).map { 1_000_000 + Int64($0) * 60_000 })
            // Ten-minute buckets on the epoch: the last point of each, as memory thins them.
            let buckets = EquityQuery(every: 600_000)
            let thinned = try await sqlite.equity(buckets)
            #expect(thinned == memory.equity(buckets))
            #expect(thinned.count == Set(all.map { $0.time / 600_000 }).count)
            for point in thinned { #expect(all.last(where: { $0.time / 600_000 == point.time / 600_000 }) == point) }
            // One bucket over a range: its last point.
            #expect(try await sqlite.equity(EquityQuery(to: 1_000_000 + 99 * 60_000, every: .max)).map(\.time) == [1_000_000 + 99 * 60_000])
        }
    }

    @Test func spanIsTheFirstAndLastTimeAndNilWhenEmpty() async throws {
        try await Self.stores { sqlite, memory in
            let span = try await sqlite.equitySpan()
            #expect(span?.first == 1_000_000 && span?.last == 1_000_000 + 499 * 60_000)
            let fromMemory = try await memory.equitySpan()
            #expect(fromMemory?.first == span?.first && fromMemory?.last == span?.last)
            #expect(try await MemoryTradingStore().equitySpan() == nil)
        }
    }
}
