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
        guard let name = rest.streamInterval else { return nil }
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
                    closer.state.withLock { $0.forgetForming() }
                    failures = sawBars ? 0 : failures + 1
                    if Task.isCancelled { break }
                    feed.metrics.reconnecting("market")
                    do { try await Task.sleep(for: StreamConnection.backoff(failures: failures)) } catch { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// What closed from `from` on, over REST, handed to the loop; asked again until it answers.
    func backfill(
        from: Int64?, history: Bool, _ closer: Closer, _ continuation: AsyncThrowingStream<FeedChunk, any Error>.Continuation
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let (bars, complete) = try await rest.closedBars(from: from)
                let newest = BingXFeed.hand(bars, history: history || !complete, to: continuation)
                if let resume = newest.map({ $0 + interval }) ?? from { closer.state.withLock { $0.resume(at: resume) } }
                return
            } catch {
                failures += 1
                logger.warning("BingX's klines did not answer; asking again", metadata: ["error": "\(error)", "from": "\(from.map(String.init) ?? "the warm-up")"])
                do { try await Task.sleep(for: StreamConnection.backoff(failures: failures)) } catch { return }
            }
        }
    }

    /// One connection, until it ends or goes silent; whether it showed any bar.
    func session(_ closer: Closer, _ continuation: AsyncThrowingStream<FeedChunk, any Error>.Continuation) async -> Bool {
        let index = Dictionary(uniqueKeysWithValues: markets.enumerated().map { ($1, $0) })
        let feed = self
        let connection = StreamConnection(name: "market", url: url, subscriptions: dataTypes, silence: silence, metrics: metrics, logger: logger)
        return await connection.run(isLive: { frame in
            if case .kline = frame { return true }
            return false
        }) { frame, arrived in
            switch frame {
            case .ping:
                // The loop's heartbeat: the feed is alive between bars.
                continuation.yield(FeedChunk(bars: [], endsFeed: false))
            case .kline(let symbol, let candle):
                guard let market = index[symbol] else { return }
                for output in closer.state.withLock({ $0.update(market: market, candle: candle) }) {
                    switch output {
                    case .batch(let bars): continuation.yield(FeedChunk(bars: bars, endsFeed: false, arrivedAt: arrived))
                    case .backfill(let from): await feed.backfill(from: from, history: false, closer, continuation)
                    }
                }
            default:
                break
            }
        }
    }

    /// The bars seen forming, shared by the stream's connections and its REST backfills.
    final class Closer: Sendable {
        let state: Mutex<CandleCloser>

        init(_ closer: CandleCloser) { state = Mutex(closer) }
    }
}
