import Foundation
import Testing
import WardenCore
@testable import Trading

/// A slot's position from its fills, as BingX spot charges them.
@Suite struct LoopSlotTests {
    func slot() -> LoopSlot {
        let slot = LoopSlot(index: 0, name: "cci", market: 0, symbol: "BTC-USDT", parameters: [:], active: true) { _ in
            try StrategyRegistry.make("cci", overrides: [:])
        }
        slot.baseAsset = "BTC"
        slot.step = Decimal(string: "0.00001")!
        return slot
    }

    func fill(_ side: Side, _ quantity: String, fee: String, asset: String) -> Fill {
        Fill(clientOrderID: "cci-BTCUSDT-1-\(side)", exchangeOrderID: "1736012345678901235", tradeID: UUID().uuidString, market: "BTC-USDT", side: side,
             price: 50_000, quantity: Decimal(string: quantity)!, fee: Decimal(string: fee)!, feeAsset: asset, time: 1)
    }

    @Test("a buy whose fee is charged in BTC holds what arrived, and costs only the quote paid")
    func feeInBase() {
        let slot = slot()
        let cash = slot.apply(fill(.buy, "0.01", fee: "0.00001", asset: "BTC"), limits: RiskLimits())
        #expect(slot.quantity == Decimal(string: "0.00999")!)
        #expect(cash == -500)
    }

    @Test("a fee in USDT leaves the quantity whole and adds to the cost")
    func feeInQuote() {
        let slot = slot()
        let cash = slot.apply(fill(.buy, "0.01", fee: "0.5", asset: "USDT"), limits: RiskLimits())
        #expect(slot.quantity == Decimal(string: "0.01")!)
        #expect(cash == -500.5)
    }

    @Test("a sell that leaves less than a step closes the position: the dust cannot be sold")
    func dust() {
        let slot = slot()
        _ = slot.apply(fill(.buy, "0.0100099", fee: "0.0000001", asset: "BTC"), limits: RiskLimits())
        #expect(slot.quantity == Decimal(string: "0.0100098")!)
        _ = slot.apply(fill(.sell, "0.01", fee: "0.5", asset: "USDT"), limits: RiskLimits())
        #expect(slot.quantity == 0 && slot.held == 0 && slot.openedAt == nil)
        // A partial sell that leaves a sellable amount keeps the position.
        let partial = self.slot()
        _ = partial.apply(fill(.buy, "0.02", fee: "0", asset: "BTC"), limits: RiskLimits())
        _ = partial.apply(fill(.sell, "0.01", fee: "0", asset: "USDT"), limits: RiskLimits())
        #expect(partial.quantity == Decimal(string: "0.01")!)
    }
}
