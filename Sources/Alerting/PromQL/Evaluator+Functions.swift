import Foundation

extension Evaluator {
    func call(_ function: Function, _ arguments: [Expression], _ time: Int64) throws(PromQLError) -> Value {
        switch function {
        case .time:
            return .scalar(Double(time) / 1000)
        case .vector:
            return .vector([Sample(Labels(), try scalar(arguments[0], time))])
        case .scalar:
            let samples = try vector(arguments[0], time)
            return .scalar(samples.count == 1 ? samples[0].value : .nan)
        case .abs:
            return .vector(try vector(arguments[0], time).map { Sample($0.labels.withoutName, Swift.abs($0.value)) })
        case .clampMin, .clampMax:
            let bound = try scalar(arguments[1], time)
            return .vector(try vector(arguments[0], time).map { sample in
                let value = sample.value.isNaN || bound.isNaN ? Double.nan
                    : function == .clampMin ? Swift.max(sample.value, bound) : Swift.min(sample.value, bound)
                return Sample(sample.labels.withoutName, value)
            })
        case .absent:
            guard try vector(arguments[0], time).isEmpty else { return .vector([]) }
            return .vector([Sample(Self.absentLabels(arguments[0]), 1)])
        case .absentOverTime:
            guard case .matrix(let series) = try eval(arguments[0], time), series.isEmpty else { return .vector([]) }
            return .vector([Sample(Self.absentLabels(arguments[0]), 1)])
        case .histogramQuantile:
            return .vector(Self.histogramQuantile(try scalar(arguments[0], time), try vector(arguments[1], time)))
        default:
            guard case .matrix(let selector, let range) = arguments[0],
                case .matrix(let series) = try eval(arguments[0], time)
            else { throw PromQLError("\(function.rawValue) needs a range vector selector") }
            let rangeEnd = time - selector.offset
            return .vector(series.compactMap { series in
                let points = series.points
                let value: Double? = switch function {
                case .rate: Self.extrapolatedDelta(points, rangeStart: rangeEnd - range, rangeEnd: rangeEnd, counter: true, perSecond: range)
                case .increase: Self.extrapolatedDelta(points, rangeStart: rangeEnd - range, rangeEnd: rangeEnd, counter: true, perSecond: nil)
                case .delta: Self.extrapolatedDelta(points, rangeStart: rangeEnd - range, rangeEnd: rangeEnd, counter: false, perSecond: nil)
                case .irate: Self.instantRate(points)
                case .deriv: points.count < 2 ? nil : Self.slope(points)
                case .changes: Double(zip(points, points.dropFirst()).filter { a, b in a.value != b.value && !(a.value.isNaN && b.value.isNaN) }.count)
                case .resets: Double(zip(points, points.dropFirst()).filter { a, b in b.value < a.value }.count)
                case .avgOverTime: Self.mean(points.map(\.value))
                case .sumOverTime: Self.kahanSum(points.map(\.value))
                case .countOverTime: Double(points.count)
                case .minOverTime: points.dropFirst().reduce(points.first!.value) { $1.value < $0 || $0.isNaN ? $1.value : $0 }
                case .maxOverTime: points.dropFirst().reduce(points.first!.value) { $1.value > $0 || $0.isNaN ? $1.value : $0 }
                case .lastOverTime: points.last!.value
                default: nil
                }
                guard let value else { return nil }
                return Sample(function.keepsMetricName ? series.labels : series.labels.withoutName, value)
            })
        }
    }

    static func absentLabels(_ argument: Expression) -> Labels {
        switch argument {
        case .vector(let selector), .matrix(let selector, _): selector.absentLabels
        default: Labels()
        }
    }

