import HTTPTypes
import Hummingbird

/// The headers every answer carries, and CORS, closed unless origins are configured.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tls: Bool
    let allowedOrigins: Set<String>

    static let fixed: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        (.xContentTypeOptions, "nosniff"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (.cacheControl, "no-store"),
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        let allowed = origin.map { allowedOrigins.contains($0) } ?? false
        var response: Response
        if request.method == .options, origin != nil {
            // A preflight: answered here, allowed or not (the browser enforces the absence of the headers).
            response = Response(status: allowed ? .noContent : .forbidden)
            if allowed {
                response.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE"
                response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
                response.headers[.accessControlMaxAge] = "600"
            }
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        for (name, value) in Self.fixed where response.headers[name] == nil { response.headers[name] = value }
        if tls { response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
        if allowed, let origin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.vary] = "Origin"
        }
        return response
    }
}

/// Refuses a body over the limit with 413 before any handler reads it, whether it declares its
/// length or streams in chunks.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(.contentTooLarge, "body_too_large", "the body is \(declared) bytes; the limit is \(limit) (api.body_limit)")
        }
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch {
            guard (error as? HTTPError)?.status == .contentTooLarge else { throw error }
            throw APIError(.contentTooLarge, "body_too_large", "the body is over the limit of \(limit) bytes (api.body_limit)")
        }
        return try await next(request, context)
    }
}
