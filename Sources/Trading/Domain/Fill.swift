import Foundation

/// One execution of an order, as the venue reports it. The only fill type in Warden.
public struct Fill: Sendable, Hashable, Codable {
    public var clientOrderID: String
    public var exchangeOrderID: String
    /// The venue's trade id: unique per fill, so a fill reported twice is recorded once.
    public var tradeID: String
    public var market: String
    public var side: Side
    public var price: Decimal
    public var quantity: Decimal
    public var fee: Decimal
    public var feeAsset: String
    /// Unix ms.
    public var time: Int64

    public init(
        clientOrderID: String, exchangeOrderID: String, tradeID: String, market: String, side: Side, price: Decimal, quantity: Decimal,
        fee: Decimal, feeAsset: String, time: Int64
    ) {
        self.clientOrderID = clientOrderID
        self.exchangeOrderID = exchangeOrderID
        self.tradeID = tradeID
        self.market = market
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.time = time
    }
}

/// An asset held on the venue: free to use, and locked by open orders.
public struct Balance: Sendable, Hashable, Codable {
    public var asset: String
    public var free: Decimal
    public var locked: Decimal

    public init(asset: String, free: Decimal, locked: Decimal = 0) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }

    public var total: Decimal { free + locked }
}

/// A long position held by one strategy on one market (spot: what it bought and has not sold).
public struct Position: Sendable, Hashable, Codable {
    public var strategy: String
    public var market: String
    public var quantity: Decimal
    public var entryPrice: Decimal
    /// Unix ms of the fill that opened it.
    public var openedAt: Int64

    public init(strategy: String, market: String, quantity: Decimal, entryPrice: Decimal, openedAt: Int64) {
        self.strategy = strategy
        self.market = market
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.openedAt = openedAt
    }
}
