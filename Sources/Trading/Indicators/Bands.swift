import Foundation

/// MACD as TA-Lib's TA_MACD: the fast and slow EMAs both seeded with simple averages whose
/// windows end on bar `slow - 1`, the signal an EMA of the MACD line seeded with the simple
/// average of its first `signal` values.
public struct MACD: StreamingIndicator, Sendable {
    public struct Output: Sendable, Hashable {
        public var macd: Double
        public var signal: Double
        public var histogram: Double
    }

    public let fast: Int
    public let slow: Int
    public let signalPeriod: Int
    private var window: Ring
    private var fastEMA: EMA
    private var slowEMA: EMA
    private var signalEMA: EMA
    private var seen = 0

    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9) {
        precondition(fast >= 2 && slow >= 2 && signal >= 1, "validated by the caller")
        // TA-Lib swaps the periods when slow < fast.
        self.fast = min(fast, slow)
        self.slow = max(fast, slow)
        signalPeriod = signal
        window = Ring(capacity: self.slow)
        fastEMA = EMA(period: self.fast)
        slowEMA = EMA(period: self.slow)
        signalEMA = EMA(period: signal)
    }

    public var lookback: Int { slow - 1 + signalPeriod - 1 }

    public mutating func update(_ bar: Bar) -> Output? {
        seen += 1
        let line: Double
        if seen < slow {
            window.push(bar.close)
            return nil
        } else if seen == slow {
            window.push(bar.close)
            var slowTotal = 0.0
            for age in stride(from: slow - 1, through: 0, by: -1) { slowTotal += window.value(ago: age) }
            var fastTotal = 0.0
            for age in stride(from: fast - 1, through: 0, by: -1) { fastTotal += window.value(ago: age) }
            fastEMA.seed(fastTotal / Double(fast))
            slowEMA.seed(slowTotal / Double(slow))
            line = fastEMA.value! - slowEMA.value!
        } else {
            line = fastEMA.update(close: bar.close)! - slowEMA.update(close: bar.close)!
        }
        guard let signal = signalEMA.update(close: line) else { return nil }
        return Output(macd: line, signal: signal, histogram: line - signal)
    }
}

/// Bollinger Bands as TA-Lib's TA_BBANDS with a simple average: the population standard
/// deviation from running sums (sum of squares / n − mean²; 0 when not above 1e-14).
public struct BollingerBands: StreamingIndicator, Sendable {
    public struct Output: Sendable, Hashable {
        public var upper: Double
        public var middle: Double
        public var lower: Double
    }

    public let period: Int
    public let deviations: Double
    private var average: SMA
    private var squares: Ring
    private var squareTotal = 0.0

    public init(period: Int = 20, deviations: Double = 2) {
        precondition(period >= 2, "validated by the caller")
        self.period = period
        self.deviations = deviations
        average = SMA(period: period)
        squares = Ring(capacity: period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ bar: Bar) -> Output? {
        let x = bar.close
        squares.push(x * x)
        squareTotal += x * x
        guard let middle = average.update(close: x) else { return nil }
        var meanSquare = squareTotal / Double(period)
        squareTotal -= squares.oldest
        meanSquare -= middle * middle
        let deviation = meanSquare < 0.00000000000001 ? 0 : sqrt(meanSquare)
        let width = deviations == 1 ? deviation : deviation * deviations
        return Output(upper: middle + width, middle: middle, lower: middle - width)
    }
}
