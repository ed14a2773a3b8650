import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// The engine's manual trading endpoints (see `OrderRequest`). A request is checked here for its
/// shape; the loop checks it against the market's rules and the account, journals it, sends it and
/// answers with what the venue said.
public enum OrderRoutes {
    public static func add(to router: Router<BasicRequestContext>, engine: TradingEngine) {
        router.get("/v1/orders") { _, _ in
            let open = try await engine.store.openOrders()
            return OrdersReply(orders: open.map { journaled in
                let order = journaled.order
                return OpenOrderInfo(
                    clientOrderID: order.clientOrderID, exchangeOrderID: journaled.exchangeOrderID, strategy: order.strategy, market: order.market,
                    side: order.side.rawValue, type: order.type.rawValue, quantity: order.quantity.map { "\($0)" }, price: order.price.map { "\($0)" },
                    status: journaled.status.rawValue)
            })
        }
        router.post("/v1/orders") { request, context in
            let by = request.uri.queryParameters.get("by") ?? "operator"
            let body: OrderRequest
            do {
                body = try await request.decode(as: OrderRequest.self, context: context)
            } catch {
                throw HTTPError(.badRequest, message: "expected {\"market\", \"side\": \"buy\" or \"sell\", \"quantity\", \"price\"?}")
            }
            guard let side = Side(rawValue: body.side) else { throw HTTPError(.badRequest, message: "side: expected buy or sell, found '\(body.side)'") }
            guard body.quantity.isFinite, body.quantity > 0 else { throw HTTPError(.badRequest, message: "quantity: expected a number above 0, found \(body.quantity)") }
            if let price = body.price, !(price.isFinite && price > 0) { throw HTTPError(.badRequest, message: "price: expected a number above 0, found \(price)") }
            let market: String
            do { market = try Instrument.canonical(body.market) } catch { throw HTTPError(.badRequest, message: "market: \(error)") }
            let answer = await engine.control.manual(ManualRequest(.place(market: market, side: side, quantity: body.quantity, price: body.price), by: by))
            return OrderReply(answer)
        }
        router.post("/v1/orders/:id/cancel") { request, context in
            let by = request.uri.queryParameters.get("by") ?? "operator"
            let id = try context.parameters.require("id")
            return OrderReply(await engine.control.manual(ManualRequest(.cancel(clientOrderID: id), by: by)))
        }
    }
}

extension OrderReply {
    init(_ answer: ManualAnswer) { self.init(ok: answer.ok, clientOrderID: answer.clientOrderID, state: answer.state, message: answer.message) }
}

extension OrderReply: ResponseEncodable {}
extension OrdersReply: ResponseEncodable {}
