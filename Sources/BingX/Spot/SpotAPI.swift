import Foundation
import NIOHTTP1
import Trading

/// BingX spot's REST endpoints (open-api.bingx.com, `/openApi/spot/...`) and their answers, as
/// documented (BingX-API/BingX-spot-api-doc and bingx-api.github.io/docs). Amounts arrive as
/// strings or numbers; both decode exactly into `Decimal`.
enum SpotAPI {
    static let serverTime = "/openApi/spot/v1/server/time"
    static let symbols = "/openApi/spot/v1/common/symbols"
    static let order = "/openApi/spot/v1/trade/order"
    static let query = "/openApi/spot/v1/trade/query"
    static let cancel = "/openApi/spot/v1/trade/cancel"
    static let openOrders = "/openApi/spot/v1/trade/openOrders"
    static let myTrades = "/openApi/spot/v1/trade/myTrades"
    static let balance = "/openApi/spot/v1/account/balance"
    static let klines = "/openApi/spot/v2/market/kline"
    static let cancelAllAfter = "/openApi/spot/v1/trade/cancelAllAfter"

    struct Symbols: Decodable { let symbols: [Symbol] }

    struct Symbol: Decodable {
        let symbol: String
        let tickSize: Amount
        let stepSize: Amount
        let minQty: Amount?
        let minNotional: Amount?
        let status: Int?
    }

    /// An order as place, query and cancel return it.
    struct OrderData: Decodable {
        let symbol: String
        let orderId: BingXID
        let status: String
        let side: String
        let executedQty: Amount?
        let cummulativeQuoteQty: Amount?
        let avgPrice: Amount?
        let clientOrderID: String?
        let transactTime: Int64?
        let time: Int64?
        let updateTime: Int64?
    }

    struct Orders: Decodable { let orders: [OrderData] }

    struct Trades: Decodable { let fills: [Trade] }

    struct Trade: Decodable {
        let symbol: String
        let id: BingXID
        let orderId: BingXID
        let price: Amount
        let qty: Amount
        let commission: Amount?
        let commissionAsset: String?
        let time: Int64
        let isBuyer: Bool?
    }

    struct Balances: Decodable { let balances: [AssetBalance] }

    struct AssetBalance: Decodable {
        let asset: String
        let free: Amount
        let locked: Amount
    }

    /// `[openTime, open, high, low, close, volume, closeTime, quoteVolume]`.
    struct Kline: Decodable {
        let openTime: Int64
        let open, high, low, close, volume: Amount

        init(from decoder: any Decoder) throws {
            var row = try decoder.unkeyedContainer()
            openTime = try row.decode(Int64.self)
            open = try row.decode(Amount.self)
            high = try row.decode(Amount.self)
            low = try row.decode(Amount.self)
            close = try row.decode(Amount.self)
            volume = try row.decode(Amount.self)
        }
    }
}

/// A decimal amount as BingX writes it: `"0.001"` or `0.001`, read exactly (never through a Double).
struct Amount: Decodable, Sendable {
    let value: Decimal

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let parsed = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a decimal amount")
            }
            value = parsed
        } else {
            value = try container.decode(Decimal.self)
        }
    }
}

extension SpotAPI.OrderData {
    var order: BingXOrder {
        BingXOrder(
            symbol: symbol, orderID: orderId.value, status: status, side: side, executedQuantity: executedQty?.value ?? 0,
            cumulativeQuote: cummulativeQuoteQty?.value ?? 0, averagePrice: avgPrice?.value, clientOrderID: clientOrderID,
            time: updateTime ?? transactTime ?? time ?? 0)
    }
}

/// BingX spot for the venue: `newClientOrderId` on placement, `clientOrderID` to ask and cancel,
/// market buys by quote amount, assets rather than positions.
struct SpotMarket: BingXMarketAPI {
    var name: String { "spot" }
    var serverTimePath: String { SpotAPI.serverTime }
    var holdsPositions: Bool { false }

    func prepare(_ client: BingXClient) async throws(VenueError) {}
    func streamInterval(_ timeframe: String) -> String? { StreamFrame.intervalName(timeframe) }
    var userSubscriptions: [String] { ["spot.executionReport"] }

