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
/// open time is in the same chunk. A replay hands out thousands at once (no allocation: a slice of
/// its array), a live feed one batch as it closes; the loop's unit of work is each batch inside.
public struct FeedChunk: Sendable {
    public var bars: ArraySlice<MarketBar>
    /// True when this chunk ends a replay (no later open can fill an order decided on its last batch).
    public var endsFeed: Bool

    public init(bars: ArraySlice<MarketBar>, endsFeed: Bool) {
        self.bars = bars
        self.endsFeed = endsFeed
    }

    /// The batches in this chunk: (open time, its bars).
    public var batches: [(time: Int64, bars: ArraySlice<MarketBar>)] {
        var out: [(Int64, ArraySlice<MarketBar>)] = []
        var start = bars.startIndex
        while start < bars.endIndex {
            let time = bars[start].candle.openTime
            var end = start + 1
            while end < bars.endIndex, bars[end].candle.openTime == time { end += 1 }
            out.append((time, bars[start..<end]))
            start = end
        }
        return out
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
