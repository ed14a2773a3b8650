import Foundation

public enum Side: String, Sendable, Hashable, Codable { case buy, sell }

public enum OrderType: String, Sendable, Hashable, Codable {
    case market, limit
    case stopMarket = "stop_market"
}

public enum TimeInForce: String, Sendable, Hashable, Codable {
    /// Good till cancelled; immediate or cancel; fill or kill.
    case gtc, ioc, fok
}

/// An order as Warden decides it. Amounts are `Decimal`, rounded to the instrument's step and tick
/// when the order is made; a market buy may instead name the quote amount to spend (as BingX's
/// `quoteOrderQty`), which the venue turns into a quantity at the fill price.
public struct Order: Sendable, Hashable, Codable {
    /// Deterministic: the same decision at the same bar always gets the same id, so a restart can
    /// ask the venue about it instead of sending it again.
    public var clientOrderID: String
    public var market: String
    public var side: Side
    public var type: OrderType
    public var quantity: Decimal?
    public var quoteQuantity: Decimal?
    public var price: Decimal?
    public var stopPrice: Decimal?
    public var timeInForce: TimeInForce
    public var reduceOnly: Bool
    /// Which strategy slot decided it (strategy name), for the journal and reports.
    public var strategy: String
    /// Open time of the bar that decided it (Unix ms).
    public var decidedAt: Int64

    /// Every field as given, unrounded: for what is read back from a journal or a venue.
    public init(
        clientOrderID: String, market: String, side: Side, type: OrderType, quantity: Decimal?, quoteQuantity: Decimal?, price: Decimal?,
        stopPrice: Decimal?, timeInForce: TimeInForce, reduceOnly: Bool, strategy: String, decidedAt: Int64
    ) {
        self.clientOrderID = clientOrderID
        self.market = market
        self.side = side
        self.type = type
        self.quantity = quantity
        self.quoteQuantity = quoteQuantity
        self.price = price
        self.stopPrice = stopPrice
        self.timeInForce = timeInForce
        self.reduceOnly = reduceOnly
        self.strategy = strategy
        self.decidedAt = decidedAt
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Quote amounts are kept to 1e-8 (what exchanges accept for USDT amounts).
    static let quoteIncrement = Decimal(sign: .plus, exponent: -8, significand: 1)

    /// A market order for `quantity` (rounded down to the step) or, for a buy, a quote amount to spend.
    public static func market(
        _ side: Side, _ instrument: Instrument, quantity: Double? = nil, spending quote: Double? = nil, id: String, strategy: String,
        at time: Int64, reduceOnly: Bool = false
    ) throws(Invalid) -> Order {
        let order = Order(
            clientOrderID: id, market: instrument.symbol, side: side, type: .market, quantity: quantity.map(instrument.quantity),
            quoteQuantity: quote.map { Instrument.floor($0, to: Self.quoteIncrement) }, price: nil, stopPrice: nil,
            timeInForce: .ioc, reduceOnly: reduceOnly, strategy: strategy, decidedAt: time)
        if quote != nil, side == .sell { throw Invalid(description: "\(id): a quote amount is only for market buys") }
        if (order.quantity == nil) == (order.quoteQuantity == nil) { throw Invalid(description: "\(id): give a quantity or a quote amount, not both or neither") }
        if let q = order.quantity, q <= 0 { throw Invalid(description: "\(id): quantity \(quantity!) is below the step \(instrument.stepSize) of \(instrument.symbol)") }
        if let q = order.quoteQuantity, q <= 0 { throw Invalid(description: "\(id): the quote amount must be above 0") }
        return order
    }

    /// A limit order at `price` (rounded to the tick) for `quantity` (rounded down to the step).
    public static func limit(
        _ side: Side, _ instrument: Instrument, quantity: Double, price: Double, timeInForce: TimeInForce = .gtc, id: String, strategy: String,
        at time: Int64
    ) throws(Invalid) -> Order {
        let order = Order(
            clientOrderID: id, market: instrument.symbol, side: side, type: .limit, quantity: instrument.quantity(quantity), quoteQuantity: nil,
            price: instrument.price(price), stopPrice: nil, timeInForce: timeInForce, reduceOnly: false, strategy: strategy, decidedAt: time)
        guard order.quantity! > 0, order.price! > 0 else { throw Invalid(description: "\(id): quantity and price must be at least one step and one tick") }
        return order
    }

    /// A stop-market order that triggers when the price crosses `stopPrice` (rounded to the tick).
    public static func stopMarket(
        _ side: Side, _ instrument: Instrument, quantity: Double, stopPrice: Double, reduceOnly: Bool = true, id: String, strategy: String,
        at time: Int64
    ) throws(Invalid) -> Order {
        let order = Order(
            clientOrderID: id, market: instrument.symbol, side: side, type: .stopMarket, quantity: instrument.quantity(quantity),
            quoteQuantity: nil, price: nil, stopPrice: instrument.price(stopPrice), timeInForce: .gtc, reduceOnly: reduceOnly,
            strategy: strategy, decidedAt: time)
        guard order.quantity! > 0, order.stopPrice! > 0 else { throw Invalid(description: "\(id): quantity and stop price must be at least one step and one tick") }
        return order
    }
}
