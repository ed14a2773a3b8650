import Telemetry

/// A PromQL expression over one scrape of exposition text, as a runbook's `check` step asks: it
/// holds when the result is a non-empty vector or a non-zero scalar. Warden's own evaluator, so
/// a check means what the same expression means in an alert rule.
public enum MetricCheck {
    public static func evaluate(_ expression: String, exposition: String, at time: Int64) -> (holds: Bool, detail: String) {
        let parsed: Expression
        do {
            parsed = try Parser.parse(expression)
        } catch {
            return (false, "not a PromQL expression: \(error)")
        }
        let families: [MetricFamily]
        do {
            families = try ExpositionParser.parse(exposition)
        } catch {
            return (false, "the metrics could not be read: \(error)")
        }
        var store = SeriesStore()
        store.ingest(AlertingService.samples(from: families, adding: [:]), at: time, source: "scrape")
        do {
            switch try Evaluator(source: store).evaluate(parsed, at: time) {
            case .vector(let samples):
                let shown = samples.prefix(5).map { "\($0.labels) = \($0.value)" }.joined(separator: "; ")
                return (!samples.isEmpty, samples.isEmpty ? "no series matched" : shown)
            case .scalar(let value): return (value != 0, "\(value)")
            case .matrix: return (false, "a range vector is not a check; use an instant expression")
            case .string(let text): return (false, "a string (\(text)) is not a check")
            }
        } catch {
            return (false, "evaluation failed: \(error)")
        }
    }
}
