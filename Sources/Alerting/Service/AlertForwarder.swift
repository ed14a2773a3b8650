import Foundation

/// Forwards alerts to Alertmanager's `/api/v2/alerts` as Prometheus' notifier does: firing and
/// resolved alerts re-sent every minute, firing ones with endsAt = now + 4 × max(evaluation
/// interval, 1 m), resolved ones (endsAt = resolution time) for as long as the rule engine keeps them.
struct AlertForwarder: Sendable {
    static let resendDelay: Int64 = 60_000
    var evaluationInterval: Int64
    private var lastSent: [String: (at: Int64, resolved: Bool)] = [:]

    init(evaluationInterval: Int64) { self.evaluationInterval = evaluationInterval }

    /// The alerts to send now, as Alertmanager's API body.
    mutating func batch(_ alerts: [Alert], now: Int64, externalLabels: [String: String]) -> [[String: Any]] {
        var batch: [[String: Any]] = []
        var seen = Set<String>()
        for alert in alerts where alert.state != .pending {
            let key = "\(alert.fingerprint)@\(alert.activeAt)"
            seen.insert(key)
            let resolved = alert.state == .inactive
            if let last = lastSent[key], last.resolved == resolved, last.at + Self.resendDelay > now { continue }
            lastSent[key] = (now, resolved)
            var labels = alert.labels.dictionary
            for (name, value) in externalLabels where labels[name] == nil { labels[name] = value }
            let endsAt = resolved ? (alert.resolvedAt ?? now) : now + 4 * max(evaluationInterval, Self.resendDelay)
            batch.append([
                "labels": labels, "annotations": alert.annotations, "startsAt": Timestamp.rfc3339(alert.firedAt ?? alert.activeAt),
                "endsAt": Timestamp.rfc3339(endsAt), "generatorURL": "",
            ])
        }
        lastSent = lastSent.filter { seen.contains($0.key) }
        return batch
    }
}
