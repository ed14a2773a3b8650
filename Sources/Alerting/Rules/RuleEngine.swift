import Foundation
import Synchronization

/// Evaluates rule groups over a `SeriesStore` as Prometheus' rule manager does: rules of a group in
/// order (a recording rule's output is visible to the rules after it), alerts pending until their
/// `for` has passed, `keep_firing_for` holding them after the condition clears, and resolved alerts
/// kept for 15 minutes so they can be reported resolved.
public struct RuleEngine: Sendable {
    public private(set) var groups: [RuleGroup]
    public var store: SeriesStore
    public var externalLabels: [String: String]
    /// Alerts by group index and rule index, then by label set.
    private var active: [[[Labels: Alert]]]
    /// The last evaluation error of each rule, by "group/rule".
    public private(set) var errors: [String: String] = [:]
    /// Threads for a run of alerting rules: they only read the store, so like Prometheus'
    /// concurrent rule evaluation they need not wait for each other. 1 evaluates in order.
    public var parallelism = max(1, ProcessInfo.processInfo.activeProcessorCount)

    static let resolvedRetention: Int64 = 15 * 60_000

    public init(groups: [RuleGroup], store: SeriesStore = SeriesStore(), externalLabels: [String: String] = [:]) {
        self.groups = groups
        self.store = store
        self.externalLabels = externalLabels
        active = groups.map { Array(repeating: [:], count: $0.rules.count) }
    }

    /// Every alert currently pending, firing, or resolved within the retention.
    public var alerts: [Alert] { active.flatMap { $0.flatMap(\.values) } }

    public func alerts(group: Int, rule: Int) -> [Alert] { Array(active[group][rule].values) }

    /// Seeds alert state kept from before a restart (as Prometheus restores `for` state), so a
    /// firing alert stays firing and a pending one keeps its start.
    public mutating func restore(_ alerts: [Alert]) {
        for alert in alerts {
            for (groupIndex, group) in groups.enumerated() {
                for (ruleIndex, rule) in group.rules.enumerated() where rule.name == alert.name {
                    if case .alerting = rule { active[groupIndex][ruleIndex][alert.labels] = alert }
                }
            }
        }
    }

    public mutating func evaluate(at time: Int64) {
        for index in groups.indices { evaluate(group: index, at: time) }
    }

    public mutating func evaluate(group index: Int, at time: Int64) {
        let rules = groups[index].rules
        var ruleIndex = 0
        while ruleIndex < rules.count {
            if case .recording(let recording) = rules[ruleIndex] {
                record(recording, key: key(index, ruleIndex), at: time)
                ruleIndex += 1
                continue
            }
            // A run of alerting rules up to the next recording rule sees one unchanging store.
            var end = ruleIndex
            while end < rules.count, case .alerting = rules[end] { end += 1 }
            evaluateAlerting(group: index, rules: ruleIndex..<end, at: time)
            ruleIndex = end
        }
    }

    private func key(_ group: Int, _ rule: Int) -> String { "\(groups[group].name)/\(groups[group].rules[rule].name)" }

    private mutating func record(_ recording: RecordingRule, key: String, at time: Int64) {
        do {
            let samples = try evaluateVector(recording.expression, at: time).map { sample in
                var labels = sample.labels.setting(Labels.metricName, to: recording.name)
                for (name, value) in recording.labels { labels = labels.setting(name, to: value) }
                return Sample(labels, sample.value)
            }
            try Self.checkUnique(samples)
            store.ingest(samples, at: time, source: key)
            errors[key] = nil
        } catch {
            errors[key] = error.description
        }
    }

    private mutating func evaluateAlerting(group index: Int, rules range: Range<Int>, at time: Int64) {
        for (ruleIndex, outcome) in alertOutcomes(group: index, rules: range, at: time) {
            switch outcome {
            case .success(let alerts):
                active[index][ruleIndex] = alerts
                errors[key(index, ruleIndex)] = nil
            case .failure(let error):
                errors[key(index, ruleIndex)] = error.description
            }
        }
    }

