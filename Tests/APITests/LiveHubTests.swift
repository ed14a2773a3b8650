import Foundation
import Testing
@testable import API

@Suite("The WebSocket hub")
struct LiveHubTests {
    @Test func eventsGoOnlyToTheirSubscribers() async throws {
        let hub = LiveHub(queue: 8, metrics: APIMetrics())
        let fills = hub.join(), equity = hub.join()
        fills.topics.withLock { $0 = ["fills"] }
        equity.topics.withLock { $0 = ["equity"] }
        hub.publish(topic: "fills", message: "f1")
        hub.publish(topic: "equity", message: "e1")
        hub.leave(fills)
        hub.leave(equity)
        #expect(await Array(fills.stream).map(\.text) == ["f1"])
        #expect(await Array(equity.stream).map(\.text) == ["e1"])
    }

    @Test func aClientThatFallsBehindIsDroppedAndTheOthersMissNothing() async throws {
        let metrics = APIMetrics()
        let hub = LiveHub(queue: 4, metrics: metrics)
        let slow = hub.join(), fast = hub.join()
        for client in [slow, fast] { client.topics.withLock { $0 = ["equity"] } }
        var received: [String] = []
        var reader = fast.stream.makeAsyncIterator()
        for index in 0..<10 {
            hub.publish(topic: "equity", message: "e\(index)")
            if let next = await reader.next() { received.append(next.text) }
        }
        #expect(received == (0..<10).map { "e\($0)" })
        #expect(slow.dropped.withLock { $0 })
        #expect(await Array(slow.stream).map(\.text) == ["e0", "e1", "e2", "e3"], "the slow client keeps what fit, then its stream ends")
        #expect(metrics.families().contains { $0.name == "warden_api_ws_clients" && $0.samples.first?.value == 2 })
        hub.leave(slow)
        hub.leave(fast)
        #expect(metrics.families().contains { $0.name == "warden_api_ws_clients" && $0.samples.first?.value == 0 })
    }

    @Test func deliveriesAreTimedFromTheirSource() {
        let metrics = APIMetrics()
        metrics.wsDelivered(seconds: 0.003)
        metrics.wsDelivered(seconds: 0.2)
        let family = metrics.families().first { $0.name == "warden_api_ws_delivery_seconds" }
        let buckets = family?.samples.filter { $0.suffix == "_bucket" }.map { ($0.labels.first { $0.0 == "le" }?.1 ?? "", $0.value) } ?? []
        // Cumulative: none by 2.5 ms, one by 5 ms, both by 250 ms.
        #expect(buckets.first { $0.0 == "0.0025" }?.1 == 0 && buckets.first { $0.0 == "0.005" }?.1 == 1 && buckets.first { $0.0 == "0.25" }?.1 == 2)
    }

    @Test func anEventKeepsTheEnginesDataAsItIs() {
        let message = LiveHub.event(topic: "fills", time: 5, sentAt: 7, data: #"{"price":1.5}"#)
        let decoded = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any]
        #expect(decoded?["type"] as? String == "event" && decoded?["topic"] as? String == "fills")
        #expect((decoded?["data"] as? [String: Any])?["price"] as? Double == 1.5)
    }
}