    /// rate, increase and delta as Prometheus 2.x computes them: the change between the first and
    /// last sample (counter resets added back), extrapolated towards the range's edges when the
    /// samples reach close to them, never below a counter's zero point.
    static func extrapolatedDelta(_ points: ArraySlice<Point>, rangeStart: Int64, rangeEnd: Int64, counter: Bool, perSecond range: Int64?) -> Double? {
        guard points.count >= 2, let first = points.first, let last = points.last else { return nil }
        var result = last.value - first.value
        if counter {
            var previous = 0.0
            for point in points {
                if point.value < previous { result += previous }
                previous = point.value
            }
        }
        var durationToStart = Double(first.time - rangeStart) / 1000
        let durationToEnd = Double(rangeEnd - last.time) / 1000
        let sampledInterval = Double(last.time - first.time) / 1000
        let averageInterval = sampledInterval / Double(points.count - 1)
        if counter && result > 0 && first.value >= 0 {
            let durationToZero = sampledInterval * (first.value / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = averageInterval * 1.1
        var interval = sampledInterval
        interval += durationToStart < threshold ? durationToStart : averageInterval / 2
        interval += durationToEnd < threshold ? durationToEnd : averageInterval / 2
        var factor = interval / sampledInterval
        if let range { factor /= Double(range) / 1000 }
        return result * factor
    }

    static func instantRate(_ points: ArraySlice<Point>) -> Double? {
        guard points.count >= 2 else { return nil }
        let last = points[points.endIndex - 1], previous = points[points.endIndex - 2]
        let interval = last.time - previous.time
        guard interval > 0 else { return nil }
        let change = last.value < previous.value ? last.value : last.value - previous.value
        return change / (Double(interval) / 1000)
    }

    /// Least-squares slope per second, with the intercept at the first sample (Kahan sums).
    static func slope(_ points: ArraySlice<Point>) -> Double {
        let first = points.first!
        let origin = first.time
        if points.allSatisfy({ $0.value == first.value }) { return first.value.isInfinite ? .nan : 0 }
        var sumX = KahanSum(), sumY = KahanSum(), sumXY = KahanSum(), sumX2 = KahanSum()
        for point in points {
            let x = Double(point.time - origin) / 1000
            sumX.add(x)
            sumY.add(point.value)
            sumXY.add(x * point.value)
            sumX2.add(x * x)
        }
        let n = Double(points.count)
        let covariance = sumXY.total - sumX.total * sumY.total / n
        let variance = sumX2.total - sumX.total * sumX.total / n
        return covariance / variance
    }

    static func kahanSum(_ values: [Double]) -> Double {
        var sum = KahanSum()
        for value in values { sum.add(value) }
        return sum.total
    }

    /// avg_over_time's incremental mean, robust against overflow and infinities.
    static func mean(_ values: [Double]) -> Double {
        var mean = 0.0, compensation = 0.0, count = 0.0
        for value in values {
            count += 1
            if mean.isInfinite {
                if value.isInfinite && (mean > 0) == (value > 0) { continue }
                if !value.isInfinite && !value.isNaN { continue }
            }
            (mean, compensation) = KahanSum.increment(value / count - mean / count, mean, compensation)
        }
        return mean.isInfinite ? mean : mean + compensation
    }

    /// histogram_quantile over classic `_bucket` series, grouped by every label but `le`.
    static func histogramQuantile(_ quantile: Double, _ samples: [Sample]) -> [Sample] {
        var groups: [Labels: [(bound: Double, count: Double)]] = [:]
        var order: [Labels] = []
        for sample in samples {
            guard let text = sample.labels["le"], let bound = Double(text.lowercased() == "+inf" ? "inf" : text) else { continue }
            let key = sample.labels.withoutName.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((bound, sample.value))
        }
        return order.map { Sample($0, bucketQuantile(quantile, groups[$0]!)) }
    }

    static func bucketQuantile(_ q: Double, _ unsorted: [(bound: Double, count: Double)]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var buckets: [(bound: Double, count: Double)] = []
        for bucket in unsorted.sorted(by: { $0.bound < $1.bound }) {
            if let last = buckets.last, last.bound == bucket.bound {
                buckets[buckets.count - 1].count += bucket.count
            } else {
                buckets.append(bucket)
            }
        }
        guard let top = buckets.last, top.bound == .infinity else { return .nan }
        var highest = -Double.infinity
        for index in buckets.indices {
            if buckets[index].count > highest { highest = buckets[index].count } else if buckets[index].count < highest { buckets[index].count = highest }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return .nan }
        var rank = q * observations
        let b = buckets.dropLast().firstIndex { $0.count >= rank } ?? buckets.count - 1
        if b == buckets.count - 1 { return buckets[buckets.count - 2].bound }
        if b == 0 && buckets[0].bound <= 0 { return buckets[0].bound }
        var start = 0.0
        var count = buckets[b].count
        if b > 0 {
            start = buckets[b - 1].bound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return start + (buckets[b].bound - start) * (rank / count)
    }
}

/// Neumaier-compensated summation, as Prometheus sums over time.
struct KahanSum {
    var sum = 0.0
    var compensation = 0.0

    mutating func add(_ value: Double) { (sum, compensation) = Self.increment(value, sum, compensation) }
    var total: Double { sum + compensation }

    static func increment(_ value: Double, _ sum: Double, _ compensation: Double) -> (Double, Double) {
        let t = sum + value
        var c = compensation
        if Swift.abs(sum) >= Swift.abs(value) { c += (sum - t) + value } else { c += (value - t) + sum }
        return (t, c)
    }
}
