/// `cci`: enter when CCI crosses up through `lower` (CCI[t−1] < lower and CCI[t] ≥ lower); exit when
/// it crosses down through `upper` (CCI[t−1] > upper and CCI[t] ≤ upper).
public struct CCIStrategy: Strategy {
    public static let name = "cci"
    public static let parameters = [
        ParameterSpec("period", 20, 2...500), ParameterSpec("lower", -100, -500...0, integer: false),
        ParameterSpec("upper", 100, 0...500, integer: false),
    ]
    private var cci: IndicatorFeed<CCI>
    private let lower: Double
    private let upper: Double
    private var previous: Double?

    public init(parameters: [String: Double]) { self.init(parameters: parameters, tapes: nil) }

    public init(parameters: [String: Double], tapes: MarketTapes?) {
        let period = Int(parameters["period"]!)
        cci = tapes?.feed(CCI(period: period), key: "cci(\(period))") ?? IndicatorFeed(CCI(period: period))
        lower = parameters["lower"]!
        upper = parameters["upper"]!
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let now = cci.update(candle)
        defer { previous = now }
        return Decision(
            enter: lt(previous, lower) && ge(now, lower),
            exit: gt(previous, upper) && le(now, upper))
    }
}

/// `rsi_macd`: enter when MACD crosses above its signal (MACD[t−1] ≤ signal[t−1] and MACD[t] >
/// signal[t]) while RSI[t] < `rsi_entry_max`; exit when it crosses below (MACD[t−1] ≥ signal[t−1]
/// and MACD[t] < signal[t]) or RSI[t] > `rsi_exit`.
public struct RSIMACDStrategy: Strategy {
    public static let name = "rsi_macd"
    public static let parameters = [
        ParameterSpec("rsi", 14, 2...200), ParameterSpec("fast", 12, 2...200), ParameterSpec("slow", 26, 3...400),
        ParameterSpec("signal", 9, 1...200), ParameterSpec("rsi_entry_max", 70, 0...100, integer: false),
        ParameterSpec("rsi_exit", 80, 0...100, integer: false),
    ]
    public static func conflict(in values: [String: Double]) -> String? {
        values["fast"]! >= values["slow"]! ? "rsi_macd.fast must be below rsi_macd.slow" : nil
    }

    private var rsi: IndicatorFeed<RSI>
    private var macd: IndicatorFeed<MACD>
    private let entryMax: Double
    private let exitAbove: Double
    private var previous: MACD.Output?

    public init(parameters: [String: Double]) { self.init(parameters: parameters, tapes: nil) }

    public init(parameters: [String: Double], tapes: MarketTapes?) {
        let period = Int(parameters["rsi"]!)
        let (fast, slow, signal) = (Int(parameters["fast"]!), Int(parameters["slow"]!), Int(parameters["signal"]!))
        rsi = tapes?.feed(RSI(period: period), key: "rsi(\(period))") ?? IndicatorFeed(RSI(period: period))
        let macd = MACD(fast: fast, slow: slow, signal: signal)
        self.macd = tapes?.feed(macd, key: "macd(\(fast),\(slow),\(signal))") ?? IndicatorFeed(macd)
        entryMax = parameters["rsi_entry_max"]!
        exitAbove = parameters["rsi_exit"]!
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let strength = rsi.update(candle)
        let now = macd.update(candle)
        defer { previous = now }
        let crossUp = le(previous?.macd, previous?.signal) && gt(now?.macd, now?.signal)
        let crossDown = ge(previous?.macd, previous?.signal) && lt(now?.macd, now?.signal)
        return Decision(enter: crossUp && lt(strength, entryMax), exit: crossDown || gt(strength, exitAbove))
    }
}

/// `bollinger`: enter when the close falls through the lower band (close[t−1] ≥ lower[t−1] and
/// close[t] < lower[t]); exit when the close is above the middle band (close[t] > middle[t]).
public struct BollingerStrategy: Strategy {
    public static let name = "bollinger"
    public static let parameters = [ParameterSpec("period", 20, 2...500), ParameterSpec("stddev", 2, 0.1...10, integer: false)]
    private var bands: IndicatorFeed<BollingerBands>
    private var previousClose: Double?
    private var previousLower: Double?

    public init(parameters: [String: Double]) { self.init(parameters: parameters, tapes: nil) }

    public init(parameters: [String: Double], tapes: MarketTapes?) {
        let (period, deviations) = (Int(parameters["period"]!), parameters["stddev"]!)
        let bands = BollingerBands(period: period, deviations: deviations)
        // The deviations in full (bit pattern): two nearby values are two series.
        self.bands = tapes?.feed(bands, key: "bbands(\(period),\(deviations.bitPattern))") ?? IndicatorFeed(bands)
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let now = bands.update(candle)
        defer {
            previousClose = candle.close
            previousLower = now?.lower
        }
        return Decision(
            enter: ge(previousClose, previousLower) && lt(candle.close, now?.lower),
            exit: gt(candle.close, now?.middle))
    }
}
