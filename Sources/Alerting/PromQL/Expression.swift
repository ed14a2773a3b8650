/// The value types of PromQL.
public enum ValueType: String, Sendable {
    case scalar, vector = "instant vector", matrix = "range vector", string
}

/// `name{matchers}` with an optional `offset`.
public struct VectorSelector: Sendable, Hashable {
    public var matchers: [LabelMatcher]
    /// Milliseconds to look back from the evaluation time.
    public var offset: Int64

    /// The equality matchers' labels: what `absent()` reports for a selector that matches nothing.
    public var absentLabels: Labels {
        var seen = Set<String>()
        var duplicated = Set<String>()
        for matcher in matchers where !seen.insert(matcher.name).inserted { duplicated.insert(matcher.name) }
        return Labels(matchers.filter { $0.kind == .equal && $0.name != Labels.metricName && !duplicated.contains($0.name) }
            .map { Label($0.name, $0.value) })
    }
}

public enum AggregationOperator: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, topk, bottomk
}

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "^"
    case equal = "==", notEqual = "!=", greater = ">", less = "<", greaterOrEqual = ">=", lessOrEqual = "<="
    case and, or, unless

    var isComparison: Bool {
        [.equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual].contains(self)
    }

    var isSetOperator: Bool { [.and, .or, .unless].contains(self) }

    var precedence: Int {
        switch self {
        case .or: 1
        case .and, .unless: 2
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: 3
        case .add, .subtract: 4
        case .multiply, .divide, .modulo: 5
        case .power: 6
        }
    }
}

/// How two vectors' elements are paired: `on`/`ignoring`, and `group_left`/`group_right`.
public struct VectorMatching: Sendable, Hashable {
    public enum Cardinality: Sendable, Hashable { case oneToOne, manyToOne, oneToMany }
    public var cardinality: Cardinality = .oneToOne
    /// The labels named by `on(...)` (when `on` is true) or `ignoring(...)`.
    public var labels: [String] = []
    public var on = false
    /// Labels copied from the "one" side by `group_left(...)`/`group_right(...)`.
    public var include: [String] = []
}

public indirect enum Expression: Sendable, Hashable {
    case number(Double)
    case string(String)
    case vector(VectorSelector)
    case matrix(VectorSelector, range: Int64)
    case call(Function, [Expression])
    case aggregate(AggregationOperator, parameter: Expression?, Expression, grouping: [String], without: Bool)
    case binary(BinaryOperator, Expression, Expression, returnBool: Bool, matching: VectorMatching)
    case negate(Expression)

    public var type: ValueType {
        switch self {
        case .number: .scalar
        case .string: .string
        case .vector, .aggregate: .vector
        case .negate(let inner): inner.type
        case .matrix: .matrix
        case .call(let function, _): function.returns
        case .binary(_, let lhs, let rhs, _, _): lhs.type == .scalar && rhs.type == .scalar ? .scalar : .vector
        }
    }
}
