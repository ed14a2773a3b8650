/// One label of a series.
public struct Label: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: Label, b: Label) -> Bool { (a.name, a.value) < (b.name, b.value) }
}

/// A series' label set, kept sorted by name so equal sets compare and hash equal. Empty values
/// are absent labels, as in Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public private(set) var labels: [Label]
    /// Hashed once when the set is made: label sets are dictionary keys many times over in every
    /// evaluation (series lookup, vector matching, grouping, alert state).
    private var hash: Int

    public static let metricName = "__name__"

    public init(_ labels: [Label] = []) {
        self.init(sorted: labels.filter { !$0.value.isEmpty }.sorted())
    }

    private init(sorted labels: [Label]) {
        self.labels = labels
        hash = Self.hash(of: labels)
    }

    private static func hash(of labels: [Label]) -> Int {
        var hasher = Hasher()
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.name)
            hasher.combine(label.value)
        }
        return hasher.finalize()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    public static func == (a: Labels, b: Labels) -> Bool { a.hash == b.hash && a.labels == b.labels }

    public init(_ pairs: [String: String]) {
        self.init(pairs.map { Label($0.key, $0.value) })
    }

    public subscript(name: String) -> String? {
        labels.first { $0.name == name }?.value
    }

    public var metricName: String? { self[Self.metricName] }
    public var isEmpty: Bool { labels.isEmpty }

    public func setting(_ name: String, to value: String) -> Labels {
        var copy = labels.filter { $0.name != name }
        if !value.isEmpty { copy.append(Label(name, value)) }
        return Labels(copy)
    }

    /// These labels with `others` set over them (an empty value removes the label).
    public func merging(_ others: [Label]) -> Labels {
        guard !others.isEmpty else { return self }
        let names = Set(others.map(\.name))
        return Labels(labels.filter { !names.contains($0.name) } + others)
    }

    public func removing(_ names: Set<String>) -> Labels {
        var copy = labels
        copy.removeAll { names.contains($0.name) }
        return Labels(sorted: copy)
    }

    public func keeping(_ names: Set<String>) -> Labels {
        var copy = labels
        copy.removeAll { !names.contains($0.name) }
        return Labels(sorted: copy)
    }

    public var withoutName: Labels {
        guard labels.contains(where: { $0.name == Self.metricName }) else { return self }
        var copy = labels
        copy.removeAll { $0.name == Self.metricName }
        return Labels(sorted: copy)
    }

    public var dictionary: [String: String] {
        Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    public static func < (a: Labels, b: Labels) -> Bool { a.labels.lexicographicallyPrecedes(b.labels) }

    /// `name{a="x", b="y"}` as Prometheus prints a series.
    public var description: String {
        let name = metricName ?? ""
        let rest = labels.filter { $0.name != Self.metricName }
            .map { "\($0.name)=\"\(Self.escape($0.value))\"" }.joined(separator: ", ")
        return rest.isEmpty && !name.isEmpty ? name : "\(name){\(rest)}"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
