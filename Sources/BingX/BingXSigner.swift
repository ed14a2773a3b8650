import Crypto
import Foundation

/// BingX's request signature: HMAC-SHA256, keyed with the secret key, of the parameters as
/// `k=v&...` with their values as they are (not URL-encoded), in lower-case hex; sent as the last
/// parameter `signature` after the same parameters with their values URL-encoded, with the API key
/// in the `X-BX-APIKEY` header. Parameters go sorted by name (as ccxt sends them), `timestamp`
/// (Unix ms) and `recvWindow` among them.
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
        let sorted = all.sorted { $0.key < $1.key }
        let raw = sorted.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        return Self.query(all) + "&signature=" + signature(of: raw)
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
