import Foundation
import Trading

/// One searched parameter: its range, and the step its values take (integers step by 1 unless told).
public struct SearchDimension: Sendable, Hashable, Codable {
    public var name: String
    public var low: Double
    public var high: Double
    /// nil: continuous (random, ga and bayes draw any value; grid takes 11 points).
    public var step: Double?

    public init(name: String, low: Double, high: Double, step: Double? = nil) {
        self.name = name
        self.low = low
        self.high = high
        self.step = step
    }

    /// The values a grid visits, low to high.
    public var gridValues: [Double] {
        guard let step, step > 0 else { return (0...10).map { low + (high - low) * Double($0) / 10 } }
        let count = Int(((high - low) / step + 1e-9).rounded(.down))
        return (0...count).map { quantised(low + Double($0) * step) }
    }

    /// On the step (counted from `low`) and inside the range.
    public func quantised(_ value: Double) -> Double {
        var x = min(max(value, low), high)
        if let step, step > 0 {
            x = low + ((x - low) / step).rounded() * step
            if x > high + 1e-9 { x -= step }
            // Whole steps from a whole low are whole: keep them exact for integer parameters.
            if step == step.rounded(), low == low.rounded() { x = x.rounded() }
        }
        return x
    }

    /// `NAME`, `NAME=LOW:HIGH` or `NAME=LOW:HIGH:STEP` (the `--param` text), with the strategy's
    /// declared bounds when no range is given and integer steps for integer parameters.
    public static func parse(_ text: String, strategy: String) throws -> SearchDimension {
        guard let specs = StrategyRegistry.parameters(of: strategy) else {
            throw SearchError("unknown strategy '\(strategy)'; expected one of: \(StrategyRegistry.names.joined(separator: ", "))")
        }
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.first, let spec = specs.first(where: { $0.name == name }) else {
            throw SearchError("\(strategy) has no parameter '\(parts.first ?? "")'; it has: \(specs.map(\.name).joined(separator: ", "))")
        }
        let defaultStep: Double? = spec.integer ? 1 : nil
        guard parts.count == 2 else { return SearchDimension(name: spec.name, low: spec.range.lowerBound, high: spec.range.upperBound, step: defaultStep) }
        let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard (2...3).contains(numbers.count), numbers.allSatisfy({ $0?.isFinite == true }) else {
            throw SearchError("expected \(spec.name)=LOW:HIGH or LOW:HIGH:STEP with numbers, found '\(text)'")
        }
        let (low, high) = (numbers[0]!, numbers[1]!)
        let step = numbers.count == 3 ? numbers[2]! : defaultStep
        guard low < high else { throw SearchError("\(spec.name): LOW must be below HIGH, found \(parts[1])") }
        guard spec.range.contains(low), spec.range.contains(high) else {
            throw SearchError("\(strategy).\(spec.name) is bounded to \(IndicatorSpec.shortest(spec.range.lowerBound))..\(IndicatorSpec.shortest(spec.range.upperBound)), found \(parts[1])")
        }
        if let step {
            guard step > 0 else { throw SearchError("\(spec.name): STEP must be above 0") }
            if spec.integer, step != step.rounded() || low != low.rounded() { throw SearchError("\(spec.name) is a whole number: LOW and STEP must be whole") }
        }
        return SearchDimension(name: spec.name, low: low, high: high, step: step)
    }
}

/// What is searched: some of a strategy's parameters, the others fixed (defaults or `--set`);
/// a point that breaks the strategy's own constraints (rsi_macd's fast < slow) is never tried.
public struct SearchSpace: Sendable {
    public var dimensions: [SearchDimension]
    public var fixed: [String: Double]
    /// Whether a full point is allowed (bounds and constraints).
    public var isValid: @Sendable ([String: Double]) -> Bool

    public init(dimensions: [SearchDimension], fixed: [String: Double] = [:], isValid: @escaping @Sendable ([String: Double]) -> Bool = { _ in true }) {
        self.dimensions = dimensions
        self.fixed = fixed
        self.isValid = isValid
    }

    /// A strategy's space: its constraints are the registry's.
    public static func strategy(_ name: String, dimensions: [SearchDimension], fixed: [String: Double]) -> SearchSpace {
        SearchSpace(dimensions: dimensions, fixed: fixed) { point in (try? StrategyRegistry.resolve(name, overrides: point)) != nil }
    }

    /// The full parameters of a searched point.
    public func point(_ values: [Double]) -> [String: Double] {
        var point = fixed
        for (dimension, value) in zip(dimensions, values) { point[dimension.name] = value }
        return point
    }

    /// Every grid point in order (the last dimension fastest), invalid ones left out.
    public var grid: [[Double]] {
        var points: [[Double]] = [[]]
        for dimension in dimensions {
            let values = dimension.gridValues
            points = points.flatMap { prefix in values.map { prefix + [$0] } }
        }
        return points.filter { isValid(point($0)) }
    }

    /// A uniform draw, quantised.
    func draw(using generator: inout SplitMix64) -> [Double] {
        dimensions.map { $0.quantised($0.low + (($0.high - $0.low) + ($0.step ?? 0)) * generator.unit() - ($0.step ?? 0) / 2) }
    }

    /// A valid uniform draw (nil after many invalid ones: the constraints leave almost nothing).
    func drawValid(using generator: inout SplitMix64) -> [Double]? {
        for _ in 0..<1000 {
            let values = draw(using: &generator)
            if isValid(point(values)) { return values }
        }
        return nil
    }
}

public struct SearchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
