import Foundation
import NIOHTTP1
import Synchronization
import Trading

/// BingX USDT-M perpetual swap's REST endpoints (`/openApi/swap/...`) and their answers, as the
/// official docs (bingx-api.github.io/docs-v3) and ccxt's bingx.py describe them; what was found
/// where is in docs/bingx/swap-api-notes.md. Amounts arrive as strings or numbers; both decode
/// exactly into `Decimal`, and an empty string (an unset stop price) as none.
enum SwapAPI {
    static let serverTime = "/openApi/swap/v2/server/time"
    static let contracts = "/openApi/swap/v2/quote/contracts"
    static let order = "/openApi/swap/v2/trade/order"
    static let openOrders = "/openApi/swap/v2/trade/openOrders"
    static let fillHistory = "/openApi/swap/v2/trade/fillHistory"
    static let balance = "/openApi/swap/v3/user/balance"
    static let positions = "/openApi/swap/v2/user/positions"
    static let klines = "/openApi/swap/v3/quote/klines"
    static let cancelAllAfter = "/openApi/swap/v2/trade/cancelAllAfter"
    static let positionMode = "/openApi/swap/v1/positionSide/dual"

    struct Contract: Decodable {
        let symbol: String
        let pricePrecision: Int
        let quantityPrecision: Int
        let tradeMinQuantity: Amount?
        let tradeMinUSDT: Amount?
        let status: Int?
        let apiStateOpen: String?
    }

    struct OrderBody: Decodable { let order: Order }
    struct Orders: Decodable { let orders: [Order] }

    /// An order as place, query, cancel and open orders return it. Placement echoes the id as
    /// `clientOrderID`, the others as `clientOrderId`: both are read.
    struct Order: Decodable {
        let symbol: String
        let orderId: BingXID
        let side: String
        let status: String?
        let executedQty: Decimal?
        let avgPrice: Decimal?
        let cumQuote: Decimal?
        let clientOrderID: String?
        let time: Int64?
        let type: String?
        let reduceOnly: Bool

        enum Keys: String, CodingKey { case symbol, orderId, side, status, executedQty, avgPrice, cumQuote, clientOrderID, clientOrderId, time, updateTime, type, reduceOnly }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            symbol = try c.decode(String.self, forKey: .symbol)
            orderId = try c.decode(BingXID.self, forKey: .orderId)
            side = try c.decode(String.self, forKey: .side)
            status = try c.decodeIfPresent(String.self, forKey: .status)
            executedQty = try c.decodeIfPresent(LenientAmount.self, forKey: .executedQty)?.value
            avgPrice = try c.decodeIfPresent(LenientAmount.self, forKey: .avgPrice)?.value
            cumQuote = try c.decodeIfPresent(LenientAmount.self, forKey: .cumQuote)?.value
            clientOrderID = try c.decodeIfPresent(String.self, forKey: .clientOrderID) ?? c.decodeIfPresent(String.self, forKey: .clientOrderId)
            time = try c.decodeIfPresent(LenientTime.self, forKey: .updateTime)?.value ?? c.decodeIfPresent(LenientTime.self, forKey: .time)?.value
            type = try c.decodeIfPresent(String.self, forKey: .type)
            // A boolean, or "true"/"false" as some answers write it.
            reduceOnly = (try? c.decodeIfPresent(Bool.self, forKey: .reduceOnly)) ?? ((try? c.decodeIfPresent(String.self, forKey: .reduceOnly)) == "true")
        }

        var order: BingXOrder {
            BingXOrder(
                symbol: symbol, orderID: orderId.value, status: status ?? "NEW", side: side, executedQuantity: executedQty ?? 0,
                cumulativeQuote: cumQuote ?? 0, averagePrice: avgPrice, clientOrderID: clientOrderID, time: time ?? 0, type: type,
                reduceOnly: reduceOnly)
        }
    }

    struct Fills: Decodable {
        let fills: [Fill]?
        enum CodingKeys: String, CodingKey { case fills = "fill_history_orders" }
    }

    /// One trade: `volume` is the quantity in the base asset (`amount` its value), `filledTm` an
    /// ISO 8601 time.
    struct Fill: Decodable {
        let tradeId: BingXID
        let orderId: BingXID
        let price: Amount
        let volume: Amount
        let commission: LenientAmount?
        let commissionAsset: String?
        let filledTm: String
        let side: String?
    }

    struct AccountBalance: Decodable {
        let asset: String?
        let balance: Amount
        let availableMargin: Amount
    }

    struct SwapPosition: Decodable {
        let symbol: String
        let positionSide: String?
        let positionAmt: Amount
        let avgPrice: Amount
        let updateTime: Int64?
    }

    struct Kline: Decodable {
        let open, close, high, low, volume: Amount
        let time: Int64
    }

    struct PositionMode: Decodable {
        let dualSidePosition: Bool

        enum Keys: String, CodingKey { case dualSidePosition }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            if let flag = try? c.decode(Bool.self, forKey: .dualSidePosition) { dualSidePosition = flag } else {
                dualSidePosition = try c.decode(String.self, forKey: .dualSidePosition).lowercased() == "true"
            }
        }
    }
}

/// An amount that may be absent as `""` (BingX's unset stop price).
struct LenientAmount: Decodable, Sendable {
    let value: Decimal?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), text.isEmpty { value = nil } else { value = try Amount(from: decoder).value }
    }
}

/// A Unix-ms time as a number or a numeric string.
struct LenientTime: Decodable, Sendable {
    let value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) { value = number } else {
            let text = try container.decode(String.self)
            guard let number = Int64(text) else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a time in ms") }
            value = number
        }
    }
}
