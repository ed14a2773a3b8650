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
