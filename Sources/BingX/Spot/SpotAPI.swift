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

    struct Timer: Decodable {
        let triggerTime: Int64?
        let status: String
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
    /// BingX's status words as Warden's order states (spot spells CANCELED, swap CANCELLED).
    var orderStatus: OrderStatus {
        switch status.uppercased() {
        case "NEW", "PENDING": .accepted
        case "PARTIALLY_FILLED": .partiallyFilled
        case "FILLED": .filled
        case "CANCELED", "CANCELLED": .cancelled
        case "FAILED", "REJECTED": .rejected
        case "EXPIRED": .expired
        default: .unknown
        }
    }

    func report(clientOrderID: String, market: String) -> ExecutionReport {
        let filled = executedQty?.value ?? 0
        let quote = cummulativeQuoteQty?.value ?? 0
        let average = avgPrice.map(\.value).flatMap { $0 > 0 ? $0 : nil } ?? (filled > 0 ? quote / filled : nil)
        return ExecutionReport(
            clientOrderID: clientOrderID, exchangeOrderID: orderId.value, market: market, side: side.uppercased() == "BUY" ? .buy : .sell,
            status: orderStatus, filledQuantity: filled, averagePrice: average, reason: orderStatus == .rejected ? "BingX: \(status)" : nil,
            time: updateTime ?? transactTime ?? time ?? 0)
    }
}
