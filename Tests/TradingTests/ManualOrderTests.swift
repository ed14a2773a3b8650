import Foundation
import Testing
@testable import Trading

/// Operators' orders through `TradingControl.manual`, placed by the loop from the market's manual slot.
@Suite struct ManualOrderTests {
    /// A request, asked again while the loop is still starting (it answers "not trading yet" then).
    func ask(_ control: TradingControl, _ action: ManualRequest.Action) async -> ManualAnswer {
        while true {
            let answer = await control.manual(ManualRequest(action, by: "alice"))
            if answer.state == "refused", answer.message.contains("not trading yet") { await Task.yield(); continue }
            return answer
        }
    }

    @Test("a limit order rests and is cancelled by its id; a sell beyond manual holdings and an unknown market are refused; each is journaled and audited")
    func placeCancelRefuse() async throws {
        let market = try #require(TradingLoopTests.markets.first, "../shared/data has the BTC 1h file")
        let candles = Array(market.candles.prefix(300))
        let store = MemoryTradingStore()
        let control = TradingControl()
        let loop = TradingLoop(
            configuration: .init(slots: [], startingBalance: 10_000, feeRate: 0.001, staysAfterFeedEnds: true),
            feed: ReplayFeed(markets: [("BTC-USDT", candles)], interval: 3_600_000),
            venue: PaperVenue(instruments: [market.instrument], model: FillModel(feeRate: 0.001), account: .init(quote: "USDT", balance: 10_000)),
            store: store, control: control)
        let task = Task { try await loop.run() }
        defer { task.cancel() }

        let limit = await ask(control, .place(market: "BTC-USDT", side: .buy, quantity: 0.01, price: 1_000))
        #expect(limit.ok && limit.state == "accepted", "\(limit.message)")
        let id = try #require(limit.clientOrderID)
        #expect(id.hasPrefix("manual-BTCUSDT-") && id.hasSuffix("-buy") && id.count <= 40)
        #expect(store.openOrders().map(\.order.clientOrderID) == [id])
        #expect(store.openOrders().first?.order.strategy == "manual")

        let second = await ask(control, .place(market: "BTC-USDT", side: .buy, quantity: 0.01, price: 1_000))
        #expect(!second.ok && second.message.contains("is still open"), "one manual order per market at a time")
        let elsewhere = await ask(control, .place(market: "DOGE-USDT", side: .buy, quantity: 1, price: nil))
        #expect(!elsewhere.ok && elsewhere.message.contains("markets: BTC-USDT"))
        let tiny = await ask(control, .place(market: "BTC-USDT", side: .buy, quantity: 0.000001, price: nil))
        #expect(!tiny.ok, "below the step: refused before the venue")

        let cancelled = await ask(control, .cancel(clientOrderID: id))
        #expect(cancelled.ok && cancelled.state == "cancelled", "\(cancelled.message)")
        #expect(store.openOrders().isEmpty)
        let again = await ask(control, .cancel(clientOrderID: id))
        #expect(!again.ok && again.message.contains("no open order"))
        let oversell = await ask(control, .place(market: "BTC-USDT", side: .sell, quantity: 0.5, price: nil))
        #expect(!oversell.ok && oversell.message.contains("a manual sell sells what manual buys bought"), "\(oversell.message)")

        let audit = store.audit(target: "order").map { "\($0.actor) \($0.action)" }
        #expect(audit == ["alice order.place", "alice order.cancel"])
    }
}
