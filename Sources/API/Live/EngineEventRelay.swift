import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Resilience
import ServiceLifecycle
import WardenCore

/// Reads the engine's `GET /v1/events` stream and hands each event to the hub; when the engine is
/// away (restarting, not started), it tries again with a short capped backoff.
struct EngineEventRelay: Service {
    let socketPath: String
    let hub: LiveHub
    let logger: Logger

    func run() async throws {
        // The engine is away while it restarts: try again soon, then less often (the shared backoff).
        let backoff = ExponentialBackoff(initial: .milliseconds(200), max: .seconds(5))
        await cancelWhenGracefulShutdown {
            var retry = 0
            while !Task.isCancelled {
                do {
                    try await relayOnce()
                    retry = 0
                } catch {
                    if Task.isCancelled { return }
                    logger.debug("engine events unavailable", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: backoff.delay(forRetry: retry))
                retry += 1
            }
        }
    }

    private func relayOnce() async throws {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: "/v1/events") else { return }
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .hours(24 * 365))
        guard response.status == .ok else { return }
        var pending = ByteBuffer()
        for try await var chunk in response.body {
            pending.writeBuffer(&chunk)
            while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - pending.readerIndex
                guard let line = pending.readString(length: length) else { break }
                pending.moveReaderIndex(forwardBy: 1)
                forward(line)
            }
            pending.discardReadBytes()
        }
    }

    /// The engine's line is `{"data":…,"sent_at":…,"time":…,"topic":"…"}` (sorted keys); the
    /// topic is read, the rest passes through untouched.
    private func forward(_ line: String) {
        struct Head: Decodable {
            var topic: String
            var time: Int64
            var sentAt: Int64
            enum CodingKeys: String, CodingKey { case topic, time, sentAt = "sent_at" }
        }
        guard let head = try? JSONDecoder().decode(Head.self, from: Data(line.utf8)),
              let dataStart = line.range(of: #"{"data":"#)?.upperBound, let dataEnd = line.range(of: #","sent_at":"#, options: .backwards)?.lowerBound,
              dataStart <= dataEnd
        else { return }
        hub.publish(topic: head.topic, message: LiveHub.event(topic: head.topic, time: head.time, sentAt: head.sentAt, data: String(line[dataStart..<dataEnd])), sentAt: head.sentAt)
    }
}
