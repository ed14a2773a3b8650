/// Plays candle files as a feed: several markets merged in time order, as fast as possible
/// (speed 0) or at `speed` × real time on an injected clock.
public struct ReplayFeed<C: Clock>: MarketFeed where C.Duration == Duration {
    public let markets: [String]
    public let interval: Int64
    /// Every bar of every market in feed order: by open time, then by market.
    let bars: [MarketBar]
    let speed: Double
    let clock: C

    public init(markets: [(symbol: String, candles: [Candle])], interval: Int64, speed: Double = 0, clock: C) {
        self.markets = markets.map(\.symbol)
        self.interval = interval
        self.speed = speed
        self.clock = clock
        if markets.count == 1 {
            bars = markets[0].candles.map { MarketBar(market: 0, candle: $0) }
        } else {
            var merged: [MarketBar] = []
            merged.reserveCapacity(markets.reduce(0) { $0 + $1.candles.count })
            for (index, market) in markets.enumerated() { merged += market.candles.map { MarketBar(market: index, candle: $0) } }
            merged.sort { ($0.candle.openTime, $0.market) < ($1.candle.openTime, $1.market) }
            bars = merged
        }
    }

    /// Bars replayed in the whole file, and how many come after `time`.
    public var count: Int { bars.count }
    public var lastTime: Int64? { bars.last?.candle.openTime }

    /// How many bars open at or before `time`.
    public func position(through time: Int64) -> Int {
        var low = 0, high = bars.count
        while low < high {
            let mid = (low + high) / 2
            if bars[mid].candle.openTime <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public func batches(after time: Int64?) -> Batches {
        var start = 0
        if let time {
            var low = 0, high = bars.count
            while low < high {
                let mid = (low + high) / 2
                if bars[mid].candle.openTime <= time { low = mid + 1 } else { high = mid }
            }
            start = low
        }
        return Batches(bars: bars, start: start, speed: speed, interval: interval, clock: clock)
    }

    public struct Batches: AsyncSequence, Sendable {
        let bars: [MarketBar]
        let start: Int
        let speed: Double
        let interval: Int64
        let clock: C

        public func makeAsyncIterator() -> Iterator {
            Iterator(bars: bars, next: start, pace: speed > 0 ? .milliseconds(Double(interval) / speed) : nil, clock: clock)
        }

        public struct Iterator: AsyncIteratorProtocol {
            let bars: [MarketBar]
            var next: Int
            let pace: Duration?
            let clock: C
            var due: C.Instant?

            public mutating func next() async throws -> FeedBatch? {
                guard next < bars.count else { return nil }
                if let pace {
                    // Paced from the first batch, so a slow bar does not push every later one back.
                    let target = due ?? clock.now
                    if target > clock.now { try await clock.sleep(until: target, tolerance: nil) }
                    due = target.advanced(by: pace)
                } else if next % 4096 == 0 {
                    await Task.yield()
                }
                let time = bars[next].candle.openTime
                var end = next + 1
                while end < bars.count, bars[end].candle.openTime == time { end += 1 }
                let batch = FeedBatch(time: time, bars: Array(bars[next..<end]), isLast: end == bars.count)
                next = end
                return batch
            }
        }
    }
}

extension ReplayFeed where C == ContinuousClock {
    public init(markets: [(symbol: String, candles: [Candle])], interval: Int64, speed: Double = 0) {
        self.init(markets: markets, interval: interval, speed: speed, clock: ContinuousClock())
    }
}
