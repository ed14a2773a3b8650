/// The recent samples of every series the rules can read: the supervisor's own metrics as it
/// exposes them, plus recording rules' results. Series that vanish from a source get a staleness
/// marker, as after a Prometheus scrape; points older than the retention are dropped.
public struct SeriesStore: SeriesSource, Sendable {
    struct Series: Sendable {
        var labels: Labels
        var points: [Point] = []
    }

    /// Series by metric name, then by labels.
    private var byName: [String: [Labels: Series]] = [:]
    /// What each source wrote last time, to mark the series it stopped writing as stale.
    private var lastWritten: [String: Set<Labels>] = [:]
    public var retention: Int64

    public init(retention: Int64 = 3_600_000) {
        self.retention = retention
    }

    public var seriesCount: Int { byName.values.reduce(0) { $0 + $1.count } }

    /// Adds one point to a series; points must come in time order per series (a point at the
    /// same time as the last one replaces it).
    public mutating func append(_ labels: Labels, _ point: Point) {
        let name = labels.metricName ?? ""
        var series = byName[name]?[labels] ?? Series(labels: labels)
        if let last = series.points.last, last.time >= point.time {
            guard last.time == point.time else { return }
            series.points[series.points.count - 1] = point
        } else {
            series.points.append(point)
        }
        byName[name, default: [:]][labels] = series
    }

    /// Everything `source` reports at `time`; its series missing this time get a staleness marker.
    public mutating func ingest(_ samples: [Sample], at time: Int64, source: String) {
        var written = Set<Labels>()
        for sample in samples {
            append(sample.labels, Point(time, sample.value))
            written.insert(sample.labels)
        }
        for gone in lastWritten[source, default: []].subtracting(written) {
            append(gone, Point(time, Point.staleNaN))
        }
        lastWritten[source] = written
    }

    /// Drops points older than the retention before `now`, and series left without points.
    public mutating func trim(now: Int64) {
        let cutoff = now - retention
        for (name, group) in byName {
            var kept: [Labels: Series] = [:]
            for (labels, var series) in group {
                if let first = series.points.first, first.time < cutoff {
                    series.points.removeFirst(series.points.partitioningIndex { $0.time >= cutoff })
                }
                if !series.points.isEmpty { kept[labels] = series }
            }
            byName[name] = kept.isEmpty ? nil : kept
        }
    }

    public func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) -> [RangeSeries] {
        let candidates: [Series]
        if let name = matchers.first(where: { $0.name == Labels.metricName && $0.kind == .equal }) {
            candidates = byName[name.value].map { Array($0.values) } ?? []
        } else {
            candidates = byName.values.flatMap(\.values)
        }
        var result: [RangeSeries] = []
        for series in candidates where matchers.allSatisfy({ $0.matches(series.labels[$0.name] ?? "") }) {
            let start = series.points.partitioningIndex { $0.time >= from }
            let end = series.points.partitioningIndex { $0.time > through }
            if start < end { result.append(RangeSeries(labels: series.labels, points: Array(series.points[start..<end]))) }
        }
        return result
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate false then true along the array.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
