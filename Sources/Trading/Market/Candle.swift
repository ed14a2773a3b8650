/// One OHLCV bar; `openTime` is the bar's open, Unix milliseconds UTC.
public struct Candle: Sendable, Hashable {
    public var openTime: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(openTime: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.openTime = openTime
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    public var bar: Bar { Bar(high: high, low: low, close: close) }
}
