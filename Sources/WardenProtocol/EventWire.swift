import Foundation

/// The engine socket's live events: `GET /v1/events` streams one JSON object per line,
/// `{"topic", "time", "sent_at", "data"}` (`time` the bar's, `sent_at` the engine's wall clock in
/// epoch milliseconds), for as long as the client reads. The API relays them to its WebSocket.
public enum EngineEventTopic: String, Sendable, CaseIterable, Codable {
    case equity, orders, fills, positions, candles, status
}

public struct EngineEvent<Payload: Encodable & Sendable>: Encodable, Sendable {
    public var topic: EngineEventTopic
    public var time: Int64
    public var sentAt: Int64
    public var data: Payload

    public init(topic: EngineEventTopic, time: Int64, sentAt: Int64, data: Payload) {
        self.topic = topic
        self.time = time
        self.sentAt = sentAt
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case topic, time, data
        case sentAt = "sent_at"
    }
}
