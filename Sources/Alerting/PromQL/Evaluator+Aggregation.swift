extension Evaluator {
    /// sum, avg, min, max and count produce one sample per group; topk and bottomk keep the
    /// chosen input samples whole.
    static func aggregate(_ op: AggregationOperator, _ parameter: Double?, _ samples: [Sample], grouping: Set<String>, without: Bool) -> [Sample] {
        func groupLabels(_ labels: Labels) -> Labels {
            without ? labels.removing(grouping.union([Labels.metricName])) : labels.keeping(grouping)
        }
        var groups: [Labels: [Sample]] = [:]
        var order: [Labels] = []
        for sample in samples {
            let key = groupLabels(sample.labels)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(sample)
        }
        switch op {
        case .topk, .bottomk:
            let k = Int(Swift.min(parameter ?? 0, Double(Int32.max)))
            guard k >= 1 else { return [] }
            return order.flatMap { key in
                // NaN sorts last either way, as in Prometheus.
                groups[key]!.sorted { a, b in
                    if a.value.isNaN { return false }
                    if b.value.isNaN { return true }
                    return op == .topk ? a.value > b.value : a.value < b.value
                }.prefix(k)
            }
        default:
            return order.map { key in
                let values = groups[key]!.map(\.value)
                return Sample(key, reduce(op, values))
            }
        }
    }

    private static func reduce(_ op: AggregationOperator, _ values: [Double]) -> Double {
        switch op {
        case .sum: return values.dropFirst().reduce(values[0], +)
        case .count: return Double(values.count)
        case .min: return values.dropFirst().reduce(values[0]) { $0 > $1 || $0.isNaN ? $1 : $0 }
        case .max: return values.dropFirst().reduce(values[0]) { $0 < $1 || $0.isNaN ? $1 : $0 }
        case .avg:
            var mean = values[0]
            var count = 1.0
            for value in values.dropFirst() {
                count += 1
                if mean.isInfinite {
                    if value.isInfinite && (mean > 0) == (value > 0) { continue }
                    if !value.isInfinite && !value.isNaN { continue }
                }
                // Each side divided by the count first, so large values do not overflow.
                mean += value / count - mean / count
            }
            return mean
        case .topk, .bottomk: return .nan
        }
    }
}
