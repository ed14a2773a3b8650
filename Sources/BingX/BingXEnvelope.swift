import Foundation
import Trading

/// Every BingX answer: `{"code": 0, "msg": "", "data": ...}`; a non-zero code is an error, mapped
/// to the `VenueError` the loop acts on (a refusal changes nothing; `unknown` is asked about again).
struct BingXEnvelope<Payload: Decodable>: Decodable {
    let code: Int
    let msg: String?
    let data: Payload?
}

/// Just the code and message, to read an error whatever its data looks like.
struct BingXStatus: Decodable {
    let code: Int
    let msg: String?
}

enum BingXErrors {
    /// BingX's error codes (spot and perpetual swap documentation) by what they mean to Warden.
    static let table: [Int: VenueError.Code] = [
        100001: .authentication,  // signature verification failed
        100413: .authentication,  // incorrect API key
        100419: .authentication,  // IP not in the key's whitelist
        100421: .invalidParameter,  // timestamp outside recvWindow (see BingXClient: a clock error)
        100410: .rateLimited,  // frequency limit
        100202: .insufficientBalance,  // spot: insufficient balance
        101204: .insufficientBalance,  // swap: insufficient margin
        80001: .unknown,  // swap: request failed, outcome not stated
        80012: .unknown,  // service unavailable
        100500: .unknown,  // internal error
        100503: .unknown,  // server busy
        80016: .orderNotFound,  // swap: order does not exist
        100404: .orderNotFound,  // spot: order does not exist
        80014: .invalidParameter,  // swap: invalid parameter
        100400: .invalidParameter,  // spot: invalid parameter
        100204: .invalidParameter,  // no data / below minimum
        101209: .invalidParameter,  // swap: max position value exceeded
        80013: .rateLimited,  // swap: too many open orders / requests
    ]

    static let timestampCodes: Set<Int> = [100421]

    static func error(code: Int, message: String?) -> VenueError {
        let text = message.flatMap { $0.isEmpty ? nil : $0 } ?? "BingX error \(code)"
        if let mapped = table[code] { return VenueError(mapped, text, venueCode: String(code)) }
        // Unknown codes from order endpoints may mean anything: the caller decides (a submit asks again).
        let lower = text.lowercased()
        if lower.contains("not exist") || lower.contains("not found") { return VenueError(.orderNotFound, text, venueCode: String(code)) }
        if lower.contains("insufficient") { return VenueError(.insufficientBalance, text, venueCode: String(code)) }
        if lower.contains("frequency") || lower.contains("too many") || lower.contains("rate limit") { return VenueError(.rateLimited, text, venueCode: String(code)) }
        if lower.contains("signature") || lower.contains("apikey") || lower.contains("api key") { return VenueError(.authentication, text, venueCode: String(code)) }
        return VenueError(.rejected, text, venueCode: String(code))
    }
}
