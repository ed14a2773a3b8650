/// The functions of Warden's PromQL subset, with their argument and result types.
public enum Function: String, Sendable, CaseIterable {
    case rate, irate, increase, delta, deriv, changes, resets
    case avgOverTime = "avg_over_time", minOverTime = "min_over_time", maxOverTime = "max_over_time"
    case sumOverTime = "sum_over_time", countOverTime = "count_over_time", lastOverTime = "last_over_time"
    case absent, absentOverTime = "absent_over_time", time
    case clampMin = "clamp_min", clampMax = "clamp_max", abs
    case histogramQuantile = "histogram_quantile"
    case vector, scalar

    var arguments: [ValueType] {
        switch self {
        case .rate, .irate, .increase, .delta, .deriv, .changes, .resets, .avgOverTime, .minOverTime, .maxOverTime,
            .sumOverTime, .countOverTime, .lastOverTime, .absentOverTime:
            [.matrix]
        case .absent, .abs, .scalar: [.vector]
        case .time: []
        case .clampMin, .clampMax: [.vector, .scalar]
        case .histogramQuantile: [.scalar, .vector]
        case .vector: [.scalar]
        }
    }

    var returns: ValueType {
        switch self {
        case .time, .scalar: .scalar
        default: .vector
        }
    }

    /// Functions whose output keeps the input series' metric name.
    var keepsMetricName: Bool { self == .lastOverTime }

    /// Prometheus functions deliberately left out, so their use gets a precise message.
    static let outsideSubset: Set<String> = [
        "abs_over_time", "acos", "asin", "atan", "avg", "ceil", "clamp", "count_values", "day_of_month", "day_of_week",
        "day_of_year", "days_in_month", "exp", "floor", "group", "histogram_count", "histogram_fraction",
        "histogram_sum", "holt_winters", "hour", "idelta", "label_join", "label_replace", "ln", "log10", "log2",
        "mad_over_time", "minute", "month", "predict_linear", "present_over_time", "quantile", "quantile_over_time",
        "round", "sgn", "sort", "sort_desc", "sqrt", "stddev", "stddev_over_time", "stdvar", "stdvar_over_time",
        "timestamp", "year", "sin", "cos", "tan", "deg", "rad", "pi",
    ]
}
