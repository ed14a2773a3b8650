/// One metric family as Prometheus sees it: a name, a type, help text and samples.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram, summary, untyped
    }

    /// A sample: the family's name plus a suffix (`_bucket`, `_sum`, `_count`, or none), labels, value.
    public struct Sample: Sendable, Equatable {
        public var suffix: String
        public var labels: [(String, String)]
        public var value: Double

        public init(suffix: String = "", labels: [(String, String)] = [], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.suffix == b.suffix && a.value.bitPattern == b.value.bitPattern
                && a.labels.map(\.0) == b.labels.map(\.0) && a.labels.map(\.1) == b.labels.map(\.1)
        }
    }

    /// The full name; counters include their `_total`.
    public var name: String
    public var kind: Kind
    public var help: String
    public var samples: [Sample]
    /// Sample lines already in exposition form (a worker's, relabeled), written after `samples`.
    public var renderedSamples: [String]

    public init(name: String, kind: Kind, help: String, samples: [Sample] = [], renderedSamples: [String] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
        self.renderedSamples = renderedSamples
    }

    /// A gauge or counter with one sample per label set.
    public static func single(
        _ name: String, _ kind: Kind, _ help: String, _ values: [([(String, String)], Double)]
    ) -> MetricFamily {
        MetricFamily(name: name, kind: kind, help: help, samples: values.map { Sample(labels: $0.0, value: $0.1) })
    }

    /// A histogram from cumulative bucket counts (upper bound → count), a sum and a count.
    public static func histogram(
        _ name: String, _ help: String, labels: [(String, String)] = [], buckets: [(Double, UInt64)], sum: Double,
        count: UInt64
    ) -> MetricFamily {
        var samples = buckets.map { bound, cumulative in
            Sample(suffix: "_bucket", labels: labels + [("le", formatBound(bound))], value: Double(cumulative))
        }
        samples.append(Sample(suffix: "_bucket", labels: labels + [("le", "+Inf")], value: Double(count)))
        samples.append(Sample(suffix: "_sum", labels: labels, value: sum))
        samples.append(Sample(suffix: "_count", labels: labels, value: Double(count)))
        return MetricFamily(name: name, kind: .histogram, help: help, samples: samples)
    }

    static func formatBound(_ bound: Double) -> String { ExpositionWriter.formatValue(bound) }
}
