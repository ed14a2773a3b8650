import Foundation
import Trading
import WardenCore

/// What differs between BingX spot and perpetual swap for the venue and the feed: endpoints,
/// parameter names and the shapes of answers. The venue's flow (follow every order, ask about an
/// unknown one, never send it again) is one for both.
protocol BingXMarketAPI: Sendable {
    /// `spot` or `swap`, for messages.
    var name: String { get }
    var serverTimePath: String { get }
    /// Whether the account holds positions (swap) rather than assets (spot): reconciliation then
    /// compares positions, and buys are sized in the base asset (swap takes no quote amounts).
    var holdsPositions: Bool { get }
    /// What the exchange needs to know before trading (swap: the account's position mode).
    func prepare(_ client: BingXClient) async throws(VenueError)
    func instruments(_ client: BingXClient, markets: [String]) async throws(VenueError) -> [String: Instrument]
    func place(_ client: BingXClient, _ order: Order, id: String) async throws(VenueError) -> BingXOrder
    func cancel(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder
    /// Throws `orderNotFound` for an order BingX does not know.
    func query(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder
    func openOrders(_ client: BingXClient) async throws(VenueError) -> [BingXOrder]
    /// The account's trades on `market`: one order's (`orderID`), or all since `since` (Unix ms).
    func trades(_ client: BingXClient, market: String, orderID: String?, since: Int64?) async throws(VenueError) -> [BingXTrade]
    func balances(_ client: BingXClient) async throws(VenueError) -> [Balance]
    func positions(_ client: BingXClient) async throws(VenueError) -> [Position]
    /// The dead-man switch's endpoint (`cancelAllAfter`, the same parameters on both markets).
    var cancelAllAfterPath: String { get }
    /// The name of a timeframe in stream data types (`BTC-USDT@kline_<name>`); nil for one not streamed.
    func streamInterval(_ timeframe: String) -> String?
    /// What the user data stream is subscribed to (swap pushes every event unasked).
    var userSubscriptions: [String] { get }
    /// Candles of `market` oldest first, the newest still forming.
    func klines(_ client: BingXClient, market: String, interval: String, limit: Int, startTime: Int64?) async throws(VenueError) -> [BingXKline]
}

extension BingXMarketAPI {
    /// The dead-man switch armed for `timeout` seconds, or closed (nil); BingX's trigger time.
    func cancelAllAfter(_ client: BingXClient, timeout: Int?) async throws(VenueError) -> Int64? {
        let params = timeout.map { ["type": "ACTIVATE", "timeOut": String($0)] } ?? ["type": "CLOSE", "timeOut": "0"]
        let timer: BingXTimer = try await client.call(.POST, cancelAllAfterPath, params, signed: true, group: .orders)
        return timer.triggerTime
    }

    /// A klines request's parameters, alike on both markets.
    func klineParameters(market: String, interval: String, limit: Int, startTime: Int64?) -> [String: String] {
        var params = ["symbol": market, "interval": interval, "limit": String(limit)]
        if let startTime { params["startTime"] = String(startTime) }
        return params
    }
}

/// The dead-man switch's answer.
struct BingXTimer: Decodable {
    let triggerTime: Int64?
    let status: String
}

extension ExchangeSettings.Market {
    /// The endpoints of this BingX market.
    var api: any BingXMarketAPI {
        switch self {
        case .spot: SpotMarket()
        case .swap: SwapMarket()
        }
    }
}

/// An order as any of BingX's order endpoints describes it.
struct BingXOrder: Sendable {
    var symbol: String
    var orderID: String
    var status: String
    var side: String
    var executedQuantity: Decimal
    var cumulativeQuote: Decimal
    var averagePrice: Decimal?
    /// The client id as BingX keeps it (lower case); nil or empty when it has none.
    var clientOrderID: String?
    var time: Int64
    /// BingX's order type (`MARKET`, `LIMIT`, `STOP_MARKET`, ...) when the answer says it.
    var type: String? = nil
    var reduceOnly = false

    /// A reduce-only stop: it can only take risk off (a position's guard).
    var isProtective: Bool { type?.uppercased() == "STOP_MARKET" && reduceOnly }

    /// BingX's status words as Warden's order states (spot spells CANCELED, swap CANCELLED too).
    var orderStatus: OrderStatus {
        switch status.uppercased() {
        case "NEW", "PENDING", "RUNNING": .accepted
        case "PARTIALLY_FILLED": .partiallyFilled
        case "FILLED": .filled
        case "CANCELED", "CANCELLED": .cancelled
        case "FAILED", "REJECTED": .rejected
        case "EXPIRED": .expired
        default: .unknown
        }
    }

    var isBuy: Bool { side.uppercased() == "BUY" }

    func report(clientOrderID: String, market: String) -> ExecutionReport {
        let average = averagePrice.flatMap { $0 > 0 ? $0 : nil } ?? (executedQuantity > 0 ? cumulativeQuote / executedQuantity : nil)
        return ExecutionReport(
            clientOrderID: clientOrderID, exchangeOrderID: orderID, market: market, side: isBuy ? .buy : .sell, status: orderStatus,
            filledQuantity: executedQuantity, averagePrice: average, reason: orderStatus == .rejected ? "BingX: \(status)" : nil, time: time)
    }
}

/// One trade of the account, as any of BingX's trade endpoints lists it.
struct BingXTrade: Sendable {
    var id: String
    var orderID: String
    var price: Decimal
    var quantity: Decimal
    /// The fee, positive (BingX writes it negative on some endpoints).
    var fee: Decimal
    var feeAsset: String
    var time: Int64
    var isBuyer: Bool?
}

struct BingXKline: Sendable {
    var openTime: Int64
    var open, high, low, close, volume: Decimal
}
