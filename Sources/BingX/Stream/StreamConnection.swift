import Foundation
import Logging
import Synchronization
import WSClient

/// One connection to a BingX stream, shared by the market and user streams: it subscribes, answers
/// heartbeats, hands every other frame to `handle`, and closes a connection that shows no live frame
/// (as `isLive` judges) for `silence`. Returns when the connection ends; whether any live frame came.
struct StreamConnection {
    let name: String
    let url: String
    let subscriptions: [String]
    let silence: Duration
    let metrics: BingXMetrics
    let logger: Logger

    struct Refused: Error, CustomStringConvertible {
        let id: String
        let code: Int
        let message: String
        var description: String { "BingX refused the subscription \(id): \(message) (code \(code))" }
    }

    /// Ends the connection from `handle` (a listen key that expired, say); not an error.
    struct Closing: Error {}

    func run(isLive: @escaping @Sendable (StreamFrame) -> Bool, handle: @escaping @Sendable (StreamFrame, UInt64) async throws -> Void) async -> Bool {
        let live = Liveness()
        let connection = self
        do {
            let close = try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2)), logger: logger
            ) { inbound, outbound, _ in
                connection.metrics.stream(connection.name, connected: true)
                for (n, dataType) in connection.subscriptions.enumerated() {
                    try await outbound.write(.text(StreamFrame.subscribe(id: "warden-\(n)-\(dataType)", dataType: dataType)))
                }
                live.last.withLock { $0 = .now }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            let arrived = DispatchTime.now().uptimeNanoseconds
                            let frame: StreamFrame
                            do {
                                let text = switch message {
                                case .text(let text): text
                                case .binary(let buffer): try StreamFrame.text(of: buffer)
                                }
                                frame = try StreamFrame.parse(text)
                            } catch {
                                connection.logger.warning("BingX sent a frame Warden cannot read; skipped", metadata: ["stream": "\(connection.name)", "error": "\(error)"])
                                continue
                            }
                            if isLive(frame) {
                                live.last.withLock { $0 = .now }
                                live.seen.withLock { $0 = true }
                            }
                            switch frame {
                            case .ping(let answer):
                                try await outbound.write(.text(answer))
                            case .subscribed(let id, let code, let message) where code != 0:
                                throw Refused(id: id, code: code, message: message)
                            default:
                                break
                            }
                            do { try await handle(frame, arrived) } catch is Closing { try await outbound.close(.normalClosure, reason: nil); return }
                        }
                    }
                    group.addTask {
                        // Silence: nothing live for too long means the connection is dead even if it looks open.
                        // Sleeps until the deadline the last live frame set, and again if one came meanwhile.
                        while true {
                            let deadline = live.last.withLock { $0 } + connection.silence
                            if ContinuousClock.now >= deadline { break }
                            try await Task.sleep(until: deadline, clock: .continuous)
                        }
                        connection.logger.warning("BingX's \(connection.name) stream went silent; reconnecting", metadata: ["silence": "\(connection.silence)"])
                        try await outbound.close(.goingAway, reason: "silent")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
            if !Task.isCancelled {
                let how = close.map { "closed by BingX (\($0.closeCode)\($0.reason.map { ": " + $0 } ?? ""))" } ?? "closed without a close frame"
                logger.warning("BingX's \(name) stream ended; reconnecting", metadata: ["how": "\(how)"])
            }
        } catch is CancellationError {
        } catch {
            logger.warning("BingX's \(name) stream dropped; reconnecting", metadata: ["error": "\(error)"])
        }
        metrics.stream(name, connected: false)
        return live.seen.withLock { $0 }
    }

    /// When a connection last showed a live frame, and whether it ever did.
    final class Liveness: Sendable {
        let last = Mutex(ContinuousClock.now)
        let seen = Mutex(false)
    }

    /// The wait before reconnecting: 0.5 s doubling to 30 s, each drawn from its upper half so that
    /// many engines cut off together do not come back together.
    static func backoff(failures: Int) -> Duration {
        let ceiling = min(30.0, 0.5 * Double(1 << min(failures, 6)))
        return .milliseconds(Int64(ceiling * Double.random(in: 0.5...1) * 1000))
    }
}
