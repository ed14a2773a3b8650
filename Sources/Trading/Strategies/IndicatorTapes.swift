import Synchronization

/// Indicator series computed once over each market's candles and read by every strategy that
/// asks for the same indicator at the same parameters: an optimiser's trials that differ only in
/// thresholds share one CCI, one MACD, one set of bands.
public final class IndicatorTapes: Sendable {
    private let markets: [String: [Candle]]
    private let tapes = Mutex<[String: any Sendable]>([:])
    /// Beyond this many series, new ones are computed by each strategy as bars arrive (a
    /// 1,000-point grid over a year of hours would otherwise hold ~70 MB).
    let capacity: Int

    public init(markets: [String: [Candle]], capacity: Int = 512) {
        self.markets = markets
        self.capacity = capacity
    }

    /// The series of `indicator` (fresh, as the strategy would start it) on `market`, nil when
    /// the market is not held or the cache is full.
    func tape<I: StreamingIndicator & Sendable>(_ indicator: I, key: String, market: String) -> Tape<I.Output>? where I.Output: Sendable {
        let name = market + "|" + key
        if let held = tapes.withLock({ $0[name] }) { return held as? Tape<I.Output> }
        guard let candles = markets[market], tapes.withLock({ $0.count }) < capacity else { return nil }
        let computed = Tape(indicator, candles: candles)
        return tapes.withLock { all in
            if let held = all[name] as? Tape<I.Output> { return held }
            all[name] = computed
            return computed
        }
    }

    /// The tapes of one market, as a strategy on it reads them.
    public func market(_ symbol: String) -> MarketTapes { MarketTapes(tapes: self, market: symbol) }
}

/// What a strategy is given to build its indicators from.
public struct MarketTapes: Sendable {
    let tapes: IndicatorTapes
    let market: String

    /// `indicator` read from the shared series; `key` names it with its parameters (`cci(20)`).
    func feed<I: StreamingIndicator & Sendable>(_ indicator: I, key: String) -> IndicatorFeed<I> where I.Output: Sendable {
        IndicatorFeed(indicator, tape: tapes.tape(indicator, key: key, market: market))
    }
}

/// One indicator's output at each candle of a market, with the candles' times and bars so that
/// a reader can tell it is being fed the same candles.
final class Tape<Output: Sendable>: Sendable {
    let times: [Int64]
    let bars: [Bar]
    let values: [Output?]

    init<I: StreamingIndicator>(_ indicator: I, candles: [Candle]) where I.Output == Output {
        times = candles.map(\.openTime)
        bars = candles.map(\.bar)
        var running = indicator
        values = bars.map { running.update($0) }
    }
}

/// A strategy's indicator: read from a tape while the candles are the tape's own, from the first
/// one on; computed bar by bar otherwise. A feed that leaves its tape (a run over other candles,
/// a cut or shifted series) replays the bars it read into a fresh indicator and goes on computing,
/// so its values are always the ones the indicator itself would give.
public struct IndicatorFeed<I: StreamingIndicator & Sendable>: Sendable where I.Output: Sendable {
    private let fresh: I
    private let tape: Tape<I.Output>?
    private var live: I?
    private var cursor = 0

    init(_ indicator: I, tape: Tape<I.Output>?) {
        fresh = indicator
        self.tape = tape
        live = tape == nil ? indicator : nil
    }

    /// Computed as bars arrive.
    public init(_ indicator: I) { self.init(indicator, tape: nil) }

    public mutating func update(_ candle: Candle) -> I.Output? {
        if live == nil, let tape {
            if cursor < tape.times.count, tape.times[cursor] == candle.openTime, tape.bars[cursor] == candle.bar {
                defer { cursor += 1 }
                return tape.values[cursor]
            }
            var indicator = fresh
            for bar in tape.bars[..<cursor] { _ = indicator.update(bar) }
            live = indicator
        }
        return live!.update(candle.bar)
    }
}
