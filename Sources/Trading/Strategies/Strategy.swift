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
    /// A constraint between parameters (each is already within its bounds), or nil when they agree.
    static func conflict(in values: [String: Double]) -> String?
    init(parameters: [String: Double])
    /// The same, reading its indicators from series shared with other strategies on the same
    /// candles where `tapes` holds them (an optimiser's trials).
    init(parameters: [String: Double], tapes: MarketTapes?)
    mutating func update(_ candle: Candle) -> Decision
}

extension Strategy {
    public static func conflict(in values: [String: Double]) -> String? { nil }
    public init(parameters: [String: Double], tapes: MarketTapes?) { self.init(parameters: parameters) }
}

/// Every strategy Warden runs: one line each. Nothing else lists strategy names.
public enum StrategyRegistry {
    public static let all: [any Strategy.Type] = [CCIStrategy.self, RSIMACDStrategy.self, BollingerStrategy.self]

    public static var names: [String] { all.map { $0.name } }

    public struct ParameterError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func type(named name: String) -> (any Strategy.Type)? { all.first { $0.name == name } }

    public static func parameters(of name: String) -> [ParameterSpec]? { type(named: name)?.parameters }

    /// Defaults with `overrides` applied, every value checked against its bounds.
    public static func resolve(_ name: String, overrides: [String: Double]) throws(ParameterError) -> [String: Double] {
        guard let kind = type(named: name) else {
            throw ParameterError(description: "unknown strategy '\(name)'; expected one of: \(names.joined(separator: ", "))")
        }
        let specs = kind.parameters
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
        if let conflict = kind.conflict(in: values) { throw ParameterError(description: conflict) }
        return values
    }

    public static func make(_ name: String, overrides: [String: Double], tapes: MarketTapes? = nil) throws(ParameterError) -> any Strategy {
        let values = try resolve(name, overrides: overrides)
        return type(named: name)!.init(parameters: values, tapes: tapes)
    }
}

/// `a < b` that is false when either side is undefined.
@inline(__always) func lt(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a < b }
@inline(__always) func le(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a <= b }
@inline(__always) func gt(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a > b }
@inline(__always) func ge(_ a: Double?, _ b: Double?) -> Bool { guard let a, let b else { return false }; return a >= b }
