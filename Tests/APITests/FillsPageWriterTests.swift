import Foundation
import NIOCore
import Testing
import Trading
@testable import API

@Suite("Fills pages: the hand-written JSON is the encoder's, byte for byte")
struct FillsPageWriterTests {
    /// Fills with what the journal can hold: exact decimals of every size and sign, ids a person
    /// typed (quotes, backslashes, control characters, non-ASCII), an empty exchange id.
    static func fills(_ count: Int, seed: UInt64) -> [RecordedFill] {
        var random = seed
        func next() -> UInt64 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return random >> 33
        }
        let odd = ["plain", "with \"quotes\"", "back\\slash", "tab\tand\nnewline", "ünïcödé €", "a/b", "\u{1}control", ""]
        return (0..<count).map { index in
            let price = Decimal(sign: .plus, exponent: -Int(next() % 9), significand: Decimal(next() % 100_000_000))
            let quantity = Decimal(string: "0.\(String(repeating: "0", count: Int(next() % 6)))\(next() % 1000 + 1)")!
            let fee = index % 7 == 0 ? Decimal(0) : Decimal(sign: index % 3 == 0 ? .minus : .plus, exponent: -12, significand: Decimal(next()))
            return RecordedFill(strategy: odd[Int(next() % UInt64(odd.count))], fill: Fill(
                clientOrderID: "cci-BTCUSDT-\(next())-entry", exchangeOrderID: index % 4 == 0 ? "" : String(1_736_012_345_678_901_235 + UInt64(index)),
                tradeID: odd[Int(next() % UInt64(odd.count))] + String(index), market: index % 2 == 0 ? "BTC-USDT" : "ETH-USDT",
                side: index % 2 == 0 ? .buy : .sell, price: price, quantity: quantity, fee: fee, feeAsset: index % 5 == 0 ? "BTC" : "USDT",
                time: 1_600_000_000_000 + Int64(next() % 100_000_000_000)))
        }
    }

    @Test(arguments: [(0, 0, 0), (1, 0, 1), (100, 0, 250), (100, 150, 250), (37, 213, 250)])
    func matchesTheEncoder(count: Int, offset: Int, total: Int) throws {
        let fills = Self.fills(count, seed: UInt64(count * 1000 + offset))
        let written = FillsPageWriter.page(fills, offset: offset, total: total)
        let encoded = try JSON.encoder.encode(TradingRoutes.Page(items: fills, offset: offset, total: total))
        #expect(String(buffer: written) == String(decoding: encoded, as: UTF8.self))
    }

    @Test func theLastPageHasNoNextCursor() throws {
        let last = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: FillsPageWriter.page(Self.fills(50, seed: 9), offset: 200, total: 250)).utf8)) as? [String: Any])
        #expect(last["next_cursor"] == nil && last["total"] as? Int == 250)
        let middle = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: FillsPageWriter.page(Self.fills(100, seed: 9), offset: 100, total: 250)).utf8)) as? [String: Any])
        #expect(middle["next_cursor"] as? Int == 200)
    }
}
