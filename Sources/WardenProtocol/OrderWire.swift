/// The engine socket's manual trading endpoints (the seed's manual trade):
///     POST /v1/orders?by=NAME                 body: OrderRequest → OrderReply
///     POST /v1/orders/CLIENT_ID/cancel?by=NAME                  → OrderReply
///     GET  /v1/orders                                           → OrdersReply (the journal's open orders)
public struct OrderRequest: Sendable, Codable, Hashable {
    public var market: String
    public var side: String
    public var quantity: Double
    /// A limit order's price; nil for a market order.
    public var price: Double?

    public init(market: String, side: String, quantity: Double, price: Double?) {
        self.market = market
        self.side = side
        self.quantity = quantity
        self.price = price
    }
}

/// What became of a manual request: the client order id and the venue's answer (`accepted`,
/// `filled`, `cancelled`, `rejected`, `unknown` while it is being asked about; `refused` when it
/// never reached the venue, with the reason in `message`).
public struct OrderReply: Sendable, Codable, Hashable {
    public var ok: Bool
    public var clientOrderID: String?
    public var state: String
    public var message: String

    public init(ok: Bool, clientOrderID: String?, state: String, message: String) {
        self.ok = ok
        self.clientOrderID = clientOrderID
        self.state = state
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case ok, state, message
        case clientOrderID = "client_order_id"
    }
}

public struct OpenOrderInfo: Sendable, Codable, Hashable {
    public var clientOrderID: String
    public var exchangeOrderID: String?
    public var strategy: String
    public var market: String
    public var side: String
    public var type: String
    public var quantity: String?
    public var price: String?
    public var status: String

    public init(clientOrderID: String, exchangeOrderID: String?, strategy: String, market: String, side: String, type: String, quantity: String?, price: String?, status: String) {
        self.clientOrderID = clientOrderID
        self.exchangeOrderID = exchangeOrderID
        self.strategy = strategy
        self.market = market
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case strategy, market, side, type, quantity, price, status
        case clientOrderID = "client_order_id"
        case exchangeOrderID = "exchange_order_id"
    }
}

public struct OrdersReply: Sendable, Codable, Hashable {
    public var orders: [OpenOrderInfo]

    public init(orders: [OpenOrderInfo]) { self.orders = orders }
}

extension EngineClient {
    public func place(_ order: OrderRequest, by: String) async throws -> OrderReply {
        try await socket.call("POST", "/v1/orders?by=\(Self.escape(by))", body: order, as: OrderReply.self)
    }

    public func cancel(_ clientOrderID: String, by: String) async throws -> OrderReply {
        try await socket.call("POST", "/v1/orders/\(Self.escape(clientOrderID))/cancel?by=\(Self.escape(by))", as: OrderReply.self)
    }

    public func openOrders() async throws -> OrdersReply { try await socket.call("GET", "/v1/orders", as: OrdersReply.self) }
}
