import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import Trading
@testable import BingX

/// A request held back by the rate limit is signed when it leaves, not when it was asked for:
/// BingX refuses a timestamp older than the receive window, and a burst of orders can wait longer.
@Suite struct RateLimitSigningTests {
    @Test("four orders at a limit of one a second: each is signed as it leaves, not when it began waiting")
    func signedWhenSent() async throws {
        let lags = Mutex<[Int64]>([])
        let router = Router()
        router.post("/openApi/spot/v1/trade/order") { request, _ -> Response in
            let stamp = request.uri.queryParameters["timestamp"].flatMap { Int64(String($0)) } ?? 0
            lags.withLock { $0.append(Int64(Date().timeIntervalSince1970 * 1000) - stamp) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"code":0,"msg":"","data":{"ok":"1"}}"#)))
        }
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { port.yield($0.localAddress?.port ?? 0) })
        let running = Task { try await app.runService() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        let client = BingXClient(
            baseURL: "http://127.0.0.1:\(bound)", credentials: .init(apiKey: "k", secretKey: "s"), recvWindow: .milliseconds(500),
            limits: [.orders: 1, .account: 5, .market: 5])
        struct Answer: Decodable { let ok: String }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { let _: Answer = try await client.call(.POST, "/openApi/spot/v1/trade/order", ["symbol": "BTC-USDT"], signed: true, group: .orders) }
            }
            try await group.waitForAll()
        }
        // The last waited about 3.15 s for the limit: signed before the wait, it would arrive that old.
        let seen = lags.withLock { $0 }
        #expect(seen.count == 4)
        #expect(seen.allSatisfy { $0 < 2_000 }, "signed as each left: \(seen) ms between signing and arrival")
    }
}
