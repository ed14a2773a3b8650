import Foundation

extension Evaluator {
    static func arithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double? {
        switch op {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .modulo: fmod(a, b)
        case .power: pow(a, b)
        default: nil
        }
    }

    /// The value to output and whether to keep the element: arithmetic always keeps; a
    /// comparison keeps the left value when it holds.
    static func elementOperation(_ op: BinaryOperator, _ a: Double, _ b: Double) -> (Double, Bool) {
        if let value = arithmetic(op, a, b) { return (value, true) }
        let holds = switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .greater: a > b
        case .less: a < b
        case .greaterOrEqual: a >= b
        case .lessOrEqual: a <= b
        default: false
        }
        return (a, holds)
    }

    func binary(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value, returnBool: Bool, matching: VectorMatching) throws(PromQLError) -> Value {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)):
            let (value, holds) = Self.elementOperation(op, a, b)
            return .scalar(op.isComparison ? (holds ? 1 : 0) : value)
        case (.vector(let samples), .scalar(let b)):
            return .vector(Self.vectorScalar(op, samples, b, scalarOnLeft: false, returnBool: returnBool))
        case (.scalar(let a), .vector(let samples)):
            return .vector(Self.vectorScalar(op, samples, a, scalarOnLeft: true, returnBool: returnBool))
        case (.vector(let left), .vector(let right)):
            switch op {
            case .and, .or, .unless: return .vector(Self.setOperation(op, left, right, matching: matching))
            default: return .vector(try Self.vectorVector(op, left, right, returnBool: returnBool, matching: matching))
            }
        default:
            throw PromQLError("binary \(op.rawValue) needs scalars or instant vectors")
        }
    }

    private static func dropsName(_ op: BinaryOperator, returnBool: Bool) -> Bool { !op.isComparison || returnBool }

    static func vectorScalar(_ op: BinaryOperator, _ samples: [Sample], _ scalar: Double, scalarOnLeft: Bool, returnBool: Bool) -> [Sample] {
        samples.compactMap { sample in
            var (value, keep) = scalarOnLeft ? elementOperation(op, scalar, sample.value) : elementOperation(op, sample.value, scalar)
            // A comparison with the scalar on the left still outputs the vector's value.
            if op.isComparison && scalarOnLeft { value = sample.value }
            if returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { return nil }
            return Sample(dropsName(op, returnBool: returnBool) ? sample.labels.withoutName : sample.labels, value)
        }
    }

    /// The labels two elements must agree on; `names` is `on`'s list, or `ignoring`'s plus the metric name.
    static func signature(_ labels: Labels, _ matching: VectorMatching, _ names: Set<String>) -> Labels {
        matching.on ? labels.keeping(names) : labels.removing(names)
    }

    static func signatureNames(_ matching: VectorMatching) -> Set<String> {
        matching.on ? Set(matching.labels) : Set(matching.labels).union([Labels.metricName])
    }

    static func setOperation(_ op: BinaryOperator, _ left: [Sample], _ right: [Sample], matching: VectorMatching) -> [Sample] {
        let names = signatureNames(matching)
        func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels { Self.signature(labels, matching, names) }
        let rightSignatures = Set(right.map { signature($0.labels, matching) })
        switch op {
        case .and: return left.filter { rightSignatures.contains(signature($0.labels, matching)) }
        case .unless: return left.filter { !rightSignatures.contains(signature($0.labels, matching)) }
        default:
            let leftSignatures = Set(left.map { signature($0.labels, matching) })
            return left + right.filter { !leftSignatures.contains(signature($0.labels, matching)) }
        }
    }

    static func vectorVector(_ op: BinaryOperator, _ left: [Sample], _ right: [Sample], returnBool: Bool, matching: VectorMatching) throws(PromQLError) -> [Sample] {
        // The "one" side is indexed; for group_right the sides swap roles.
        let names = signatureNames(matching)
        func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels { Self.signature(labels, matching, names) }
        let swapped = matching.cardinality == .oneToMany
        let many = swapped ? right : left
        let one = swapped ? left : right
        var oneBySignature: [Labels: Sample] = [:]
        for sample in one {
            let key = signature(sample.labels, matching)
            if oneBySignature.updateValue(sample, forKey: key) != nil {
                let side = swapped ? "left" : "right"
                throw PromQLError("found duplicate series for the match group \(key) on the \(side) hand-side of the operation: many-to-many matching not allowed: matching labels must be unique on one side")
            }
        }
        let listed = Set(matching.labels)
        var matchedOnce = Set<Labels>()
        var outputs = Set<Labels>()
        var result: [Sample] = []
        for sample in many {
            let key = signature(sample.labels, matching)
            guard let partner = oneBySignature[key] else { continue }
            if matching.cardinality == .oneToOne, !matchedOnce.insert(key).inserted {
                throw PromQLError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
            }
            let (a, b) = swapped ? (partner.value, sample.value) : (sample.value, partner.value)
            var (value, keep) = elementOperation(op, a, b)
            if returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            var labels = resultLabels(sample.labels, partner.labels, op, matching, listed)
            if returnBool { labels = labels.withoutName }
            if matching.cardinality != .oneToOne, !outputs.insert(labels).inserted {
                throw PromQLError("multiple matches for labels: grouping labels must ensure unique matches")
            }
            result.append(Sample(labels, value))
        }
        return result
    }

    private static func resultLabels(_ many: Labels, _ one: Labels, _ op: BinaryOperator, _ matching: VectorMatching, _ listed: Set<String>) -> Labels {
        var labels = op.isComparison ? many : many.withoutName
        if matching.cardinality == .oneToOne && !(matching.labels.isEmpty && !matching.on) {
            labels = matching.on ? labels.keeping(listed) : labels.removing(listed)
        }
        for name in matching.include {
            labels = labels.setting(name, to: one[name] ?? "")
        }
        return labels
    }
}
