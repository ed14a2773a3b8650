/// One closed candle of one market; `market` indexes the feed's `markets`.
public struct MarketBar: Sendable, Hashable {
    public var market: Int
    public var candle: Candle

    public init(market: Int, candle: Candle) {
        self.market = market
        self.candle = candle
    }
}

/// Closed candles in feed order (by open time, then market), whole batches only: every bar of an
/// open time is in the same chunk. A replay hands out thousands at once (no allocation: slices of
/// its arrays), a live feed one batch as it closes; the loop's unit of work is each batch inside.
public struct FeedChunk: Sendable {
    public var candles: ArraySlice<Candle>
    /// Each candle's market, an index into the feed's `markets`; same indices as `candles`.
    public var markets: ArraySlice<Int32>
    /// True when this chunk ends a replay (no later open can fill an order decided on its last batch).
    public var endsFeed: Bool
    /// History a live feed fetched to warm indicators up: strategies see it, nothing is ordered on it.
    public var isWarmup: Bool
    /// When a live feed read what closed these bars (`DispatchTime` uptime, ns): the start of the
    /// engine's bar-to-decision latency. nil for a replay (there the step itself is timed).
    public var arrivedAt: UInt64?

    public init(candles: ArraySlice<Candle>, markets: ArraySlice<Int32>, endsFeed: Bool, isWarmup: Bool = false) {
        precondition(candles.indices == markets.indices, "a chunk's candles and markets share their indices")
        self.candles = candles
        self.markets = markets
        self.endsFeed = endsFeed
        self.isWarmup = isWarmup
    }

    public init(bars: [MarketBar], endsFeed: Bool, isWarmup: Bool = false, arrivedAt: UInt64? = nil) {
        self.init(candles: ArraySlice(bars.map(\.candle)), markets: ArraySlice(bars.map { Int32($0.market) }), endsFeed: endsFeed, isWarmup: isWarmup)
        self.arrivedAt = arrivedAt
    }

    public var bars: [MarketBar] { candles.indices.map { MarketBar(market: Int(markets[$0]), candle: candles[$0]) } }

    /// The batches in this chunk: (open time, the index range of its bars).
    public var batches: [(time: Int64, range: Range<Int>)] {
        var out: [(Int64, Range<Int>)] = []
        var start = candles.startIndex
        while start < candles.endIndex {
            let end = batchEnd(from: start)
            out.append((candles[start].openTime, start..<end))
            start = end
        }
        return out
    }

    /// The end of the batch that starts at `start` (the first index with a later open time).
    @inline(__always) func batchEnd(from start: Int) -> Int {
        let time = candles[start].openTime
        var end = start + 1
        while end < candles.endIndex, candles[end].openTime == time { end += 1 }
        return end
    }
}

/// Where closed candles come from: a replay of files or a live exchange's stream.
public protocol MarketFeed: Sendable {
    associatedtype Chunks: AsyncSequence<FeedChunk, any Error> & Sendable
    /// Canonical symbols, in the order `MarketBar.market` indexes.
    var markets: [String] { get }
    /// The bar spacing in milliseconds.
    var interval: Int64 { get }
    /// Chunks of the bars whose open time is after `time` (all of them for nil), oldest first.
    func chunks(after time: Int64?) -> Chunks
}
