import Foundation
import Hummingbird
import ServiceLifecycle
import Synchronization
import Trading
import WardenProtocol

/// Fans the engine's events out to whoever reads `GET /v1/events` (the API worker). Each reader
/// has its own bounded buffer: one that stops reading loses its oldest events, never slows the loop.
public final class EngineEvents: Service, Sendable {
    private let readers = Mutex([UUID: AsyncStream<String>.Continuation]())
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public init() {}

    var hasReaders: Bool { readers.withLock { !$0.isEmpty } }

    func publish(_ topic: EngineEventTopic, time: Int64, _ data: some Encodable & Sendable) {
        guard hasReaders else { return }
        let event = EngineEvent(topic: topic, time: time, sentAt: Int64(Date().timeIntervalSince1970 * 1000), data: data)
        guard let line = try? encoder.encode(event) else { return }
        let text = String(decoding: line, as: UTF8.self)
        for reader in readers.withLock({ Array($0.values) }) { reader.yield(text) }
    }

    func subscribe() -> (id: UUID, stream: AsyncStream<String>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4096))
        continuation.onTermination = { [weak self] _ in _ = self?.readers.withLock { $0.removeValue(forKey: id) } }
        readers.withLock { $0[id] = continuation }
        return (id, stream)
    }

    /// Ends one reader's stream (its response then ends).
    func end(_ id: UUID) { readers.withLock { $0[id] }?.finish() }

    /// Waits for the worker's shutdown, then ends every reader's stream: an open `/v1/events`
    /// response would otherwise hold the HTTP server's shutdown until the stop timeout's SIGKILL.
    /// (Run in the worker's group after the server, so it is asked to stop before it.)
    public func run() async throws {
        try? await gracefulShutdown()
        for reader in readers.withLock({ Array($0.values) }) { reader.finish() }
    }

    /// `GET /v1/events` on the engine's socket.
    public func addRoute(to router: Router<BasicRequestContext>) {
        router.get("/v1/events") { _, _ in
            let (id, stream) = self.subscribe()
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    // A stream that never ends would hold the engine's shutdown until systemd's
                    // SIGKILL: it ends as soon as the engine is asked to stop.
                    try await withGracefulShutdownHandler {
                        for await line in stream { try await writer.write(ByteBuffer(string: line + "\n")) }
                    } onGracefulShutdown: {
                        self.end(id)
                    }
                    try await writer.finish(nil)
                })
        }
    }
}

/// What the events carry, in the API's snake_case.
struct EquityEvent: Encodable, Sendable {
    var equity: Double
    var cash: Double
    var drawdown: Double
}

struct PositionEvent: Encodable, Sendable {
    var strategy: String
    var market: String
    var quantity: Double
}

struct CandleEvent: Encodable, Sendable {
    var market: String
    var openTime: Int64
    var open: Double
    var high: Double
    var low: Double
    var close: Double
    var volume: Double
    enum CodingKeys: String, CodingKey {
        case market, open, high, low, close, volume
        case openTime = "open_time"
    }
}

struct OrderEvent: Encodable, Sendable {
    var clientOrderID: String
    var market: String
    var side: String
    var type: String
    var result: String
    enum CodingKeys: String, CodingKey {
        case market, side, type, result
        case clientOrderID = "client_order_id"
    }
}
