import Foundation
import HTTPTypes
import Hummingbird

/// Every refusal the API gives: `{"error": {"code", "message", "field"?}}` with its status.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    struct Body: Encodable {
        struct Inner: Encodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Inner
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSON.encoder.encode(Body(error: .init(code: code, message: message, field: field)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    public static func invalid(_ field: String, _ message: String) -> APIError { APIError(.badRequest, "invalid_parameter", message, field: field) }
    /// Times are epoch milliseconds from 1970 to 2100 (the OpenAPI document says the same).
    static let times: ClosedRange<Int64> = 0...4_102_444_800_000

    /// A time field checked against `times`, or a 400 naming it.
    static func checkTime(_ time: Int64?, _ field: String) throws {
        if let time, !times.contains(time) { throw invalid(field, "\(field) is epoch milliseconds between 1970 and 2100") }
    }

    public static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    public static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "send Authorization: Bearer TOKEN (an access token from /api/v1/auth/login, or an API key)",
        headers: [.wwwAuthenticate: "Bearer realm=\"warden\""])

    public static func forbidden(_ needed: String) -> APIError { APIError(.forbidden, "forbidden", "this needs the \(needed) role") }

    public static func notBuilt(_ what: String) -> APIError { APIError(.notImplemented, "not_implemented", "\(what) is not built yet") }

    static func decoding(_ error: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String? {
            let parts = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return parts.isEmpty ? nil : parts.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key]) ?? key.stringValue
            return APIError(.badRequest, "invalid_body", "\(field) is required", field: field)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return APIError(.badRequest, "invalid_body", "\(field ?? "the body") must be \(Self.describe(type))", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return APIError(.badRequest, "invalid_body", field.map { "\($0): \(context.debugDescription)" } ?? "the body is not valid JSON", field: field)
        @unknown default:
            return APIError(.badRequest, "invalid_body", "the body cannot be read")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Dictionary") ? "an object" : "\(type)".contains("Array") ? "an array" : "a \(type)"
        }
    }
}

/// Turns any error into the API's error body: ours as they are, Hummingbird's by status, and
/// anything else as a 500 whose detail goes to the log, not to the caller.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// Every route's full path and method, to tell "no such path" (404) from "not this method" (405).
    let routes: [(path: [Substring], method: HTTPRequest.Method)]

    init(routes: [APIRoute]) {
        self.routes = routes.map { route in
            ((route.path == "/docs" ? "/api/docs" : "/api/v1" + route.path).split(separator: "/"), route.method)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = allowedMethods(request.uri.path), !allowed.isEmpty {
                throw APIError(
                    .methodNotAllowed, "method_not_allowed", "\(request.method) is not served here; use \(allowed.joined(separator: " or "))",
                    headers: [.allow: allowed.joined(separator: ", ")])
            }
            let codes: [Int: String] = [400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"]
            throw APIError(error.status, codes[error.status.code] ?? "http_\(error.status.code)", error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as DecodingError {
            throw APIError.decoding(error)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal", "the request failed inside Warden; the API's log has the detail")
        }
    }
}

extension ErrorMiddleware {
    /// The methods served on `path`, nil when no route has that path.
    func allowedMethods(_ path: String) -> [String]? {
        let parts = path.split(separator: "/")
        let methods = routes.filter { route in
            route.path.count == parts.count && zip(route.path, parts).allSatisfy { pattern, part in pattern.hasPrefix("{") || pattern == part }
        }.map(\.method.rawValue)
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }
}
