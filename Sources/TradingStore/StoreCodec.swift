import Foundation
import Trading
import WardenCore

/// How the stores turn the loop's values into columns and back: amounts as exact decimal text,
/// the checkpoint and parameters as JSON. Shared so both engines write the same thing.
enum StoreCodec {
    static func text(_ value: Decimal?) -> String? { value.map(\.plainText) }
    static func decimal(_ text: String?) -> Decimal? { text.flatMap { Decimal(plainText: $0) } }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try JSONDecoder().decode(type, from: Data(text.utf8)) }

    /// The candles table names a bar's spacing; the loop's candles are the engine's timeframe.
    static func interval(_ milliseconds: Int64) -> String {
        switch milliseconds {
        case 86_400_000: "1d"
        case let ms where ms % 3_600_000 == 0: "\(ms / 3_600_000)h"
        case let ms where ms % 60_000 == 0: "\(ms / 60_000)m"
        default: "\(milliseconds)ms"
        }
    }

    static func order(
        clientOrderID: String, market: String, side: String, type: String, quantity: String?, quote: String?, price: String?, stop: String?,
        timeInForce: String?, reduceOnly: Bool, strategy: String, createdAt: Int64
    ) -> Order {
        Order(
            clientOrderID: clientOrderID, market: market, side: Side(rawValue: side) ?? .buy, type: OrderType(rawValue: type) ?? .market,
            quantity: decimal(quantity).flatMap { $0 == 0 ? nil : $0 }, quoteQuantity: decimal(quote), price: decimal(price), stopPrice: decimal(stop),
            timeInForce: timeInForce.flatMap(TimeInForce.init(rawValue:)) ?? .gtc, reduceOnly: reduceOnly, strategy: strategy, decidedAt: createdAt)
    }
}

/// A journal the store cannot read back is never guessed at.
public struct StoreError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
