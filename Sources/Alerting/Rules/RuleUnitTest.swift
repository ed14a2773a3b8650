import Foundation
import WardenCore
import Yams

/// Runs promtool's rule unit-test files (`promtool test rules`) through Warden's evaluator:
/// `rule_files`, `evaluation_interval`, `group_eval_order`, and per test `interval`,
/// `input_series` in the expanding notation, `external_labels`, `alert_rule_test` and
/// `promql_expr_test`.
public enum RuleUnitTest {
    public struct Outcome: Sendable {
        public var file: String
        public var failures: [String]
        public var testCount: Int
    }

    struct InputSeries {
        var labels: Labels
        var values: [Double?]
    }

    struct AlertCheck {
        var evalTime: Int64
        var alertName: String
        var expected: [(labels: Labels, annotations: [String: String])]
    }

    struct ExpressionCheck {
        var expression: String
        var evalTime: Int64
        var expected: [Sample]
    }

    struct TestCase {
        var name: String
        var interval: Int64
        var series: [InputSeries]
        var alerts: [AlertCheck]
        var expressions: [ExpressionCheck]
        var externalLabels: [String: String]
    }

    /// Runs one test file; configuration problems throw, failed expectations are returned.
    public static func run(path: String) throws(ConfigurationError) -> Outcome {
        let (root, problem) = YAMLWalker.compose(path: path)
        if let problem { throw ConfigurationError(issues: [problem]) }
        let walker = YAMLWalker(file: path)
        var ruleFiles: [String] = []
        var evaluationInterval: Int64 = 60_000
        var order: [String] = []
        var tests: [TestCase] = []
        let directory = (path as NSString).deletingLastPathComponent
        for (key, node) in walker.mapping(root, path: "", known: ["rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"]) {
            switch key {
            case "rule_files":
                ruleFiles = walker.sequence(node, path: key).compactMap { walker.string($0, path: key) }
                    .map { $0.hasPrefix("/") ? $0 : (directory as NSString).appendingPathComponent($0) }
            case "evaluation_interval": evaluationInterval = walker.duration(node, path: key) ?? evaluationInterval
            case "group_eval_order": order = walker.sequence(node, path: key).compactMap { walker.string($0, path: key) }
            case "tests":
                for (index, testNode) in walker.sequence(node, path: key).enumerated() {
                    tests.append(testCase(testNode, path: "tests[\(index)]", defaultInterval: evaluationInterval, walker: walker))
                }
            default: break
            }
        }
        guard walker.issues.isEmpty else { throw ConfigurationError(issues: walker.issues) }
        var groups = try RuleFile.load(ruleFiles.flatMap(expand))
        if !order.isEmpty {
            groups.sort { (order.firstIndex(of: $0.name) ?? Int.max) < (order.firstIndex(of: $1.name) ?? Int.max) }
        }
        var failures: [String] = []
        for test in tests {
            failures += run(test, groups: groups, evaluationInterval: evaluationInterval)
        }
        return Outcome(file: path, failures: failures, testCount: tests.count)
    }

