import Foundation
import Logging
import NIOCore
import Synchronization
import Trading
import WSClient

/// Closed candles from BingX's WebSocket market stream: history (the warm-up, or what closed while
/// the engine was down) over REST, then each market's `@kline_<interval>` pushes. A bar counts as
/// closed when the next one opens (`CandleCloser`); a batch the stream did not show whole, as after a
/// reconnect, is read over REST. A connection that shows no bar for `silence` (two intervals by
/// default) is dead: it is closed and opened again, with a capped, jittered backoff.
public struct BingXStreamFeed: MarketFeed {
    public var markets: [String] { rest.markets }
    public var interval: Int64 { rest.interval }
    let rest: BingXFeed
    let url: String
    let dataTypes: [String]
    let silence: Duration
    let metrics: BingXMetrics
    let logger: Logger

    /// `timeframe` as in the configuration (`1m`, `1h`, ...); nil when BingX does not stream it.
    public init?(rest: BingXFeed, url: String, timeframe: String, silence: Duration? = nil, metrics: BingXMetrics, logger: Logger) {
        guard let name = StreamFrame.intervalName(timeframe) else { return nil }
        self.rest = rest
        self.url = url
        dataTypes = rest.markets.map { "\($0)@kline_\(name)" }
        self.silence = silence ?? .milliseconds(2 * rest.interval)
        self.metrics = metrics
        self.logger = logger
    }

    public func chunks(after time: Int64?) -> AsyncThrowingStream<FeedChunk, any Error> {
        let feed = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                let closer = Closer(CandleCloser(markets: feed.markets.count, interval: feed.interval))
                await feed.backfill(from: time.map { $0 + feed.interval }, history: time == nil, closer, continuation)
                var failures = 0
                while !Task.isCancelled {
                    let sawBars = await feed.session(closer, continuation)
                    feed.metrics.stream("market", connected: false)
                    closer.state.withLock { $0.forgetForming() }
                    failures = sawBars ? 0 : failures + 1
                    if Task.isCancelled { break }
                    feed.metrics.reconnecting("market")
                    do { try await Task.sleep(for: Self.backoff(failures: failures)) } catch { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The wait before reconnecting: 0.5 s doubling to 30 s, each drawn from its upper half so that
    /// many engines cut off together do not come back together.
    static func backoff(failures: Int) -> Duration {
        let ceiling = min(30.0, 0.5 * Double(1 << min(failures, 6)))
        return .milliseconds(Int64(ceiling * Double.random(in: 0.5...1) * 1000))
    }

    /// What closed from `from` on, over REST, handed to the loop; asked again until it answers.
    func backfill(
        from: Int64?, history: Bool, _ closer: Closer, _ continuation: AsyncThrowingStream<FeedChunk, any Error>.Continuation
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let bars = try await rest.closedBars(from: from)
                let newest = BingXFeed.hand(bars, history: history, to: continuation)
                if let resume = newest.map({ $0 + interval }) ?? from { closer.state.withLock { $0.resume(at: resume) } }
                return
            } catch {
                failures += 1
                logger.warning("BingX's klines did not answer; asking again", metadata: ["error": "\(error)", "from": "\(from.map(String.init) ?? "the warm-up")"])
                do { try await Task.sleep(for: Self.backoff(failures: failures)) } catch { return }
            }
        }
    }

    /// One connection, until it ends or goes silent; whether it showed any bar.
    func session(_ closer: Closer, _ continuation: AsyncThrowingStream<FeedChunk, any Error>.Continuation) async -> Bool {
        closer.sawBars.withLock { $0 = false }
        let index = Dictionary(uniqueKeysWithValues: markets.enumerated().map { ($1, $0) })
        let feed = self
        do {
            let close = try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2)), logger: logger
            ) { inbound, outbound, _ in
                feed.metrics.stream("market", connected: true)
                for (n, dataType) in feed.dataTypes.enumerated() {
                    try await outbound.write(.text(StreamFrame.subscribe(id: "warden-\(n)-\(dataType)", dataType: dataType)))
                }
                closer.lastBar.withLock { $0 = .now }
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
                                feed.logger.warning("BingX sent a frame Warden cannot read; skipped", metadata: ["error": "\(error)"])
                                continue
                            }
                            switch frame {
                            case .ping(let answer):
                                try await outbound.write(.text(answer))
                                // The loop's heartbeat: the feed is alive between bars.
                                continuation.yield(FeedChunk(bars: [], endsFeed: false))
                            case .subscribed(let id, let code, let message) where code != 0:
                                throw StreamRefused(id: id, code: code, message: message)
                            case .kline(let symbol, let candle):
                                guard let market = index[symbol] else { continue }
                                closer.lastBar.withLock { $0 = .now }
                                closer.sawBars.withLock { $0 = true }
                                for output in closer.state.withLock({ $0.update(market: market, candle: candle) }) {
                                    switch output {
                                    case .batch(let bars): continuation.yield(FeedChunk(bars: bars, endsFeed: false, arrivedAt: arrived))
                                    case .backfill(let from): await feed.backfill(from: from, history: false, closer, continuation)
                                    }
                                }
                            case .subscribed, .other:
                                continue
                            }
                        }
                    }
                    group.addTask {
                        // Silence: no bar for too long means the connection is dead even if it looks open.
                        while true {
                            try await Task.sleep(for: .milliseconds(250))
                            if closer.lastBar.withLock({ $0 }).duration(to: .now) > feed.silence { break }
                        }
                        feed.logger.warning("BingX's market stream went silent; reconnecting", metadata: ["silence": "\(feed.silence)"])
                        try await outbound.close(.goingAway, reason: "silent")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
            if !Task.isCancelled {
                let how = close.map { "closed by BingX (\($0.closeCode)\($0.reason.map { ": " + $0 } ?? ""))" } ?? "closed without a close frame"
                logger.warning("BingX's market stream ended; reconnecting", metadata: ["how": "\(how)", "url": "\(url)"])
            }
        } catch is CancellationError {
        } catch {
            logger.warning("BingX's market stream dropped; reconnecting", metadata: ["error": "\(error)", "url": "\(url)"])
        }
        return closer.sawBars.withLock { $0 }
    }

    /// The stream's state, shared by a connection's reader and its silence watch.
    final class Closer: Sendable {
        let state: Mutex<CandleCloser>
        let lastBar = Mutex(ContinuousClock.now)
        let sawBars = Mutex(false)

        init(_ closer: CandleCloser) { state = Mutex(closer) }
    }

    struct StreamRefused: Error, CustomStringConvertible {
        let id: String
        let code: Int
        let message: String
        var description: String { "BingX refused the subscription \(id): \(message) (code \(code))" }
    }
}
