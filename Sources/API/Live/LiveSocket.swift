import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import Synchronization
import NIOWebSocket

/// `/api/v1/ws`: the token never goes in the URL. The first message is `{"type": "auth", "token"}`
/// (within 10 s); then `{"type": "subscribe" | "unsubscribe", "topics": [...]}`. Events arrive as
/// `{"type": "event", "topic", "time", "sent_at", "data"}`, written by `LiveHub` straight to the
/// connection's channel; a client too slow to take them is closed with 1008 and a reason, and
/// never delays the others.
enum LiveSocket {
    struct Inbound: Decodable {
        var type: String
        var token: String?
        var topics: [String]?
    }

    static func add(to router: Router<APIRequestContext>, gate: Gate, hub: LiveHub) {
        router.ws("/api/v1/ws", shouldUpgrade: { _, context in
            gate.lockout.blocked(context.clientAddress) == nil ? .upgrade([:]) : .dontUpgrade
        }) { inbound, outbound, context in
            let address = context.requestContext.clientAddress
            let joined = Joined()
            defer { if let client = joined.value.withLock({ $0 }) { hub.leave(client) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Authentication first, with a deadline.
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    if joined.value.withLock({ $0 }) == nil {
                        try await outbound.close(.policyViolation, reason: "the first message must be {\"type\": \"auth\", \"token\": TOKEN} within 10 s")
                    }
                }
                for try await message in inbound.messages(maxSize: 64 << 10) {
                    let command: Inbound? = if case .text(let text) = message { try? JSONDecoder().decode(Inbound.self, from: Data(text.utf8)) } else { nil }
                    guard let client = joined.value.withLock({ $0 }) else {
                        guard let command, command.type == "auth", let token = command.token,
                              let principal = try? await gate.authenticate("Bearer \(token)", address: address)
                        else {
                            try await outbound.close(.policyViolation, reason: "authentication failed: the first message must be {\"type\": \"auth\", \"token\": TOKEN}")
                            break
                        }
                        let client = hub.join(sink: ChannelSink(channel: context.requestContext.channel))
                        joined.value.withLock { $0 = client }
                        hub.reply(#"{"type":"ready","user":"\#(principal.name)","role":"\#(principal.role.rawValue)","topics":\#(topicsJSON(LiveHub.topics))}"#, to: client)
                        group.addTask {
                            // Events are written by the hub; this task only closes a client it dropped.
                            for await _ in client.closing {
                                try await outbound.close(.policyViolation, reason: "too slow: its socket refused more than \(hub.queue) events in a row")
                                break
                            }
                        }
                        continue
                    }
                    guard let command, ["subscribe", "unsubscribe"].contains(command.type), let topics = command.topics else {
                        hub.reply(#"{"type":"error","message":"expected {\"type\": \"subscribe\" or \"unsubscribe\", \"topics\": [...]}"}"#, to: client)
                        continue
                    }
                    let unknown = topics.filter { !LiveHub.topics.contains($0) }
                    guard unknown.isEmpty else {
                        hub.reply(#"{"type":"error","message":"unknown topics: \#(unknown.joined(separator: ", "))"}"#, to: client)
                        continue
                    }
                    let now = client.topics.withLock { current in
                        if command.type == "subscribe" { current.formUnion(topics) } else { current.subtract(topics) }
                        return current
                    }
                    hub.reply(#"{"type":"subscribed","topics":\#(topicsJSON(now))}"#, to: client)
                }
                group.cancelAll()
            }
        }
    }

    /// The connection's client once it has authenticated (shared with the deadline and writer tasks).
    final class Joined: Sendable {
        let value = Mutex<LiveHub.Client?>(nil)
    }

    static func topicsJSON(_ topics: Set<String>) -> String { "[" + topics.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "]" }
}
