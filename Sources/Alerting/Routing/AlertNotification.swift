/// What one channel is asked to deliver: one flush of an alert group, in the shape of
/// Alertmanager's notification data. Stored as the outbox row's payload, so it carries no secrets.
public struct AlertNotification: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case notify, acknowledge, test }

    public struct Item: Codable, Sendable, Equatable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        /// Unix milliseconds; nil end for an alert still firing.
        public var startsAt: Int64
        public var endsAt: Int64?
        public var fingerprint: String
        public var value: Double?
    }

    public var kind: Kind
    public var receiver: String
    /// The integration's id, `receiver/kind[index]`.
    public var integration: String
    public var groupKey: String
    public var status: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var alerts: [Item]
    public var externalURL: String
    /// Unix milliseconds when the notification was decided (latency is measured from here).
    public var createdAt: Int64

    public var firing: [Item] { alerts.filter { $0.status == "firing" } }
    public var resolved: [Item] { alerts.filter { $0.status == "resolved" } }

    /// Deterministic per flush: the same group state on the same channel gives the same key, so a
    /// flush retried after a crash is not a second page.
    public var idempotencyKey: String {
        let fingerprints = alerts.map { "\($0.fingerprint)=\($0.status)" }.sorted().joined(separator: ",")
        return Alert.fingerprint(Labels([Label("k", kind.rawValue), Label("i", integration), Label("g", groupKey), Label("a", fingerprints), Label("t", String(createdAt))]))
    }

    /// Alertmanager's title: `[FIRING:2] Name (group labels)`.
    public var title: String {
        var text = "[\(status.uppercased())\(status == "firing" ? ":\(firing.count)" : "")]"
        if let name = groupLabels["alertname"] ?? commonLabels["alertname"] { text += " \(name)" }
        let others = groupLabels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map(\.value)
        if !others.isEmpty { text += " (\(others.joined(separator: " ")))" }
        return text
    }

    /// The fields receivers' templates read.
    public var templateFields: [String: String] {
        var fields: [String: String] = [
            ".Status": status, ".Receiver": receiver, ".ExternalURL": externalURL, ".GroupKey": groupKey,
            ".Alerts": String(alerts.count), ".Alerts.Firing": String(firing.count), ".Alerts.Resolved": String(resolved.count),
        ]
        for (name, value) in commonLabels { fields[".CommonLabels.\(name)"] = value }
        for (name, value) in commonAnnotations { fields[".CommonAnnotations.\(name)"] = value }
        for (name, value) in groupLabels { fields[".GroupLabels.\(name)"] = value }
        return fields
    }
}
