import Foundation

/// A fill as the API and the engine's event stream show it: flat, snake_case, decimals exact.
extension RecordedFill: Encodable {
    enum CodingKeys: String, CodingKey {
        case strategy, market, side, price, quantity, fee, time
        case feeAsset = "fee_asset", clientOrderID = "client_order_id", exchangeOrderID = "exchange_order_id", tradeID = "trade_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(fill.market, forKey: .market)
        try container.encode(fill.side.rawValue, forKey: .side)
        try container.encode(fill.price, forKey: .price)
        try container.encode(fill.quantity, forKey: .quantity)
        try container.encode(fill.fee, forKey: .fee)
        try container.encode(fill.feeAsset, forKey: .feeAsset)
        try container.encode(fill.time, forKey: .time)
        try container.encode(fill.clientOrderID, forKey: .clientOrderID)
        try container.encode(fill.exchangeOrderID, forKey: .exchangeOrderID)
        try container.encode(fill.tradeID, forKey: .tradeID)
    }
}
