import Foundation
import Synchronization

/// The WebSocket clients and what each subscribed to. Publishing never waits on a client: each has
/// a bounded queue, and one whose queue is full is dropped (its socket closed with a code saying so).
final class LiveHub: Sendable {
    static let topics: Set<String> = ["equity", "orders", "fills", "positions", "alerts", "children", "candles", "status"]

    final class Client: Sendable {
        let id = UUID()
        let topics = Mutex(Set<String>())
        let stream: AsyncStream<Outbound>
        let continuation: AsyncStream<Outbound>.Continuation
        let dropped = Mutex(false)

        init(queue: Int) {
            (stream, continuation) = AsyncStream.makeStream(of: Outbound.self, bufferingPolicy: .bufferingOldest(queue))
        }

        /// A reply of the socket's own (ready, subscribed, an error).
        func reply(_ text: String) { continuation.yield(Outbound(text: text, sentAt: nil)) }
    }

    /// A frame for one client: the text, and for an event when its source sent it (Unix ms).
    struct Outbound: Sendable {
        var text: String
        var sentAt: Int64?
    }

    private let clients = Mutex([UUID: Client]())
    let queue: Int
    let metrics: APIMetrics

    init(queue: Int, metrics: APIMetrics) {
        self.queue = queue
        self.metrics = metrics
    }

    func join() -> Client {
        let client = Client(queue: queue)
        clients.withLock { $0[client.id] = client }
        metrics.wsClientsChanged(by: 1)
        return client
    }

    func leave(_ client: Client) {
        if clients.withLock({ $0.removeValue(forKey: client.id) }) != nil { metrics.wsClientsChanged(by: -1) }
        client.continuation.finish()
    }

    var count: Int { clients.withLock { $0.count } }

    /// Sends `message` (a whole `{"type": "event", ...}` text) to every client subscribed to `topic`.
    func publish(topic: String, message: String, sentAt: Int64? = nil) {
        let frame = Outbound(text: message, sentAt: sentAt)
        for client in clients.withLock({ Array($0.values) }) where client.topics.withLock({ $0.contains(topic) }) {
            if case .dropped = client.continuation.yield(frame) {
                // Too slow: its queue is full. Marked, and its stream ended so its writer closes it.
                client.dropped.withLock { $0 = true }
                client.continuation.finish()
            }
        }
    }

    /// The outbound message for an event: `data` is JSON text, embedded as it is.
    static func event(topic: String, time: Int64, sentAt: Int64, data: String) -> String {
        #"{"type":"event","topic":"\#(topic)","time":\#(time),"sent_at":\#(sentAt),"data":\#(data)}"#
    }
}
