/// An indicator named on the command line: `rsi:14`, `macd:12:26:9`, `bbands:20:2`, `cci:20`,
/// `atr:14`, `ema:50`, `sma:20`. Parameters may be left out for the defaults.
public enum IndicatorSpec: Sendable, Hashable, CustomStringConvertible {
    case sma(Int)
    case ema(Int)
    case rsi(Int)
    case macd(fast: Int, slow: Int, signal: Int)
    case bollinger(period: Int, deviations: Double)
    case cci(Int)
    case atr(Int)

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public static let names = ["sma", "ema", "rsi", "macd", "bbands", "cci", "atr"]

    public init(parsing text: String) throws(ParseError) {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let arguments = Array(parts.dropFirst())
        func integer(_ index: Int, _ fallback: Int, min: Int) throws(ParseError) -> Int {
            guard index < arguments.count else { return fallback }
            guard let value = Int(arguments[index]), value >= min, value <= 100_000 else {
                throw ParseError(description: "'\(text)': parameter \(index + 1) must be a whole number from \(min) to 100000, found '\(arguments[index])'")
            }
            return value
        }
        func expectAtMost(_ count: Int, _ form: String) throws(ParseError) {
            if arguments.count > count { throw ParseError(description: "'\(text)': too many parameters; expected \(form)") }
        }
        switch name {
        case "sma": try expectAtMost(1, "sma:PERIOD"); self = .sma(try integer(0, 20, min: 1))
        case "ema": try expectAtMost(1, "ema:PERIOD"); self = .ema(try integer(0, 20, min: 1))
        case "rsi": try expectAtMost(1, "rsi:PERIOD"); self = .rsi(try integer(0, 14, min: 2))
        case "cci": try expectAtMost(1, "cci:PERIOD"); self = .cci(try integer(0, 20, min: 2))
        case "atr": try expectAtMost(1, "atr:PERIOD"); self = .atr(try integer(0, 14, min: 1))
        case "macd":
            try expectAtMost(3, "macd:FAST:SLOW:SIGNAL")
            self = .macd(fast: try integer(0, 12, min: 2), slow: try integer(1, 26, min: 2), signal: try integer(2, 9, min: 1))
        case "bbands", "bollinger":
            try expectAtMost(2, "bbands:PERIOD:DEVIATIONS")
            let period = try integer(0, 20, min: 2)
            var deviations = 2.0
            if arguments.count > 1 {
                guard let value = Double(arguments[1]), value > 0, value <= 100 else {
                    throw ParseError(description: "'\(text)': deviations must be a number above 0, found '\(arguments[1])'")
                }
                deviations = value
            }
            self = .bollinger(period: period, deviations: deviations)
        default:
            throw ParseError(description: "unknown indicator '\(name)'; expected one of: \(Self.names.joined(separator: ", "))")
        }
    }

    public var description: String { columns.joined(separator: ",") }

    /// Output column names, as TA-Lib's outputs are named.
    public var columns: [String] {
        switch self {
        case .sma(let n): ["sma_\(n)"]
        case .ema(let n): ["ema_\(n)"]
        case .rsi(let n): ["rsi_\(n)"]
        case .cci(let n): ["cci_\(n)"]
        case .atr(let n): ["atr_\(n)"]
        case .macd(let f, let s, let g): ["macd_\(f)_\(s)_\(g)", "macdsignal_\(f)_\(s)_\(g)", "macdhist_\(f)_\(s)_\(g)"]
        case .bollinger(let n, let k):
            ["bbupper", "bbmiddle", "bblower"].map { "\($0)_\(n)_\(Self.shortest(k))" }
        }
    }

    /// Runs the indicator over `bars`: one array per column, nil in the warm-up.
    public func compute(_ bars: [Bar]) -> [[Double?]] {
        switch self {
        case .sma(let n): return [SMA.batch(bars) { SMA(period: n) }]
        case .ema(let n): return [EMA.batch(bars) { EMA(period: n) }]
        case .rsi(let n): return [RSI.batch(bars) { RSI(period: n) }]
        case .cci(let n): return [CCI.batch(bars) { CCI(period: n) }]
        case .atr(let n): return [ATR.batch(bars) { ATR(period: n) }]
        case .macd(let f, let s, let g):
            let out = MACD.batch(bars) { MACD(fast: f, slow: s, signal: g) }
            return [out.map { $0?.macd }, out.map { $0?.signal }, out.map { $0?.histogram }]
        case .bollinger(let n, let k):
            let out = BollingerBands.batch(bars) { BollingerBands(period: n, deviations: k) }
            return [out.map { $0?.upper }, out.map { $0?.middle }, out.map { $0?.lower }]
        }
    }

    /// `2` for 2.0, `2.5` for 2.5: Swift's shortest round-trip form without a useless `.0`.
    public static func shortest(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