    func instruments(_ client: BingXClient, markets: [String]) async throws(VenueError) -> [String: Instrument] {
        let listed: SpotAPI.Symbols = try await client.call(.GET, SpotAPI.symbols, group: .market)
        var loaded: [String: Instrument] = [:]
        for market in markets {
            guard let symbol = listed.symbols.first(where: { $0.symbol == market }) else {
                throw VenueError(.invalidParameter, "BingX spot lists no symbol \(market)")
            }
            if symbol.status == 0 { throw VenueError(.invalidParameter, "BingX spot has \(market) offline (status 0)") }
            do {
                loaded[market] = try Instrument(
                    symbol: market, tickSize: symbol.tickSize.value, stepSize: symbol.stepSize.value, minQuantity: symbol.minQty?.value ?? 0,
                    minNotional: symbol.minNotional?.value ?? 0)
            } catch {
                throw VenueError(.invalidParameter, "BingX's rules for \(market) are unusable: \(error)")
            }
        }
        return loaded
    }

    func place(_ client: BingXClient, _ order: Order, id: String) async throws(VenueError) -> BingXOrder {
        var params = ["symbol": order.market, "side": order.side == .buy ? "BUY" : "SELL", "newClientOrderId": id]
        switch order.type {
        case .market:
            params["type"] = "MARKET"
        case .limit:
            params["type"] = "LIMIT"
            params["timeInForce"] = order.timeInForce.rawValue.uppercased()
        case .stopMarket:
            throw VenueError(.invalidParameter, "\(order.clientOrderID): stop-market orders are for swap (BingX spot has no reduce-only stop)")
        }
        if let quantity = order.quantity { params["quantity"] = "\(quantity)" }
        if let quote = order.quoteQuantity { params["quoteOrderQty"] = "\(quote)" }
        if let price = order.price { params["price"] = "\(price)" }
        let data: SpotAPI.OrderData = try await client.call(.POST, SpotAPI.order, params, signed: true, group: .orders)
        return data.order
    }

    func cancel(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder {
        let data: SpotAPI.OrderData = try await client.call(.POST, SpotAPI.cancel, ["symbol": market, "clientOrderID": id], signed: true, group: .orders)
        return data.order
    }

    func query(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder {
        let data: SpotAPI.OrderData = try await client.call(.GET, SpotAPI.query, ["symbol": market, "clientOrderID": id], signed: true, group: .account)
        return data.order
    }

    func openOrders(_ client: BingXClient) async throws(VenueError) -> [BingXOrder] {
        let data: SpotAPI.Orders = try await client.call(.GET, SpotAPI.openOrders, [:], signed: true, group: .account)
        return data.orders.map(\.order)
    }

    func trades(_ client: BingXClient, market: String, orderID: String?, since: Int64?) async throws(VenueError) -> [BingXTrade] {
        var params = ["symbol": market]
        if let orderID { params["orderId"] = orderID }
        if let since { params["startTime"] = String(since) }
        let data: SpotAPI.Trades = try await client.call(.GET, SpotAPI.myTrades, params, signed: true, group: .account)
        return data.fills.map { trade in
            BingXTrade(
                id: trade.id.value, orderID: trade.orderId.value, price: trade.price.value, quantity: trade.qty.value,
                fee: trade.commission.map { abs($0.value) } ?? 0, feeAsset: trade.commissionAsset ?? "", time: trade.time, isBuyer: trade.isBuyer)
        }
    }

    func balances(_ client: BingXClient) async throws(VenueError) -> [Balance] {
        let data: SpotAPI.Balances = try await client.call(.GET, SpotAPI.balance, [:], signed: true, group: .account)
        return data.balances.map { Balance(asset: $0.asset, free: $0.free.value, locked: $0.locked.value) }
    }

    /// Spot holds assets, not positions: the loop's positions are its own, checked against balances.
    func positions(_ client: BingXClient) async throws(VenueError) -> [Position] { [] }

    var cancelAllAfterPath: String { SpotAPI.cancelAllAfter }

    func klines(_ client: BingXClient, market: String, interval: String, limit: Int, startTime: Int64?) async throws(VenueError) -> [BingXKline] {
        let params = klineParameters(market: market, interval: interval, limit: limit, startTime: startTime)
        let rows: [SpotAPI.Kline] = try await client.call(.GET, SpotAPI.klines, params, group: .market)
        return rows.map { BingXKline(openTime: $0.openTime, open: $0.open.value, high: $0.high.value, low: $0.low.value, close: $0.close.value, volume: $0.volume.value) }
            .sorted { $0.openTime < $1.openTime }
    }
}
