import Trading

/// Turns the stream's updates of each market's forming bar into closed batches, as the backtester
/// sees them: a bar is closed once a later one has opened in its market, and a batch (an open time)
/// is handed out once it has closed in every market. A batch the stream did not show whole (a
/// reconnect, a market that skipped a bar) is asked of REST instead: `backfill(from:)`.
struct CandleCloser: Sendable {
    enum Output: Equatable {
        case batch([MarketBar])
        case backfill(from: Int64)
    }

    let interval: Int64
    /// The open time of the next batch to hand out; nil until history has been read.
    private(set) var next: Int64?
    /// Per market: the latest update of each bar seen forming, by open time.
    private var seen: [[Int64: Candle]]
    /// Per market: the open time of the bar forming now (every earlier one is closed).
    private var forming: [Int64?]

    init(markets: Int, interval: Int64) {
        self.interval = interval
        seen = Array(repeating: [:], count: markets)
        forming = Array(repeating: nil, count: markets)
    }

    /// History is known up to here: `next` is the first batch not handed out yet.
    mutating func resume(at next: Int64) {
        self.next = next
        for market in seen.indices { seen[market] = seen[market].filter { $0.key >= next } }
    }

    /// A connection ended: what it showed of a bar still forming may have missed its last trades.
    mutating func forgetForming() {
        for market in forming.indices {
            if let time = forming[market] { seen[market][time] = nil }
            forming[market] = nil
        }
    }

    /// One update of `market`'s forming bar; what it closes, in order.
    mutating func update(market: Int, candle: Candle) -> [Output] {
        if let current = forming[market], candle.openTime < current { return [] }  // late: that bar has closed
        seen[market][candle.openTime] = candle
        forming[market] = candle.openTime
        // No history at all (a market new to BingX): the first bar seen forming is the first handed out.
        if next == nil { next = candle.openTime }
        guard var time = next else { return [] }
        // Every market has moved past `closedBefore`: the batches before it are closed everywhere.
        let closedBefore = forming.reduce(Int64.max) { partial, open in min(partial, open ?? .min) }
        guard closedBefore > time else { return [] }
        var out: [Output] = []
        while time < closedBefore {
            let bars = seen.indices.compactMap { m in seen[m][time].map { MarketBar(market: m, candle: $0) } }
            guard bars.count == seen.count else {
                // The stream missed this bar somewhere: REST has it (and whatever closed after it).
                out.append(.backfill(from: time))
                break
            }
            out.append(.batch(bars))
            for m in seen.indices { seen[m][time] = nil }
            time += interval
        }
        next = time
        return out
    }
}
