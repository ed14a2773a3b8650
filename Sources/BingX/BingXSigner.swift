import Crypto
import Foundation

/// BingX's request signature: HMAC-SHA256 of the parameter string with the secret key, in lower-case
/// hex, sent as the last parameter `signature`, with the API key in the `X-BX-APIKEY` header. The
/// string signed is exactly the string sent: parameters sorted by name (as ccxt sends them),
/// `timestamp` (Unix ms) and `recvWindow` among them, values percent-encoded only where a
/// character needs it.
public struct BingXSigner: Sendable {
    /// The key's bytes (a `SymmetricKey` is made per signature: it is not Sendable).
    let secret: [UInt8]

    public init(secretKey: String) {
        secret = Array(secretKey.utf8)
    }

    /// Hex HMAC-SHA256 of `text`.
    public func signature(of text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: secret)).map { String(format: "%02x", $0) }.joined()
    }

    /// The query string to send: `params` with `timestamp` and `recvWindow`, sorted, then `signature`.
    public func signedQuery(_ params: [String: String], timestamp: Int64, recvWindow: Int64?) -> String {
        var all = params
        all["timestamp"] = String(timestamp)
        if let recvWindow { all["recvWindow"] = String(recvWindow) }
        let query = Self.query(all)
        return query + "&signature=" + signature(of: query)
    }

    /// `a=1&b=2`, sorted by name, values encoded as a URL query needs.
    public static func query(_ params: [String: String]) -> String {
        params.sorted { $0.key < $1.key }.map { "\($0.key)=\(encode($0.value))" }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters stay; everything else is %XX (JSON values of batch orders, spaces).
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
