import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import Trading
@testable import BingX

/// The exchange circuit, against a local HTTP server that fails as told, with the client's clock injected.
@Suite struct CircuitTests {
    final class Server: Sendable {
        let placements = Mutex(0)
        let cancels = Mutex(0)
        let failing = Mutex(true)
    }

    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_800_000_000_000)
        func advance(_ by: Int64) { ms.withLock { $0 += by } }
    }

    struct Answer: Decodable { let ok: String }

    /// Runs `body` with a client on a local server: order placements answer 500 while `failing`, cancels always 200.
    func withServer(_ body: (BingXClient, Server, Clock) async throws -> Void) async throws {
        let server = Server()
        let router = Router()
        let ok = #"{"code":0,"msg":"","data":{"ok":"1"}}"#
        router.post("/openApi/spot/v1/trade/order") { _, _ -> Response in
            server.placements.withLock { $0 += 1 }
            if server.failing.withLock({ $0 }) { return Response(status: .internalServerError) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: ok)))
        }
        router.post("/openApi/spot/v1/trade/cancel") { _, _ -> Response in
            server.cancels.withLock { $0 += 1 }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: ok)))
        }
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) })
        let running = Task { try await app.runService() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        let clock = Clock()
        let client = BingXClient(
            baseURL: "http://127.0.0.1:\(bound)", credentials: .init(apiKey: "k", secretKey: "s"), limits: [.orders: 100, .account: 100, .market: 100],
            now: { clock.ms.withLock { $0 } })
        try await body(client, server, clock)
    }

    func place(_ client: BingXClient) async -> VenueError? {
        do {
            let _: Answer = try await client.call(.POST, "/openApi/spot/v1/trade/order", ["symbol": "BTC-USDT"], signed: true, group: .orders)
            return nil
        } catch {
            return error
        }
    }

    @Test("five placements without an answer open the circuit: the sixth is refused without being sent, cancels still go; after the cooldown one trial closes it")
    func opensAndCloses() async throws {
        try await withServer { client, server, clock in
            for _ in 0..<5 { #expect(await place(client)?.code == .unknown, "a 500 leaves the order unknown") }
            #expect(client.breaker.withLock { $0.state } == .open)
            let refused = await place(client)
            #expect(refused?.code == .rejected && refused?.message.contains("circuit is open") == true)
            #expect(server.placements.withLock { $0 } == 5, "the refused placement never reached the exchange")
            let _: Answer = try await client.call(.POST, "/openApi/spot/v1/trade/cancel", ["symbol": "BTC-USDT"], signed: true, group: .orders)
            #expect(server.cancels.withLock { $0 } == 1, "cancels go while the circuit is open")

            server.failing.withLock { $0 = false }
            clock.advance(29_000)
            #expect(await place(client)?.code == .rejected, "still open before the 30 s cooldown")
            clock.advance(1_000)
            #expect(await place(client) == nil, "the trial placement goes through")
            #expect(client.breaker.withLock { $0.state } == .closed)
            #expect(server.placements.withLock { $0 } == 6)
        }
    }
}
