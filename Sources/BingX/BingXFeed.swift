import Foundation
import NIOHTTP1
import Trading
import WardenCore

/// Closed candles from BingX's REST klines: on start the last `warmup` bars, then every `poll`
/// whatever closed since. A candle counts as closed once a later one has opened, so decisions stay
/// on closed bars as in the backtester. Only the newest closed batch of an answer is traded on; the
/// rest (the start's history, a gap after an outage) is warm-up: strategies see it, nothing is
/// ordered on it.
public struct BingXFeed: MarketFeed {
    public let markets: [String]
    public let interval: Int64
    let client: BingXClient
    let intervalName: String
    let warmup: Int
    let poll: Duration
    let api: any BingXMarketAPI
    /// The timeframe's name in the market stream's data types; nil when BingX does not stream it.
    public var streamInterval: String? { api.streamInterval(intervalName) }

    public init(
        client: BingXClient, market: ExchangeSettings.Market = .spot, markets: [String], interval: Int64, intervalName: String, warmup: Int = 300,
        poll: Duration? = nil
    ) {
        self.client = client
        api = market.api
        self.markets = markets
        self.interval = interval
        self.intervalName = intervalName
        self.warmup = warmup
        // Often enough to see a close within a few seconds, rarely enough for the limits.
        self.poll = poll ?? .milliseconds(max(1000, min(5000, interval / 12)))
    }

    public func chunks(after time: Int64?) -> AsyncThrowingStream<FeedChunk, any Error> {
        let feed = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                var next = time.map { $0 + feed.interval }
                var first = true
                var failures = 0
                while !Task.isCancelled {
                    do {
                        let (bars, complete) = try await feed.closedBars(from: next)
                        failures = 0
                        if bars.isEmpty {
                            // Nothing closed: an empty chunk, so the loop shows it is alive (its heartbeat).
                            continuation.yield(FeedChunk(bars: [], endsFeed: false))
                        }
                        if let newest = Self.hand(bars, history: (first && time == nil) || !complete, to: continuation) { next = newest + feed.interval }
                        first = false
                    } catch {
                        // Logged by the engine through the data's age; retried with a growing wait.
                        failures += 1
                    }
                    let wait = failures == 0 ? feed.poll : min(.seconds(60), feed.poll * (1 << min(failures, 4)))
                    do { try await Task.sleep(for: wait) } catch { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Hands bars read over REST to the loop; the newest open time among them. Only the newest
    /// closed batch is traded on: older bars in the same answer (the first read, a gap after an
    /// outage) are history by now; with `history` all of it is (the start's warm-up, or an answer
    /// cut at its limit, whose newest bar is not the newest closed).
    static func hand(_ bars: [MarketBar], history: Bool, to continuation: AsyncThrowingStream<FeedChunk, any Error>.Continuation) -> Int64? {
        guard let newest = bars.last?.candle.openTime else { return nil }
        let split = bars.firstIndex { $0.candle.openTime == newest }!
        if split > 0 { continuation.yield(FeedChunk(bars: Array(bars[..<split]), endsFeed: false, isWarmup: true)) }
        continuation.yield(FeedChunk(bars: Array(bars[split...]), endsFeed: false, isWarmup: history, arrivedAt: DispatchTime.now().uptimeNanoseconds))
        return newest
    }

    /// Bars of every market that closed at or after `from` (the last `warmup` for nil), in feed order.
    /// `complete`: every market's answer reached the bar forming now (fewer rows than asked for),
    /// so the newest bar in it is the newest closed one.
    func closedBars(from: Int64?) async throws(VenueError) -> (bars: [MarketBar], complete: Bool) {
        var bars: [MarketBar] = []
        var complete = true
        for (index, market) in markets.enumerated() {
            let limit = min(1000, max(warmup + 1, 2))
            let sorted = try await api.klines(client, market: market, interval: intervalName, limit: limit, startTime: from)
            let rows = sorted
            if from != nil, rows.count >= limit { complete = false }
            // The newest row is still forming: everything before it is closed.
            for row in sorted.dropLast() where from.map({ row.openTime >= $0 }) ?? true {
                bars.append(MarketBar(market: index, candle: Candle(
                    openTime: row.openTime, open: row.open.double, high: row.high.double, low: row.low.double, close: row.close.double,
                    volume: row.volume.double)))
            }
        }
        // A market missing a bar another has keeps the batch to the bars that exist.
        return (bars.sorted { ($0.candle.openTime, $0.market) < ($1.candle.openTime, $1.market) }, complete)
    }
}
