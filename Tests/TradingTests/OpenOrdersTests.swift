import Testing
@testable import Trading

@Suite("The loop's open orders")
struct OpenOrdersTests {
    @Test("a duplicated fill or a late cancel of a finished order is refused, not taken for a new order; unknowns are counted")
    func finishedStayFinished() throws {
        var orders = OpenOrders()
        orders["a"] = OrderLifecycle(quantity: nil, status: .accepted)
        orders["b"] = OrderLifecycle(quantity: nil, status: .unknown)
        #expect(orders.unknownCount == 1)
        #expect(try orders.apply(.fill(1), to: "a") == .filled)
        #expect(throws: OrderLifecycle.IllegalTransition.self) { try orders.apply(.fill(1), to: "a") }
        #expect(throws: OrderLifecycle.IllegalTransition.self) { try orders.apply(.cancel, to: "a") }
        #expect(try orders.apply(.accept, to: "b") == .accepted)
        #expect(orders.unknownCount == 0)
        #expect(try orders.apply(.fill(2), to: "c") == .filled, "an order this loop saw accepted before a restart")
    }
}
