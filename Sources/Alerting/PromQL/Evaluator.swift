import Foundation

/// Evaluates an expression at one instant with Prometheus 2.x semantics: an instant selector sees
/// the newest sample of the last 5 minutes unless it is a staleness marker; range selectors take
/// the closed interval [t − range, t]; `offset` shifts both.
public struct Evaluator {
    public var source: any SeriesSource
    public var lookback: Int64 = 300_000

    public init(source: any SeriesSource) { self.source = source }

    /// Evaluates at `time` (Unix milliseconds). `checkDuplicates: false` is for callers that check
    /// the result's label sets themselves (the rule engine does, after adding rule labels).
    public func evaluate(_ expression: Expression, at time: Int64, checkDuplicates: Bool = true) throws(PromQLError) -> Value {
        let value = try eval(expression, time)
        if checkDuplicates, case .vector(let samples) = value {
            var seen = Set<Labels>()
            for sample in samples where !seen.insert(sample.labels).inserted {
                throw PromQLError("vector cannot contain metrics with the same labelset: \(sample.labels)")
            }
        }
        return value
    }

    func eval(_ expression: Expression, _ time: Int64) throws(PromQLError) -> Value {
        switch expression {
        case .number(let value): return .scalar(value)
        case .string(let text): return .string(text)
        case .vector(let selector): return .vector(instant(selector, time))
        case .matrix(let selector, let range): return .matrix(ranged(selector, range: range, time))
        case .negate(let inner):
            switch try eval(inner, time) {
            case .scalar(let value): return .scalar(-value)
            case .vector(let samples): return .vector(samples.map { Sample($0.labels.withoutName, -$0.value) })
            default: throw PromQLError("unary minus needs a scalar or an instant vector")
            }
        case .call(let function, let arguments):
            return try call(function, arguments, time)
        case .aggregate(let op, let parameter, let operand, let grouping, let without):
            let parameterValue = try parameter.map { p throws(PromQLError) in try scalar(p, time) }
            return .vector(Self.aggregate(op, parameterValue, try vector(operand, time), grouping: Set(grouping), without: without))
        case .binary(let op, let lhs, let rhs, let returnBool, let matching):
            return try binary(op, try eval(lhs, time), try eval(rhs, time), returnBool: returnBool, matching: matching)
        }
    }

    func vector(_ expression: Expression, _ time: Int64) throws(PromQLError) -> [Sample] {
        guard case .vector(let samples) = try eval(expression, time) else { throw PromQLError("expected an instant vector") }
        return samples
    }

    func scalar(_ expression: Expression, _ time: Int64) throws(PromQLError) -> Double {
        guard case .scalar(let value) = try eval(expression, time) else { throw PromQLError("expected a scalar") }
        return value
    }

    // MARK: Selectors

    func instant(_ selector: VectorSelector, _ time: Int64) -> [Sample] {
        let reference = time - selector.offset
        return source.latest(selector.matchers, from: reference - lookback, through: reference)
    }

    func ranged(_ selector: VectorSelector, range: Int64, _ time: Int64) -> [RangeSeries] {
        let reference = time - selector.offset
        return source.select(selector.matchers, from: reference - range, through: reference).compactMap { series in
            guard series.points.contains(where: \.isStale) else { return series }
            let points = series.points.filter { !$0.isStale }
            return points.isEmpty ? nil : RangeSeries(labels: series.labels, points: points[...])
        }
    }
}
