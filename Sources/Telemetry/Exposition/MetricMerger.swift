/// Merges workers' families into the supervisor's: every worker sample carries a `child` label
/// (added here, or already by `ExpositionParser.parse(_:relabel:)`), and a family both expose
/// (process_* for instance) becomes one family, as the format requires.
public enum MetricMerger {
    public struct Conflict: Sendable, Equatable {
        public var child: String
        public var family: String
        public var reason: String
    }

    public static func merge(
        _ own: [MetricFamily], children: [(child: String, families: [MetricFamily])]
    ) -> (families: [MetricFamily], conflicts: [Conflict]) {
        var merged = own
        var index = Dictionary(own.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var conflicts: [Conflict] = []
        for (child, families) in children {
            for family in families {
                let samples = family.samples.map { sample in
                    guard sample.labels.first?.0 != "child" || sample.labels.first?.1 != child else { return sample }
                    var labeled = sample
                    labeled.labels = [("child", child)] + sample.labels.filter { $0.0 != "child" }
                    return labeled
                }
                if let at = index[family.name] {
                    guard merged[at].kind == family.kind else {
                        conflicts.append(Conflict(
                            child: child, family: family.name,
                            reason: "type \(family.kind.rawValue) differs from \(merged[at].kind.rawValue)"))
                        continue
                    }
                    merged[at].samples += samples
                    merged[at].renderedSamples += family.renderedSamples
                } else {
                    var copy = family
                    copy.samples = samples
                    if copy.help.isEmpty { copy.help = "Reported by the \(child) worker." }
                    index[family.name] = merged.count
                    merged.append(copy)
                }
            }
        }
        return (merged, conflicts)
    }
}

extension MetricFamily {
    /// `families` with the workers' families (kept as exposition lines after a merge) parsed into
    /// samples, so a reader of values sees every sample the same way.
    public static func expandingRendered(_ families: [MetricFamily]) -> [MetricFamily] {
        let rendered = families.filter { !$0.renderedSamples.isEmpty }
            .map { MetricFamily(name: $0.name, kind: $0.kind, help: $0.help, renderedSamples: $0.renderedSamples) }
        let parsed = rendered.isEmpty ? [] : (try? ExpositionParser.parse(ExpositionWriter.write(rendered, format: .prometheus004))) ?? []
        return families + parsed
    }
}
