/// One closed candle of one market; `market` indexes the feed's `markets`.
public struct MarketBar: Sendable, Hashable {
    public var market: Int
    public var candle: Candle

    public init(market: Int, candle: Candle) {
        self.market = market
        self.candle = candle
    }
}

/// The closed candles of every market that share one open time: the loop's unit of work.
public struct FeedBatch: Sendable {
    public var time: Int64
    public var bars: [MarketBar]
    /// True for a replay's final bar (no later open can fill an order decided on it).
    public var isLast: Bool

    public init(time: Int64, bars: [MarketBar], isLast: Bool) {
        self.time = time
        self.bars = bars
        self.isLast = isLast
    }
}

/// Where closed candles come from: a replay of files or a live exchange's stream.
public protocol MarketFeed: Sendable {
    associatedtype Batches: AsyncSequence<FeedBatch, any Error> & Sendable
    /// Canonical symbols, in the order `MarketBar.market` indexes.
    var markets: [String] { get }
    /// The bar spacing in milliseconds.
    var interval: Int64 { get }
    /// Batches whose open time is after `time` (all of them for nil), oldest first.
    func batches(after time: Int64?) -> Batches
}
