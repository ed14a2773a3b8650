import AsyncHTTPClient
import Foundation
import NIOCore
import WardenCore

/// HTTP over a unix socket to the supervisor's control socket or a worker's socket: one request,
/// its JSON answer decoded (also a refusal that has the reply's shape); any other error status
/// becomes a `WardenError` carrying the server's message.
public struct SocketClient: Sendable {
    public var socketPath: String
    public var timeout: Duration
    /// Who answers, for messages ("supervisor", "engine").
    public var peer: String

    public init(socketPath: String, timeout: Duration = .seconds(30), peer: String) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.peer = peer
    }

    public func call<T: Decodable>(_ method: String, _ path: String, body: (some Encodable & Sendable)? = Optional<Int>.none, as type: T.Type) async throws -> T {
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw WardenError(
                .unavailable, "nothing is listening (socket missing; is `warden supervise` running with this --runtime-dir?)", location: socketPath)
        }
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw WardenError(.usage, "socket path cannot be used in a URL", location: socketPath)
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONEncoder().encode(body))))
        }
        let status: UInt
        let answer: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            status = response.status.code
            answer = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw WardenError(.unavailable, "\(peer) did not answer: \(error)", location: socketPath, underlying: error)
        }
        guard (200..<300).contains(status) else {
            // A typed refusal (a reply with ok: false) is the caller's to show.
            if let refusal = try? JSONDecoder().decode(T.self, from: Data(answer.readableBytesView)) { return refusal }
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(answer.readableBytesView)))?.error.message ?? String(buffer: answer).prefix(200).description
            throw WardenError(status < 500 ? .usage : .runtime, "\(peer) refused (\(status)): \(message)", location: socketPath)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(answer.readableBytesView))
        } catch {
            throw WardenError(.runtime, "unexpected answer from the \(peer): \(String(buffer: answer).prefix(200))", location: socketPath)
        }
    }

    /// Hummingbird's error body: `{"error": {"message": "..."}}`.
    struct ErrorBody: Decodable {
        struct Inner: Decodable { var message: String }
        var error: Inner
    }
}

/// The engine's socket, typed.
public struct EngineClient: Sendable {
    public let socket: SocketClient

    public init(socketPath: String, timeout: Duration = .seconds(10)) { socket = SocketClient(socketPath: socketPath, timeout: timeout, peer: "engine") }

    public func status() async throws -> TradingReply { try await socket.call("GET", "/v1/trading/status", as: TradingReply.self) }
    public func pause(by: String) async throws -> TradingReply { try await socket.call("POST", "/v1/trading/pause?by=\(Self.escape(by))", as: TradingReply.self) }
    public func resume(by: String) async throws -> TradingReply { try await socket.call("POST", "/v1/trading/resume?by=\(Self.escape(by))", as: TradingReply.self) }
    public func strategies() async throws -> StrategiesReply { try await socket.call("GET", "/v1/strategies", as: StrategiesReply.self) }

    public func setActive(_ active: Bool, strategy: String, market: String?, by: String) async throws -> StrategiesReply {
        try await socket.call("POST", Self.path(strategy, active ? "activate" : "deactivate", market: market, by: by), as: StrategiesReply.self)
    }

    public func setParameters(_ parameters: [String: Double], strategy: String, market: String?, by: String) async throws -> StrategiesReply {
        try await socket.call("POST", Self.path(strategy, "parameters", market: market, by: by), body: parameters, as: StrategiesReply.self)
    }

    public func create(_ request: NewStrategy, by: String) async throws -> StrategiesReply {
        try await socket.call("POST", "/v1/strategies?by=\(Self.escape(by))", body: request, as: StrategiesReply.self)
    }

    public func archive(strategy: String, market: String?, by: String) async throws -> StrategiesReply {
        try await socket.call("DELETE", "/v1/strategies/\(Self.escape(strategy))?by=\(Self.escape(by))" + (market.map { "&market=\(Self.escape($0))" } ?? ""), as: StrategiesReply.self)
    }

    static func path(_ strategy: String, _ verb: String, market: String?, by: String) -> String {
        "/v1/strategies/\(escape(strategy))/\(verb)?by=\(escape(by))" + (market.map { "&market=\(escape($0))" } ?? "")
    }

    static func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? text }
}