    private static func expand(_ pattern: String) -> [String] {
        guard pattern.contains("*") else { return [pattern] }
        let directory = (pattern as NSString).deletingLastPathComponent
        let name = (pattern as NSString).lastPathComponent
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { fnmatch(name, $0, 0) == 0 }.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    private static func testCase(_ node: Node, path: String, defaultInterval: Int64, walker: YAMLWalker) -> TestCase {
        var test = TestCase(name: path, interval: defaultInterval, series: [], alerts: [], expressions: [], externalLabels: [:])
        for (key, value) in walker.mapping(node, path: path, known: ["name", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url"]) {
            let here = "\(path).\(key)"
            switch key {
            case "name": test.name = walker.string(value, path: here) ?? path
            case "interval": test.interval = walker.duration(value, path: here) ?? defaultInterval
            case "external_labels": test.externalLabels = Dictionary(walker.stringMap(value, path: here).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            case "input_series":
                for (index, entry) in walker.sequence(value, path: here).enumerated() {
                    let fields = Dictionary(walker.mapping(entry, path: "\(here)[\(index)]", known: ["series", "values"]), uniquingKeysWith: { a, _ in a })
                    guard let text = walker.string(fields["series"], path: "\(here)[\(index)].series") else {
                        walker.report("'series' is required", at: entry, path: "\(here)[\(index)]")
                        continue
                    }
                    do {
                        let labels = try seriesLabels(text)
                        let values = try expandValues(walker.string(fields["values"], path: "\(here)[\(index)].values") ?? "")
                        test.series.append(InputSeries(labels: labels, values: values))
                    } catch {
                        walker.report("\(error)", at: entry, path: "\(here)[\(index)]")
                    }
                }
            case "alert_rule_test":
                for (index, entry) in walker.sequence(value, path: here).enumerated() {
                    let at = "\(here)[\(index)]"
                    let fields = Dictionary(walker.mapping(entry, path: at, known: ["eval_time", "alertname", "exp_alerts"]), uniquingKeysWith: { a, _ in a })
                    var expected: [(Labels, [String: String])] = []
                    for (alertIndex, alert) in walker.sequence(fields["exp_alerts"], path: "\(at).exp_alerts").enumerated() {
                        let alertPath = "\(at).exp_alerts[\(alertIndex)]"
                        let alertFields = Dictionary(walker.mapping(alert, path: alertPath, known: ["exp_labels", "exp_annotations"]), uniquingKeysWith: { a, _ in a })
                        let labels = walker.stringMap(alertFields["exp_labels"], path: "\(alertPath).exp_labels").map { Label($0.0, $0.1) }
                        let annotations = walker.stringMap(alertFields["exp_annotations"], path: "\(alertPath).exp_annotations")
                        expected.append((Labels(labels), Dictionary(annotations.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })))
                    }
                    let name = walker.string(fields["alertname"], path: "\(at).alertname") ?? ""
                    test.alerts.append(AlertCheck(
                        evalTime: walker.duration(fields["eval_time"], path: "\(at).eval_time") ?? 0, alertName: name,
                        expected: expected.map { ($0.0.setting("alertname", to: name), $0.1) }))
                }
            case "promql_expr_test":
                for (index, entry) in walker.sequence(value, path: here).enumerated() {
                    let at = "\(here)[\(index)]"
                    let fields = Dictionary(walker.mapping(entry, path: at, known: ["expr", "eval_time", "exp_samples"]), uniquingKeysWith: { a, _ in a })
                    var expected: [Sample] = []
                    for (sampleIndex, sample) in walker.sequence(fields["exp_samples"], path: "\(at).exp_samples").enumerated() {
                        let samplePath = "\(at).exp_samples[\(sampleIndex)]"
                        let sampleFields = Dictionary(walker.mapping(sample, path: samplePath, known: ["labels", "value", "histogram"]), uniquingKeysWith: { a, _ in a })
                        do {
                            let labels = try walker.string(sampleFields["labels"], path: "\(samplePath).labels").map(seriesLabels) ?? Labels()
                            expected.append(Sample(labels, walker.number(sampleFields["value"], path: "\(samplePath).value") ?? 0))
                        } catch {
                            walker.report("\(error)", at: sample, path: "\(samplePath).labels")
                        }
                    }
                    test.expressions.append(ExpressionCheck(
                        expression: walker.string(fields["expr"], path: "\(at).expr") ?? "",
                        evalTime: walker.duration(fields["eval_time"], path: "\(at).eval_time") ?? 0, expected: expected))
                }
            default: break
            }
        }
        return test
    }

    /// The labels of `metric{a="b"}` or `{__name__="metric", a="b"}`.
    static func seriesLabels(_ text: String) throws(PromQLError) -> Labels {
        guard case .vector(let selector) = try Parser.parse(text), selector.offset == 0,
            selector.matchers.allSatisfy({ $0.kind == .equal })
        else { throw PromQLError("series \"\(text)\" must be a metric name with equality matchers") }
        return Labels(selector.matchers.map { Label($0.name, $0.value) })
    }

    /// promtool's expanding notation: `1 2 3`, `a+bxn`, `a-bxn`, `axn`, `_`, `_xn`, `stale`.
    static func expandValues(_ text: String) throws(PromQLError) -> [Double?] {
        var values: [Double?] = []
        for token in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if token == "_" { values.append(nil); continue }
            if token == "stale" { values.append(Point.staleNaN); continue }
            if let x = token.lastIndex(of: "x"), let count = Int(token[token.index(after: x)...]) {
                let head = String(token[..<x])
                if head == "_" { values += Array(repeating: nil, count: count); continue }
                if head == "stale" { values += Array(repeating: Point.staleNaN, count: count); continue }
                var split: String.Index?
                var index = head.index(after: head.startIndex)
                while index < head.endIndex {
                    if "+-".contains(head[index]), !"eE".contains(head[head.index(before: index)]) { split = index; break }
                    index = head.index(after: index)
                }
                let start: Double?
                var step = 0.0
                if let split {
                    start = parseNumber(String(head[..<split]))
                    guard let parsed = parseNumber(String(head[split...])) else { throw PromQLError("bad value \"\(token)\" in series values") }
                    step = parsed
                } else {
                    start = parseNumber(head)
                }
                guard let start else { throw PromQLError("bad value \"\(token)\" in series values") }
                for i in 0...count { values.append(start + Double(i) * step) }
                continue
            }
            guard let value = parseNumber(token) else { throw PromQLError("bad value \"\(token)\" in series values") }
            values.append(value)
        }
        return values
    }

    private static func parseNumber(_ text: String) -> Double? {
        switch text.lowercased() {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }

    static func run(_ test: TestCase, groups: [RuleGroup], evaluationInterval: Int64) -> [String] {
        var store = SeriesStore(retention: .max / 4)
        for series in test.series {
            for (index, value) in series.values.enumerated() {
                if let value { store.append(series.labels, Point(Int64(index) * test.interval, value)) }
            }
        }
        var engine = RuleEngine(groups: groups, store: store, externalLabels: test.externalLabels)
        var failures: [String] = []
        let alertChecks = test.alerts.sorted { $0.evalTime < $1.evalTime }
        let end = (test.alerts.map(\.evalTime) + test.expressions.map(\.evalTime)).max() ?? 0
        var next = 0
        var time: Int64 = 0
        while time <= end {
            engine.evaluate(at: time)
            while next < alertChecks.count, alertChecks[next].evalTime >= time, alertChecks[next].evalTime < time + evaluationInterval {
                let check = alertChecks[next]
                next += 1
                let got = engine.alerts.filter { $0.name == check.alertName && $0.state == .firing }
                    .map { (labels: $0.labels, annotations: $0.annotations) }
                if !sameAlerts(got, check.expected) {
                    failures.append("""
                        \(test.name): alertname: \(check.alertName), time: \(format(check.evalTime)),
                            exp: \(describe(check.expected)),
                            got: \(describe(got))
                        """)
                }
            }
            time += evaluationInterval
        }
        for (key, message) in engine.errors.sorted(by: { $0.key < $1.key }) {
            failures.append("\(test.name): rule \(key) failed to evaluate: \(message)")
        }
        for check in test.expressions {
            do {
                let expression = try Parser.parse(check.expression)
                let got: [Sample] = switch try Evaluator(source: engine.store).evaluate(expression, at: check.evalTime) {
                case .vector(let samples): samples
                case .scalar(let value): [Sample(Labels(), value)]
                default: []
                }
                if !sameSamples(got, check.expected) {
                    failures.append("""
                        \(test.name): expr: \(check.expression), time: \(format(check.evalTime)),
                            exp: \(describe(check.expected)),
                            got: \(describe(got))
                        """)
                }
            } catch {
                failures.append("\(test.name): expr: \(check.expression), time: \(format(check.evalTime)), err: \(error)")
            }
        }
        return failures
    }

    static func sameAlerts(_ a: [(labels: Labels, annotations: [String: String])], _ b: [(labels: Labels, annotations: [String: String])]) -> Bool {
        guard a.count == b.count else { return false }
        let left = a.sorted { $0.labels < $1.labels }
        let right = b.sorted { $0.labels < $1.labels }
        return zip(left, right).allSatisfy { $0.labels == $1.labels && $0.annotations == $1.annotations }
    }

    static func sameSamples(_ a: [Sample], _ b: [Sample]) -> Bool {
        guard a.count == b.count else { return false }
        let left = a.sorted { $0.labels < $1.labels }
        let right = b.sorted { $0.labels < $1.labels }
        return zip(left, right).allSatisfy { x, y in
            x.labels == y.labels && (x.value == y.value || x.value.isNaN && y.value.isNaN)
        }
    }

    static func describe(_ alerts: [(labels: Labels, annotations: [String: String])]) -> String {
        "[" + alerts.sorted { $0.labels < $1.labels }.map { alert in
            "{labels: \(alert.labels), annotations: \(alert.annotations.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", "))}"
        }.joined(separator: ", ") + "]"
    }

    static func describe(_ samples: [Sample]) -> String {
        "[" + samples.sorted { $0.labels < $1.labels }.map { "\($0.labels) \(GoFormat.value($0.value))" }.joined(separator: ", ") + "]"
    }

    static func format(_ milliseconds: Int64) -> String {
        DurationText.format(.milliseconds(milliseconds))
    }
}
