import Accounts
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// One request's context: who is calling (once authenticated) and from where.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var remoteAddress: SocketAddress?
    public var principal: Principal?
    public let webSocket: WebSocketHandlerReference<APIRequestContext>
    /// The connection's channel: the live hub writes a WebSocket's events to it directly.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        webSocket = .init()
        channel = source.channel
    }

    /// The body limit is enforced by `BodyLimitMiddleware` before any route sees the body.
    public var maxUploadSize: Int { .max }

    public var requestDecoder: APIRequestDecoder { APIRequestDecoder() }

    /// The caller's address for rate limits, lockout and the audit log.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "local" }
}

/// JSON bodies, with a decoding failure named by field (`{"error": {"field": "quantity", ...}}`).
public struct APIRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json")
        }
        let buffer = try await request.body.collect(upTo: .max)
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw APIError.decoding(error)
        }
    }
}
