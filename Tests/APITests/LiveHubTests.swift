import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization
import Testing
@testable import API

/// A socket that records what it was sent, and can be told its send buffer is full.
final class RecordingSink: LiveSink {
    let eventLoop: any EventLoop
    private let state = Mutex<(texts: [String], writable: Bool)>(([], true))

    init(_ loop: any EventLoop) { eventLoop = loop }

    var isWritable: Bool { state.withLock { $0.writable } }
    func send(_ frame: WebSocketFrame) { state.withLock { $0.texts.append(String(buffer: frame.data)) } }
    var texts: [String] { state.withLock { $0.texts } }
    func full(_ isFull: Bool) { state.withLock { $0.writable = !isFull } }
}

@Suite("The WebSocket hub")
struct LiveHubTests {
    /// Two loops, as the API server runs on: clients on either get the same events.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Waits until every loop has run what was handed to it so far (each runs its tasks in order).
    func settled() async throws {
        for loop in Self.loops.makeIterator() { try await loop.submit {}.get() }
    }

    @Test func eventsGoOnlyToTheirSubscribersInOrderWithTheirReplies() async throws {
        let hub = LiveHub(queue: 8, metrics: APIMetrics())
        var iterator = Self.loops.makeIterator()
        let (fillsSink, equitySink) = (RecordingSink(iterator.next()!), RecordingSink(iterator.next()!))
        let fills = hub.join(sink: fillsSink), equity = hub.join(sink: equitySink)
        fills.topics.withLock { $0 = ["fills"] }
        equity.topics.withLock { $0 = ["equity"] }
        hub.reply("ready", to: fills)
        hub.publish(topic: "fills", message: "f1")
        hub.publish(topic: "equity", message: "e1")
        hub.reply("subscribed", to: fills)
        hub.publish(topic: "fills", message: "f2")
        try await settled()
        #expect(fillsSink.texts == ["ready", "f1", "subscribed", "f2"])
        #expect(equitySink.texts == ["e1"])
        hub.leave(fills)
        hub.leave(equity)
        hub.publish(topic: "fills", message: "f3")
        try await settled()
        #expect(fillsSink.texts.count == 4, "a client that left gets nothing more")
    }

    @Test func aClientWhoseSocketIsFullIsDroppedAndTheOthersMissNothing() async throws {
        let metrics = APIMetrics()
        let hub = LiveHub(queue: 4, metrics: metrics)
        let loop = Self.loops.next()
        let (slowSink, fastSink) = (RecordingSink(loop), RecordingSink(loop))
        let slow = hub.join(sink: slowSink), fast = hub.join(sink: fastSink)
        for client in [slow, fast] { client.topics.withLock { $0 = ["equity"] } }
        hub.publish(topic: "equity", message: "e0")
        try await settled()
        slowSink.full(true)
        for index in 1..<10 { hub.publish(topic: "equity", message: "e\(index)") }
        try await settled()
        #expect(fastSink.texts == (0..<10).map { "e\($0)" })
        #expect(slowSink.texts == ["e0"], "nothing is written to a full socket")
        #expect(slow.dropped.withLock { $0 }, "five refusals in a row, past the queue of 4")
        var closing = slow.closing.makeAsyncIterator()
        #expect(await closing.next() != nil, "its connection is told to close it")
        slowSink.full(false)
        hub.publish(topic: "equity", message: "e10")
        try await settled()
        #expect(slowSink.texts == ["e0"], "a dropped client gets nothing more, even once its socket drains")
        #expect(metrics.families().contains { $0.name == "warden_api_ws_clients" && $0.samples.first?.value == 2 })
        hub.leave(slow)
        hub.leave(fast)
        #expect(metrics.families().contains { $0.name == "warden_api_ws_clients" && $0.samples.first?.value == 0 })
    }

    @Test func aSocketThatDrainsInTimeIsKept() async throws {
        let hub = LiveHub(queue: 4, metrics: APIMetrics())
        let sink = RecordingSink(Self.loops.next())
        let client = hub.join(sink: sink)
        client.topics.withLock { $0 = ["equity"] }
        sink.full(true)
        for index in 0..<4 { hub.publish(topic: "equity", message: "e\(index)") }
        try await settled()
        sink.full(false)
        hub.publish(topic: "equity", message: "e4")
        try await settled()
        #expect(!client.dropped.withLock { $0 } && sink.texts == ["e4"], "four refusals are within the queue; the count starts again")
        hub.leave(client)
    }

    @Test func aBatchIsTimedOncePerLoopForEveryFrameInIt() async throws {
        let metrics = APIMetrics()
        let hub = LiveHub(queue: 4, metrics: metrics)
        let clients = (0..<6).map { _ in hub.join(sink: RecordingSink(Self.loops.next())) }
        for client in clients { client.topics.withLock { $0 = ["status"] } }
        hub.publish(topic: "status", message: "s", sentAt: Int64(Date().timeIntervalSince1970 * 1000))
        try await settled()
        let count = metrics.families().first { $0.name == "warden_api_ws_delivery_seconds" }?.samples.first { $0.suffix == "_count" }?.value
        #expect(count == 6)
        for client in clients { hub.leave(client) }
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
