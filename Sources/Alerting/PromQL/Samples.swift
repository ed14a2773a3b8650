/// One sample of a series: time in Unix milliseconds and value.
public struct Point: Sendable, Hashable {
    public var time: Int64
    public var value: Double

    public init(_ time: Int64, _ value: Double) {
        self.time = time
        self.value = value
    }

    /// Prometheus' staleness marker: a NaN with this exact bit pattern ends a series.
    public static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)
    public var isStale: Bool { value.bitPattern == Self.staleNaN.bitPattern }
}

/// One element of an instant vector.
public struct Sample: Sendable, Hashable {
    public var labels: Labels
    public var value: Double

    public init(_ labels: Labels, _ value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// A series with the points a range selector chose: a slice of the stored points, not a copy.
public struct RangeSeries: Sendable {
    public var labels: Labels
    public var points: ArraySlice<Point>
}

/// The result of evaluating an expression.
public enum Value: Sendable {
    case scalar(Double)
    case vector([Sample])
    case matrix([RangeSeries])
    case string(String)
}

/// Where the evaluator reads series from.
public protocol SeriesSource {
    /// Every series all `matchers` accept, with its points (staleness markers included) in
    /// `from...through` milliseconds.
    func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) -> [RangeSeries]
    /// What an instant selector sees: for every series all `matchers` accept, its newest point in
    /// `from...through` unless that point is a staleness marker.
    func latest(_ matchers: [LabelMatcher], from: Int64, through: Int64) -> [Sample]
}
