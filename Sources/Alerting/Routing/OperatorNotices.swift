/// Notifications that come from an operator rather than from rules: PagerDuty acknowledgements
/// and test canaries.
public enum OperatorNotices {
    /// One `acknowledge` event per PagerDuty channel the alert's routes reach, with the group's dedup key.
    public static func make(for alert: StoredAlert, config: AlertingConfig, at time: Int64) -> [AlertNotification] {
        let labels = Labels(alert.labels)
        var notices: [AlertNotification] = []
        for route in config.route.match(labels) {
            guard let receiver = config.receivers[route.receiver] else { continue }
            for integration in receiver.integrations where integration.kind == .pagerduty {
                let item = AlertNotification.Item(
                    status: "firing", labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.startsAt,
                    endsAt: nil, fingerprint: alert.fingerprint, value: alert.value)
                notices.append(AlertNotification(
                    kind: .acknowledge, receiver: receiver.name, integration: integration.id, groupKey: route.groupKey(labels), status: "firing",
                    groupLabels: route.groupLabels(labels).dictionary, commonLabels: alert.labels, commonAnnotations: alert.annotations,
                    alerts: [item], externalURL: "", createdAt: time))
            }
        }
        return notices
    }

    /// A canary: one firing test alert through one channel.
    public static func test(receiver: String, integration: Integration, at time: Int64) -> AlertNotification {
        let labels = ["alertname": "WardenTestNotification", "severity": "info"]
        let annotations = ["summary": "Test notification from Warden to \(integration.id)", "description": "Sent by `warden notify test`; nothing is wrong."]
        let item = AlertNotification.Item(
            status: "firing", labels: labels, annotations: annotations, startsAt: time, endsAt: nil,
            fingerprint: Alert.fingerprint(Labels(labels)), value: nil)
        return AlertNotification(
            kind: .test, receiver: receiver, integration: integration.id, groupKey: "{}:{alertname=\"WardenTestNotification\"}", status: "firing",
            groupLabels: ["alertname": "WardenTestNotification"], commonLabels: labels, commonAnnotations: annotations, alerts: [item],
            externalURL: "", createdAt: time)
    }
}
