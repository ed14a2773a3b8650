import Testing
@testable import Alerting

@Suite struct RuleEngineTests {
    func engine(_ rules: String, series: [(String, [Double?])]) throws -> RuleEngine {
        guard case .success(let groups) = RuleFile.load(yaml: rules, file: "test.yml") else {
            Issue.record("rules did not load")
            return RuleEngine(groups: [])
        }
        var store = SeriesStore(retention: .max / 4)
        for (text, values) in series {
            let labels = try RuleUnitTest.seriesLabels(text)
            for (index, value) in values.enumerated() { if let value { store.append(labels, Point(Int64(index) * 60_000, value)) } }
        }
        return RuleEngine(groups: groups, store: store)
    }

    let rules = """
        groups:
          - name: g
            rules:
              - alert: High
                expr: load > 5
                for: 2m
                keep_firing_for: 2m
                labels: {severity: "{{ if_absent }}warning"}
        """

    @Test func pendingThenFiringThenKeptThenResolved() throws {
        let yaml = rules.replacingOccurrences(of: "{{ if_absent }}", with: "")
        var engine = try engine(yaml, series: [("load{host=\"h\"}", [9, 9, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])])
        var states: [String] = []
        for minute in 0...8 {
            engine.evaluate(at: Int64(minute) * 60_000)
            states.append(engine.alerts.first.map(\.state.rawValue) ?? "-")
        }
        // Holds from 0; fires at 2m (for: 2m); clears at 4m but is kept firing until 6m; then resolved.
        #expect(states == ["pending", "pending", "firing", "firing", "firing", "firing", "inactive", "inactive", "inactive"])
        let alert = try #require(engine.alerts.first)
        #expect(alert.labels == Labels(["alertname": "High", "host": "h", "severity": "warning"]))
        #expect(alert.firedAt == 120_000 && alert.resolvedAt == 360_000)
        engine.evaluate(at: 22 * 60_000)
        #expect(engine.alerts.isEmpty, "resolved alerts are kept 15 minutes, then dropped")
    }

    @Test func aTemplateErrorIsRefusedAtLoadNamingTheRule() {
        guard case .failure(let error) = RuleFile.load(yaml: rules, file: "test.yml") else {
            Issue.record("a bad template loaded")
            return
        }
        #expect(error.issues.map(\.description) == [
            "test.yml:8: groups[0].rules[0].labels.severity: alerting rule 'High': template: unsupported operand \"if_absent\" (use $labels.NAME, $value or $externalLabels.NAME)",
        ])
    }

    /// Alerting rules between recording rules run on several threads; the outcome must be what
    /// evaluating them in order gives, including alerts that read a recording rule defined before them.
    @Test func concurrentEvaluationEqualsSequential() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - record: job:load:sum
                    expr: sum by (job) (load)
                  - alert: JobBusy
                    expr: job:load:sum > 10
                  - alert: HostBusy
                    expr: load > 4
                    for: 1m
                    annotations: {summary: "{{ $labels.host }} at {{ $value | humanize }}"}
                  - alert: Broken
                    expr: load / on() group_left load
                  - record: job:load:max
                    expr: max by (job) (load)
                  - alert: JobPeak
                    expr: job:load:max > 8
                  - alert: HostIdle
                    expr: load < 2
            """
        var series: [(String, [Double?])] = []
        for host in 0..<12 {
            series.append(("load{job=\"j\(host % 3)\",host=\"h\(host)\"}", (0..<6).map { Double((host * 7 + $0 * 3) % 11) }))
        }
        var sequential = try engine(yaml, series: series)
        sequential.parallelism = 1
        var concurrent = try engine(yaml, series: series)
        concurrent.parallelism = 4
        for minute in 0..<6 {
            sequential.evaluate(at: Int64(minute) * 60_000)
            concurrent.evaluate(at: Int64(minute) * 60_000)
            #expect(concurrent.alerts.sorted { $0.labels < $1.labels } == sequential.alerts.sorted { $0.labels < $1.labels }, "minute \(minute)")
            #expect(concurrent.errors == sequential.errors)
        }
        #expect(Set(sequential.alerts.map(\.name)) == ["JobBusy", "HostBusy", "JobPeak", "HostIdle"])
        #expect(sequential.errors.keys.sorted() == ["g/Broken"], "a many-to-many match is an error of its rule only")
    }
}
