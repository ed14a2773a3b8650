/// The recent samples of every series the rules can read: the supervisor's own metrics as it
/// exposes them, plus recording rules' results. Series that vanish from a source get a staleness
/// marker, as after a Prometheus scrape; points older than the retention are dropped.
public struct SeriesStore: SeriesSource, Sendable {
    struct Series: Sendable {
        var labels: Labels
        var points: [Point] = []
    }

    /// The series of one metric name: in an array (fast to scan), indexed by labels.
    struct Group: Sendable {
        var index: [Labels: Int] = [:]
        var series: [Series] = []
    }

    /// Series by metric name.
    private var byName: [String: Group] = [:]
    /// What each source wrote last time, to mark the series it stopped writing as stale.
    private var lastWritten: [String: Set<Labels>] = [:]
    public var retention: Int64

    public init(retention: Int64 = 3_600_000) {
        self.retention = retention
    }

    public var seriesCount: Int { byName.values.reduce(0) { $0 + $1.series.count } }

    /// Adds one point to a series; points must come in time order per series (a point at the
    /// same time as the last one replaces it).
    public mutating func append(_ labels: Labels, _ point: Point) {
        let name = labels.metricName ?? ""
        // Mutated in place through the dictionary's accessor: no copy of the points per append.
        Self.add(labels, point, to: &byName[name, default: Group()])
    }

    private static func add(_ labels: Labels, _ point: Point, to group: inout Group) {
        if let position = group.index[labels] {
            add(point, to: &group.series[position])
        } else {
            group.index[labels] = group.series.count
            group.series.append(Series(labels: labels, points: [point]))
        }
    }

    private static func add(_ point: Point, to series: inout Series) {
        if let last = series.points.last, last.time >= point.time {
            guard last.time == point.time else { return }
            series.points[series.points.count - 1] = point
        } else {
            series.points.append(point)
        }
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
        for name in byName.keys {
            var group = byName[name]!
            guard group.series.contains(where: { ($0.points.first?.time ?? cutoff) < cutoff }) else { continue }
            var kept = Group()
            for var series in group.series {
                series.points.removeFirst(series.points.partitioningIndex { $0.time >= cutoff })
                guard !series.points.isEmpty else { continue }
                kept.index[series.labels] = kept.series.count
                kept.series.append(series)
            }
            group = kept
            byName[name] = group.series.isEmpty ? nil : group
        }
    }

    public func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) -> [RangeSeries] {
        var result: [RangeSeries] = []
        forEachMatch(matchers) { series in
            let points = series.points
            let end = Self.end(of: points, through: through)
            guard end > 0 else { return }
            let start = points[..<end].partitioningIndex { $0.time >= from }
            if start < end { result.append(RangeSeries(labels: series.labels, points: points[start..<end])) }
        }
        return result
    }

    public func latest(_ matchers: [LabelMatcher], from: Int64, through: Int64) -> [Sample] {
        var result: [Sample] = []
        forEachMatch(matchers) { series in
            let end = Self.end(of: series.points, through: through)
            guard end > 0 else { return }
            let last = series.points[end - 1]
            if last.time >= from && !last.isStale { result.append(Sample(series.labels, last.value)) }
        }
        return result
    }

    /// One past the last point at or before `through`; most ranges end at the newest point, so
    /// the search runs backwards from the end.
    private static func end(of points: [Point], through: Int64) -> Int {
        var end = points.count
        while end > 0, points[end - 1].time > through { end -= 1 }
        return end
    }

    /// Calls `body` with every series all `matchers` accept.
    private func forEachMatch(_ matchers: [LabelMatcher], _ body: (Series) -> Void) {
        // A regular expression is run once per distinct label value, not once per series.
        var verdicts: [[String: Bool]] = Array(repeating: [:], count: matchers.count)
        func accepts(_ index: Int, _ value: String) -> Bool {
            let matcher = matchers[index]
            guard matcher.kind == .regex || matcher.kind == .notRegex else { return matcher.matches(value) }
            if let known = verdicts[index][value] { return known }
            let verdict = matcher.matches(value)
            verdicts[index][value] = verdict
            return verdict
        }
        func visit(_ series: Series, _ rest: [Int]) {
            for index in rest where !accepts(index, series.labels[matchers[index].name] ?? "") { return }
            body(series)
        }
        if let name = matchers.firstIndex(where: { $0.name == Labels.metricName && $0.kind == .equal }) {
            guard let group = byName[matchers[name].value] else { return }
            let rest = matchers.indices.filter { $0 != name }
            for series in group.series { visit(series, rest) }
        } else {
            for group in byName.values { for series in group.series { visit(series, Array(matchers.indices)) } }
        }
    }
}

extension RandomAccessCollection where Index == Int {
    /// The first index whose element satisfies `predicate`, for a predicate false then true along the collection.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = startIndex, high = endIndex
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
