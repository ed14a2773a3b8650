/// `cci`: enter when CCI crosses up through `lower` (CCI[t−1] < lower and CCI[t] ≥ lower); exit when
/// it crosses down through `upper` (CCI[t−1] > upper and CCI[t] ≤ upper).
public struct CCIStrategy: Strategy {
    public static let name = "cci"
    public static let parameters = [
        ParameterSpec("period", 20, 2...500), ParameterSpec("lower", -100, -500...0, integer: false),
        ParameterSpec("upper", 100, 0...500, integer: false),
    ]
    private var cci: CCI
    private let lower: Double
    private let upper: Double
    private var previous: Double?

    public init(parameters: [String: Double]) {
        cci = CCI(period: Int(parameters["period"]!))
        lower = parameters["lower"]!
        upper = parameters["upper"]!
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let now = cci.update(candle.bar)
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

    private var rsi: RSI
    private var macd: MACD
    private let entryMax: Double
    private let exitAbove: Double
    private var previous: MACD.Output?

    public init(parameters: [String: Double]) {
        rsi = RSI(period: Int(parameters["rsi"]!))
        macd = MACD(fast: Int(parameters["fast"]!), slow: Int(parameters["slow"]!), signal: Int(parameters["signal"]!))
        entryMax = parameters["rsi_entry_max"]!
        exitAbove = parameters["rsi_exit"]!
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let strength = rsi.update(candle.bar)
        let now = macd.update(candle.bar)
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
    private var bands: BollingerBands
    private var previousClose: Double?
    private var previousLower: Double?

    public init(parameters: [String: Double]) {
        bands = BollingerBands(period: Int(parameters["period"]!), deviations: parameters["stddev"]!)
    }

    public mutating func update(_ candle: Candle) -> Decision {
        let now = bands.update(candle.bar)
        defer {
            previousClose = candle.close
            previousLower = now?.lower
        }
        return Decision(
            enter: ge(previousClose, previousLower) && lt(candle.close, now?.lower),
            exit: gt(candle.close, now?.middle))
    }
}
