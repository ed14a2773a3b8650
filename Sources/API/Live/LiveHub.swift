import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// The WebSocket clients and what each subscribed to. An event is encoded once and written to
/// every subscriber's socket directly on its event loop, one hop per loop for all of them (not a
/// task per client): 10,000 clients cost one frame and a write each. Publishing never waits on a
/// client: one whose socket has refused more than `queue` events in a row (its send buffer full)
/// is dropped, its socket closed with a code saying so.
final class LiveHub: Sendable {
    static let topics: Set<String> = ["equity", "orders", "fills", "positions", "alerts", "children", "candles", "status"]

    final class Client: Sendable {
        let id = UUID()
        let topics = Mutex(Set<String>())
        let sink: any LiveSink
        /// Events the socket refused in a row; touched on the sink's event loop only.
        let backlog = Mutex(0)
        let dropped = Mutex(false)
        /// Yields once when the client is dropped: its connection closes the socket.
        let closing: AsyncStream<Void>
        let closer: AsyncStream<Void>.Continuation

        init(sink: any LiveSink) {
            self.sink = sink
            (closing, closer) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        }
    }

    private let clients = Mutex([UUID: Client]())
    let queue: Int
    let metrics: APIMetrics

    init(queue: Int, metrics: APIMetrics) {
        self.queue = queue
        self.metrics = metrics
    }

    func join(sink: any LiveSink) -> Client {
        let client = Client(sink: sink)
        clients.withLock { $0[client.id] = client }
        metrics.wsClientsChanged(by: 1)
        return client
    }

    func leave(_ client: Client) {
        if clients.withLock({ $0.removeValue(forKey: client.id) }) != nil { metrics.wsClientsChanged(by: -1) }
        client.closer.finish()
    }

    var count: Int { clients.withLock { $0.count } }

    /// A reply of the socket's own (ready, subscribed, an error), in order with its events.
    func reply(_ text: String, to client: Client) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
        client.sink.eventLoop.execute { _ = self.deliver(frame, to: client) }
    }

    /// Sends `message` (a whole `{"type": "event", ...}` text) to every client subscribed to `topic`;
    /// `sentAt` (Unix ms) times each delivery from the event's source.
    func publish(topic: String, message: String, sentAt: Int64? = nil) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: message))
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, clients: [Client])] = [:]
        for client in clients.withLock({ Array($0.values) }) where client.topics.withLock({ $0.contains(topic) }) {
            let loop = client.sink.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].clients.append(client)
        }
        for (_, group) in byLoop {
            group.loop.execute {
                var delivered = 0
                for client in group.clients where self.deliver(frame, to: client) { delivered += 1 }
                // Timed once the loop has handed every frame of its batch to the sockets.
                if let sentAt, delivered > 0 { self.metrics.wsDelivered(seconds: Date().timeIntervalSince1970 - Double(sentAt) / 1000, count: delivered) }
            }
        }
    }

    /// On the client's event loop: writes the frame, or counts it refused while the socket's send
    /// buffer is full; past `queue` refusals the client is dropped. True when written.
    private func deliver(_ frame: WebSocketFrame, to client: Client) -> Bool {
        guard !client.dropped.withLock({ $0 }) else { return false }
        if client.sink.isWritable {
            client.backlog.withLock { $0 = 0 }
            client.sink.send(frame)
            return true
        }
        let refused = client.backlog.withLock { backlog in
            backlog += 1
            return backlog
        }
        if refused > queue {
            client.dropped.withLock { $0 = true }
            client.closer.yield()
        }
        return false
    }

    /// The outbound message for an event: `data` is JSON text, embedded as it is.
    static func event(topic: String, time: Int64, sentAt: Int64, data: String) -> String {
        #"{"type":"event","topic":"\#(topic)","time":\#(time),"sent_at":\#(sentAt),"data":\#(data)}"#
    }
}

/// Where a client's frames go. Its members are used on `eventLoop` only.
protocol LiveSink: Sendable {
    var eventLoop: any EventLoop { get }
    /// Whether the socket takes more now (false while its send buffer is over the high mark).
    var isWritable: Bool { get }
    func send(_ frame: WebSocketFrame)
}

/// A WebSocket connection's channel: frames go through its pipeline's WebSocket encoder.
struct ChannelSink: LiveSink {
    let channel: any Channel
    var eventLoop: any EventLoop { channel.eventLoop }
    var isWritable: Bool { channel.isWritable }

    func send(_ frame: WebSocketFrame) {
        channel.write(frame, promise: nil)
        channel.flush()
    }
}
