import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL

/// The API under TLS: ALPN picks HTTP/2 (`h2`) or HTTP/1.1, and the HTTP/1.1 side can still
/// upgrade to the WebSocket.
///
/// Hummingbird's own `HTTP2UpgradeChannel` falls back to a plain HTTP/1.1 channel, which would lose
/// `/api/v1/ws` under TLS. Browsers and WebSocket clients open a WebSocket on a connection of its
/// own that offers only `http/1.1` (nothing here speaks RFC 8441's WebSocket over HTTP/2), so
/// choosing the channel per connection serves both.
struct SecureHTTPChannel: ServerChildChannel {
    typealias Negotiated = NIONegotiatedHTTPVersion<HTTP1WebSocketUpgradeChannel.Value, HTTP2Channel.Value>

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let sslContext: NIOSSLContext
    let http1: HTTP1WebSocketUpgradeChannel
    let http2: HTTP2Channel

    /// `tls` gains the ALPN list (h2 first); both channels answer with the same responder.
    init<WebSocketResponder: HTTPResponder>(
        tls: TLSConfiguration, responder: @escaping HTTPChannelHandler.Responder, webSocketResponder: WebSocketResponder
    ) throws where WebSocketResponder.Context: WebSocketRequestContext {
        var tls = tls
        tls.applicationProtocols = NIOHTTP2SupportedALPNProtocols
        sslContext = try NIOSSLContext(configuration: tls)
        http1 = HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init())
        http2 = HTTP2Channel(responder: responder, configuration: .init(idleTimeout: .seconds(120)))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let http1 = self.http1
        let http2 = self.http2
        return channel.configureHTTP2AsyncSecureUpgrade { channel in
            http1.setup(channel: channel, logger: logger)
        } http2ConnectionInitializer: { channel in
            http2.setup(channel: channel, logger: logger)
        }
        .map { Value(negotiated: $0, channel: channel) }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        } catch {
            // A failed handshake or an unknown ALPN token: the connection is already closed.
            logger.debug("TLS connection ended before HTTP", metadata: ["error": "\(error)"])
        }
    }
}
