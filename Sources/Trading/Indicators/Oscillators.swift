/// Relative Strength Index as TA-Lib's TA_RSI: average gain and loss over the first `period`
/// changes, then Wilder's smoothing `(prev * (n-1) + x) / n`; 0 when both averages are zero.
public struct RSI: StreamingIndicator, Sendable {
    public let period: Int
    private var previousClose: Double?
    private var changes = 0
    private var gain = 0.0
    private var loss = 0.0

    public init(period: Int) {
        precondition(period >= 2, "validated by the caller")
        self.period = period
    }

    public var lookback: Int { period }

    public mutating func update(_ bar: Bar) -> Double? {
        defer { previousClose = bar.close }
        guard let previous = previousClose else { return nil }
        let change = bar.close - previous
        let n = Double(period)
        changes += 1
        if changes <= period {
            if change < 0 { loss -= change } else { gain += change }
            guard changes == period else { return nil }
            loss /= n
            gain /= n
        } else {
            loss *= n - 1
            gain *= n - 1
            if change < 0 { loss -= change } else { gain += change }
            loss /= n
            gain /= n
        }
        let total = gain + loss
        return isZero(total) ? 0 : 100 * (gain / total)
    }
}

/// Commodity Channel Index as TA-Lib's TA_CCI: typical price (H+L+C)/3 in a ring summed in
/// storage order, mean absolute deviation, `(tp - mean) / (0.015 * mad)`; 0 when either is 0.
public struct CCI: StreamingIndicator, Sendable {
    public let period: Int
    private var ring: [Double]
    private var index = 0
    private var filled = 0

    public init(period: Int) {
        precondition(period >= 2, "validated by the caller")
        self.period = period
        ring = Array(repeating: 0, count: period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ bar: Bar) -> Double? {
        let typical = (bar.high + bar.low + bar.close) / 3
        ring[index] = typical
        index = (index + 1) % period
        filled += 1
        guard filled >= period else { return nil }
        var average = 0.0
        for value in ring { average += value }
        average /= Double(period)
        var deviation = 0.0
        for value in ring { deviation += abs(value - average) }
        let distance = typical - average
        guard distance != 0, deviation != 0 else { return 0 }
        return distance / (0.015 * (deviation / Double(period)))
    }
}

/// Average True Range as TA-Lib's TA_ATR: true range from the second bar, its simple average over
/// the first `period` ranges, then Wilder's smoothing.
public struct ATR: StreamingIndicator, Sendable {
    public let period: Int
    private var previousClose: Double?
    private var ranges = 0
    private var total = 0.0
    private var value: Double?

    public init(period: Int) {
        precondition(period >= 1, "validated by the caller")
        self.period = period
    }

    public var lookback: Int { period }

    public mutating func update(_ bar: Bar) -> Double? {
        defer { previousClose = bar.close }
        guard let previous = previousClose else { return nil }
        var range = bar.high - bar.low
        let fromHigh = abs(previous - bar.high)
        if fromHigh > range { range = fromHigh }
        let fromLow = abs(previous - bar.low)
        if fromLow > range { range = fromLow }
        let n = Double(period)
        if var atr = value {
            atr *= n - 1
            atr += range
            atr /= n
            value = atr
            return atr
        }
        total += range
        ranges += 1
        guard ranges == period else { return nil }
        value = total / n
        return value
    }
}

/// TA-Lib's TA_IS_ZERO.
func isZero(_ value: Double) -> Bool { -0.00000000000001 < value && value < 0.00000000000001 }
