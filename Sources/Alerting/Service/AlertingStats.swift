import Synchronization
import Telemetry

/// The alerting service's metrics, created before the service so /metrics can hold it while the
/// service reads /metrics' samples.
public final class AlertingMetrics: Sendable {
    let stats = Mutex(AlertingStats())

    public init() {}

    public func families() -> [MetricFamily] { stats.withLock { $0.families() } }
}

/// Counters and gauges the alerting service exports, read by the supervisor's /metrics.
struct AlertingStats: Sendable {
    var alerts: [String: Int] = ["pending": 0, "firing": 0]
    var notifications: [[String]: Int] = [:]  // [receiver, integration, result]
    var latency = LatencyHistogram()
    var outboxPending = 0
    var outboxDead = 0
    var evaluationSeconds = 0.0
    var evaluations = 0
    var ruleFailures = 0
    var lastEvaluation = 0.0
    var seriesInWindow = 0
    var breakersOpen: [String: Bool] = [:]
    var forwarded: [[String]: Int] = [:]  // [alertmanager, result]
    var failedOver: Set<String> = []
    var failoverMoves: [[String]: Int] = [:]  // [from, to]

    func families() -> [MetricFamily] {
        var families: [MetricFamily] = [
            .single("warden_alerts", .gauge, "Alerts of Warden's own rules by state.",
                    alerts.sorted { $0.key < $1.key }.map { ([("state", $0.key)], Double($0.value)) }),
            .single("warden_notifications_total", .counter, "Notification delivery attempts by receiver, channel and result (delivered, retried, dead).",
                    notifications.sorted { $0.key.joined() < $1.key.joined() }.map { ([("receiver", $0.key[0]), ("integration", $0.key[1]), ("result", $0.key[2])], Double($0.value)) }),
            .single("warden_outbox_pending", .gauge, "Notifications waiting in the outbox for a first or next attempt.", [([], Double(outboxPending))]),
            .single("warden_outbox_dead", .gauge, "Notifications given up on (dead letters), with their reason in the database.", [([], Double(outboxDead))]),
            .single("warden_rule_evaluation_seconds", .gauge, "How long the last evaluation of all rules took.", [([], evaluationSeconds)]),
            .single("warden_rule_evaluations_total", .counter, "Rule evaluation cycles run.", [([], Double(evaluations))]),
            .single("warden_rule_evaluation_failures_total", .counter, "Rule evaluations that failed (a rule's error is logged).", [([], Double(ruleFailures))]),
            .single("warden_rule_last_evaluation_timestamp_seconds", .gauge, "When the rules were last evaluated.", [([], lastEvaluation)]),
            .single("warden_rule_window_series", .gauge, "Series in the rule evaluator's in-memory window.", [([], Double(seriesInWindow))]),
            .single("warden_circuit_breaker_open", .gauge, "1 while a circuit breaker refuses calls to its downstream.",
                    breakersOpen.sorted { $0.key < $1.key }.map { ([("breaker", $0.key)], $0.value ? 1 : 0) }),
        ]
        families.append(.single("warden_receiver_failed_over", .gauge, "1 while a channel's notifications go to its route's failover receivers.",
                                failedOver.sorted().map { ([("integration", $0)], 1) }))
        families.append(.single("warden_notifications_failed_over_total", .counter, "Notifications moved from a failing channel to a failover channel.",
                                failoverMoves.sorted { $0.key.joined() < $1.key.joined() }.map { ([("from", $0.key[0]), ("to", $0.key[1])], Double($0.value)) }))
        families.append(latency.family("warden_notification_latency_seconds", "Time from a notification being decided to its delivery."))
        if !forwarded.isEmpty {
            families.append(.single("warden_alertmanager_notifications_total", .counter, "Batches of alerts forwarded to Alertmanager by result.",
                                    forwarded.sorted { $0.key.joined() < $1.key.joined() }.map { ([("alertmanager", $0.key[0]), ("result", $0.key[1])], Double($0.value)) }))
        }
        return families
    }
}

/// A fixed-bucket histogram of seconds.
struct LatencyHistogram: Sendable {
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
    var counts = [UInt64](repeating: 0, count: bounds.count)
    var sum = 0.0
    var count: UInt64 = 0

    mutating func observe(_ seconds: Double) {
        for (index, bound) in Self.bounds.enumerated() where seconds <= bound { counts[index] += 1 }
        sum += seconds
        count += 1
    }

    func family(_ name: String, _ help: String) -> MetricFamily {
        .histogram(name, help, buckets: Array(zip(Self.bounds, counts)), sum: sum, count: count)
    }
}
