import Accounts
import Foundation
import Hummingbird

/// One endpoint: where it is, who may call it, and what it does. The table of these is the one
/// source for the router, the role check, the audit of mutating calls, and the test that walks
/// every route against the OpenAPI document.
public struct APIRoute: Sendable {
    public enum Limit: Sendable {
        /// The per-caller bucket (`api.rate_limits.rate`/`burst`).
        case standard
        /// Login and refresh: the much stricter per-address bucket.
        case login
    }

    public var method: HTTPRequest.Method
    /// Under /api/v1, with OpenAPI's `{name}` for path parameters.
    public var path: String
    /// Nil: open to anyone (login, refresh, the document itself).
    public var role: Role?
    public var limit: Limit
    public var handler: @Sendable (Request, APIRequestContext) async throws -> Response

    public init(
        _ method: HTTPRequest.Method, _ path: String, role: Role?, limit: Limit = .standard,
        _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.role = role
        self.limit = limit
        self.handler = handler
    }

    /// Hummingbird's spelling of the path (`:name` for `{name}`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }

    public var mutates: Bool { method != .get && method != .head }
}

/// JSON answers. Keys are snake_case through each type's own CodingKeys (a key strategy would
/// also rewrite the keys of maps such as strategy parameters); times are epoch milliseconds.
enum JSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

extension Request {
    /// A query parameter parsed, or a 400 naming it.
    func query<T: LosslessStringConvertible>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard let value = T(text) else { throw APIError.invalid(name, "\(name) must be \(APIError.describe(T.self)), found '\(text)'") }
        return value
    }
}

extension APIRequestContext {
    /// A path parameter (always present when the route matched).
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError.invalid(name, "\(name) is missing from the path") }
        return value
    }

    /// The authenticated caller; routes with a role are only reached with one.
    var caller: Principal {
        get throws {
            guard let principal else { throw APIError.unauthenticated }
            return principal
        }
    }
}
