/// Simple moving average as TA-Lib's TA_SMA: a running sum, the new value added before the
/// division and the oldest removed after it.
public struct SMA: StreamingIndicator, Sendable {
    public let period: Int
    private var window: Ring
    private var total = 0.0

    public init(period: Int) {
        precondition(period >= 1, "validated by the caller")
        self.period = period
        window = Ring(capacity: period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ bar: Bar) -> Double? { update(close: bar.close) }

    public mutating func update(close value: Double) -> Double? {
        window.push(value)
        total += value
        guard window.count == period else { return nil }
        let average = total / Double(period)
        total -= window.oldest
        return average
    }
}

/// Exponential moving average as TA-Lib's TA_EMA (default compatibility): seeded with the simple
/// average of the first `period` values, then `prev + (x - prev) * 2/(period+1)`.
public struct EMA: StreamingIndicator, Sendable {
    public let period: Int
    let k: Double
    private var seen = 0
    private var seedTotal = 0.0
    private(set) var value: Double?

    public init(period: Int) {
        precondition(period >= 1, "validated by the caller")
        self.period = period
        k = 2.0 / Double(period + 1)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ bar: Bar) -> Double? { update(close: bar.close) }

    public mutating func update(close x: Double) -> Double? {
        if let previous = value {
            value = (x - previous) * k + previous
            return value
        }
        seedTotal += x
        seen += 1
        guard seen == period else { return nil }
        value = seedTotal / Double(period)
        return value
    }

    /// Starts from a given seed (MACD seeds both averages on the same bar).
    mutating func seed(_ average: Double) { value = average }
}
