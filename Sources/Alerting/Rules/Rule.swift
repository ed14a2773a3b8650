/// A recording rule: its expression's result stored under a new metric name.
public struct RecordingRule: Sendable {
    public var name: String
    public var expression: Expression
    public var source: String
    public var labels: [String: String]
}

/// An alerting rule as in a Prometheus rule file.
public struct AlertingRule: Sendable {
    public var name: String
    public var expression: Expression
    public var source: String
    /// Milliseconds the condition must hold before the alert fires.
    public var holdFor: Int64
    /// Milliseconds a firing alert stays firing after its condition clears.
    public var keepFiringFor: Int64
    public var labels: [(String, Template)]
    public var annotations: [(String, Template)]
}

public enum Rule: Sendable {
    case recording(RecordingRule)
    case alerting(AlertingRule)

    public var name: String {
        switch self {
        case .recording(let rule): rule.name
        case .alerting(let rule): rule.name
        }
    }
}

public struct RuleGroup: Sendable {
    public var name: String
    public var file: String
    /// Milliseconds between evaluations; nil means the global evaluation interval.
    public var interval: Int64?
    public var rules: [Rule]
}

extension RuleGroup {
    /// Where the shipped rules' `runbook_url`s point: the runbooks/ folder of Warden's repository.
    public static let defaultRunbookBase = "https://github.com/warden-trading/warden/blob/main/runbooks/"

    /// The group with every `runbook_url` under the default base moved to `base`.
    public func rebasingRunbooks(to base: String) -> RuleGroup {
        guard base != Self.defaultRunbookBase else { return self }
        var group = self
        group.rules = rules.map { rule in
            guard case .alerting(var alerting) = rule else { return rule }
            alerting.annotations = alerting.annotations.map { key, template in
                guard key == "runbook_url", template.source.hasPrefix(Self.defaultRunbookBase),
                      let moved = try? Template(base + template.source.dropFirst(Self.defaultRunbookBase.count))
                else { return (key, template) }
                return (key, moved)
            }
            return .alerting(alerting)
        }
        return group
    }

    /// Rules only an outside Prometheus can evaluate (the supervisor cannot see itself down):
    /// left out of the supervisor's own evaluator, kept in the file for Prometheus.
    public static let externalOnly: Set<String> = ["WardenSupervisorDown"]

    public func withoutExternalOnly() -> RuleGroup {
        var group = self
        group.rules = rules.filter { !Self.externalOnly.contains($0.name) }
        return group
    }
}