    /// Each rule's new alerts, the rules taken by `parallelism` threads in turn.
    private func alertOutcomes(group index: Int, rules range: Range<Int>, at time: Int64) -> [Int: Result<[Labels: Alert], PromQLError>] {
        let outcomes = Mutex([Int: Result<[Labels: Alert], PromQLError>]())
        let next = Atomic(range.lowerBound)
        @Sendable func work() {
            while true {
                let ruleIndex = next.add(1, ordering: .relaxed).oldValue
                guard ruleIndex < range.upperBound else { return }
                let outcome = advanced(group: index, rule: ruleIndex, at: time)
                outcomes.withLock { $0[ruleIndex] = outcome }
            }
        }
        let threads = min(parallelism, range.count)
        if threads > 1 { DispatchQueue.concurrentPerform(iterations: threads) { _ in work() } } else { work() }
        return outcomes.withLock { $0 }
    }

    private func advanced(group index: Int, rule ruleIndex: Int, at time: Int64) -> Result<[Labels: Alert], PromQLError> {
        guard case .alerting(let alerting) = groups[index].rules[ruleIndex] else { return .success([:]) }
        do {
            let samples = try evaluateVector(alerting.expression, at: time)
            return .success(try Self.advance(active[index][ruleIndex], alerting, samples, at: time, externalLabels: externalLabels))
        } catch {
            return .failure(error)
        }
    }

    private func evaluateVector(_ expression: Expression, at time: Int64) throws(PromQLError) -> [Sample] {
        switch try Evaluator(source: store).evaluate(expression, at: time, checkDuplicates: false) {
        case .vector(let samples): return samples
        case .scalar(let value): return [Sample(Labels(), value)]
        default: throw PromQLError("rule expression must be an instant vector or scalar")
        }
    }

    private static func checkUnique(_ samples: [Sample]) throws(PromQLError) {
        var seen = Set<Labels>()
        for sample in samples where !seen.insert(sample.labels).inserted {
            throw PromQLError("vector contains metrics with the same labelset after applying rule labels: \(sample.labels)")
        }
    }

    static func advance(
        _ previous: [Labels: Alert], _ rule: AlertingRule, _ samples: [Sample], at time: Int64, externalLabels: [String: String]
    ) throws(PromQLError) -> [Labels: Alert] {
        var current: [Labels: Alert] = [:]
        let constantLabels = rule.labels.allSatisfy { $0.1.isConstant }
        for sample in samples {
            var data: Template.Data?
            func templateData() -> Template.Data {
                if let data { return data }
                let made = Template.Data(labels: sample.labels.dictionary, externalLabels: externalLabels, value: sample.value)
                data = made
                return made
            }
            var extra = [Label("alertname", rule.name)]
            for (name, template) in rule.labels {
                extra.append(Label(name, constantLabels ? template.source : template.render(templateData())))
            }
            let labels = sample.labels.withoutName.merging(extra)
            // Annotations depend only on the labels and the value: an unchanged alert keeps its text.
            let annotations: [String: String]
            if let existing = previous[labels], existing.value.bitPattern == sample.value.bitPattern {
                annotations = existing.annotations
            } else {
                var rendered: [String: String] = [:]
                for (name, template) in rule.annotations { rendered[name] = template.render(templateData()) }
                annotations = rendered
            }
            guard current[labels] == nil else {
                throw PromQLError("vector contains metrics with the same labelset after applying alert labels: \(labels)")
            }
            current[labels] = Alert(labels: labels, annotations: annotations, value: sample.value, state: .pending, activeAt: time)
        }
        var alerts = previous
        for (labels, fresh) in current {
            if var existing = alerts[labels], existing.state != .inactive {
                existing.value = fresh.value
                existing.annotations = fresh.annotations
                alerts[labels] = existing
            } else {
                alerts[labels] = fresh
            }
        }
        for (labels, var alert) in alerts {
            if current[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && rule.keepFiringFor > 0 {
                    if alert.keepFiringSince == nil { alert.keepFiringSince = time }
                    keepFiring = time - alert.keepFiringSince! < rule.keepFiringFor
                }
                if alert.state == .pending || alert.resolvedAt.map({ time - $0 > resolvedRetention }) == true {
                    alerts[labels] = nil
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                alerts[labels] = alert
                if !keepFiring { continue }
            } else {
                alert.keepFiringSince = nil
            }
            if alert.state == .pending && time - alert.activeAt >= rule.holdFor {
                alert.state = .firing
                alert.firedAt = time
            }
            alerts[labels] = alert
        }
        return alerts
    }
}
