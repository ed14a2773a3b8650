/// Plays candle files as a feed: several markets merged in time order, as fast as possible
/// (speed 0) or at `speed` × real time on an injected clock.
public struct ReplayFeed<C: Clock>: MarketFeed where C.Duration == Duration {
    public let markets: [String]
    public let interval: Int64
    /// Every bar of every market in feed order (by open time, then by market), and each one's
    /// market. One market's candles are shared with the caller's array, not copied.
    let candles: [Candle]
    let marketOf: [Int32]
    let speed: Double
    let clock: C

    public init(markets: [(symbol: String, candles: [Candle])], interval: Int64, speed: Double = 0, clock: C) {
        self.markets = markets.map(\.symbol)
        self.interval = interval
        self.speed = speed
        self.clock = clock
        if markets.count == 1 {
            candles = markets[0].candles
            marketOf = Array(repeating: 0, count: candles.count)
        } else {
            var merged: [MarketBar] = []
            merged.reserveCapacity(markets.reduce(0) { $0 + $1.candles.count })
            for (index, market) in markets.enumerated() { merged += market.candles.map { MarketBar(market: index, candle: $0) } }
            merged.sort { ($0.candle.openTime, $0.market) < ($1.candle.openTime, $1.market) }
            candles = merged.map(\.candle)
            marketOf = merged.map { Int32($0.market) }
        }
    }

    /// Bars replayed in the whole file, and how many come after `time`.
    public var count: Int { candles.count }
    public var lastTime: Int64? { candles.last?.openTime }

    /// How many bars open at or before `time`.
    public func position(through time: Int64) -> Int {
        guard time > Int64.min else { return 0 }
        var low = 0, high = candles.count
        while low < high {
            let mid = (low + high) / 2
            if candles[mid].openTime <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public func chunks(after time: Int64?) -> Chunks {
        Chunks(candles: candles, marketOf: marketOf, start: position(through: time ?? Int64.min), speed: speed, interval: interval, clock: clock)
    }

    /// Bars handed out at once when not paced.
    static var chunkSize: Int { 4096 }

    public struct Chunks: AsyncSequence, Sendable {
        let candles: [Candle]
        let marketOf: [Int32]
        let start: Int
        let speed: Double
        let interval: Int64
        let clock: C

        public func makeAsyncIterator() -> Iterator {
            Iterator(candles: candles, marketOf: marketOf, next: start, pace: speed > 0 ? .milliseconds(Double(interval) / speed) : nil, clock: clock)
        }

        public struct Iterator: AsyncIteratorProtocol {
            let candles: [Candle]
            let marketOf: [Int32]
            var next: Int
            let pace: Duration?
            let clock: C
            var due: C.Instant?

            public mutating func next() async throws -> FeedChunk? {
                guard next < candles.count else { return nil }
                var end: Int
                if let pace {
                    // Paced from the first batch, so a slow bar does not push every later one back.
                    let target = due ?? clock.now
                    if target > clock.now { try await clock.sleep(until: target, tolerance: nil) }
                    due = target.advanced(by: pace)
                    end = next + 1
                } else {
                    await Task.yield()
                    end = Swift.min(next + ReplayFeed.chunkSize, candles.count)
                }
                // Whole batches: every market's bar of the last open time comes along.
                let time = candles[end - 1].openTime
                while end < candles.count, candles[end].openTime == time { end += 1 }
                let chunk = FeedChunk(candles: candles[next..<end], markets: marketOf[next..<end], endsFeed: end == candles.count)
                next = end
                return chunk
            }
        }
    }
}

extension ReplayFeed where C == ContinuousClock {
    public init(markets: [(symbol: String, candles: [Candle])], interval: Int64, speed: Double = 0) {
        self.init(markets: markets, interval: interval, speed: speed, clock: ContinuousClock())
    }
}
