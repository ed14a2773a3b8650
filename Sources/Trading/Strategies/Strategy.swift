/// What a strategy wants after a bar closes.
public struct Decision: Sendable, Hashable {
    /// Open a long position (ignored when one is open).
    public var enter: Bool
    /// Close the open position (ignored when flat).
    public var exit: Bool

    public static let none = Decision(enter: false, exit: false)
}

/// A tunable parameter: default and bounds (the optimiser searches within them).
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var defaultValue: Double
    public var range: ClosedRange<Double>
    public var integer: Bool

    public init(_ name: String, _ defaultValue: Double, _ range: ClosedRange<Double>, integer: Bool = true) {
        self.name = name
        self.defaultValue = defaultValue
        self.range = range
        self.integer = integer
    }
}

/// A trading rule evaluated once per closed bar, from indicator values at t and t−1 only (no
/// look-ahead); a comparison involving an undefined (warm-up) value is false.
public protocol Strategy: Sendable {
    static var name: String { get }
    static var parameters: [ParameterSpec] { get }
    init(parameters: [String: Double])
    mutating func update(_ candle: Candle) -> Decision
}

public enum StrategyCatalog {
    public static let names = [CCIStrategy.name, RSIMACDStrategy.name, BollingerStrategy.name]

    public struct ParameterError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parameters(of name: String) -> [ParameterSpec]? {
        switch name {
        case CCIStrategy.name: CCIStrategy.parameters
        case RSIMACDStrategy.name: RSIMACDStrategy.parameters
        case BollingerStrategy.name: BollingerStrategy.parameters
        default: nil
        }
    }

    /// Defaults with `overrides` applied, every value checked against its bounds.
    public static func resolve(_ name: String, overrides: [String: Double]) throws -> [String: Double] {
        guard let specs = parameters(of: name) else {
            throw ParameterError(description: "unknown strategy '\(name)'; expected one of: \(names.joined(separator: ", "))")
        }
        var values: [String: Double] = [:]
        for spec in specs { values[spec.name] = spec.defaultValue }
        for key in overrides.keys.sorted() {
            let value = overrides[key]!
            guard let spec = specs.first(where: { $0.name == key }) else {
                throw ParameterError(description: "strategy '\(name)' has no parameter '\(key)'; it has: \(specs.map(\.name).joined(separator: ", "))")
            }
            guard spec.range.contains(value), !spec.integer || value == value.rounded() else {
                let kind = spec.integer ? "a whole number" : "a number"
                let low = IndicatorSpec.shortest(spec.range.lowerBound)
                let high = IndicatorSpec.shortest(spec.range.upperBound)
                throw ParameterError(description: "\(name).\(key) must be \(kind) from \(low) to \(high), found \(IndicatorSpec.shortest(value))")
            }
            values[key] = value
        }
        if name == RSIMACDStrategy.name, let fast = values["fast"], let slow = values["slow"], fast >= slow {
            throw ParameterError(description: "rsi_macd.fast must be below rsi_macd.slow")
        }
        return values
    }

    public static func make(_ name: String, overrides: [String: Double]) throws -> any Strategy {
        let values = try resolve(name, overrides: overrides)
        switch name {
        case CCIStrategy.name: return CCIStrategy(parameters: values)
        case RSIMACDStrategy.name: return RSIMACDStrategy(parameters: values)
        default: return BollingerStrategy(parameters: values)
        }
    }
}

/// `a < b` that is false when either side is undefined.
@inline(__always) func lt(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a < b }
@inline(__always) func le(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a <= b }
@inline(__always) func gt(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a > b }
@inline(__always) func ge(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a >= b }
