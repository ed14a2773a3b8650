import Foundation

/// Alertmanager's dispatcher for one process: routes alerts into aggregation groups, waits
/// `group_wait` before a new group's first notification and `group_interval` between the next
/// ones, drops silenced, inhibited and time-muted alerts, and asks the notification log whether a
/// flush is news before producing an `AlertNotification` per channel. Time is passed in, never read.
public struct Dispatcher: Sendable {
    struct Group: Sendable {
        var route: Route
        var key: String
        var labels: Labels
        var alerts: [String: Alert] = [:]
        var nextFlush: Int64
    }

    public private(set) var config: AlertingConfig
    private var groups: [String: Group] = [:]
    public private(set) var log: [String: NotificationLogEntry] = [:]
    public var externalURL: String

    public init(config: AlertingConfig, log: [NotificationLogEntry] = [], externalURL: String = "") {
        self.config = config
        self.externalURL = externalURL
        for entry in log { self.log[Self.logKey(entry.groupKey, entry.integration)] = entry }
    }

    static func logKey(_ group: String, _ integration: String) -> String { group + "\u{0}" + integration }

    public var groupCount: Int { groups.count }

    /// Takes the rule engine's current alerts (pending ones are not notified).
    public mutating func update(_ alerts: [Alert], now: Int64) {
        for alert in alerts where alert.state != .pending {
            for route in config.route.match(alert.labels) {
                let key = route.groupKey(alert.labels)
                if groups[key] == nil {
                    guard alert.state == .firing else { continue }  // a resolved alert opens no group
                    // An alert older than group_wait is news already: no reason to wait again.
                    let startedLongAgo = (alert.firedAt ?? now) + route.groupWait < now
                    groups[key] = Group(route: route, key: key, labels: route.groupLabels(alert.labels), nextFlush: startedLongAgo ? now : now + route.groupWait)
                }
                groups[key]!.alerts[alert.fingerprint] = alert
            }
        }
        // Alerts gone from the engine (resolved more than 15 minutes ago) leave their groups.
        let present = Set(alerts.map(\.fingerprint))
        for key in groups.keys { groups[key]!.alerts = groups[key]!.alerts.filter { present.contains($0.key) } }
    }

    /// The earliest time a group wants to flush.
    public var nextFlush: Int64? { groups.values.map(\.nextFlush).min() }

    /// Flushes every group that is due: the notifications to enqueue and the log entries to
    /// persist with them.
    public mutating func flush(now: Int64, silences: [Silence], acknowledged: Set<String>) -> (notifications: [AlertNotification], log: [NotificationLogEntry]) {
        var notifications: [AlertNotification] = []
        var entries: [NotificationLogEntry] = []
        let firingEverywhere = groups.values.flatMap(\.alerts.values).filter { $0.state == .firing }
        for key in groups.keys.sorted() where groups[key]!.nextFlush <= now {
            var group = groups[key]!
            group.nextFlush = now + group.route.groupInterval
            let visible = group.alerts.values.filter { alert in
                !silences.contains { $0.isActive(at: now) && $0.mutes(alert.labels) } && !Self.inhibited(alert, by: firingEverywhere, rules: config.inhibitRules)
            }.sorted { $0.labels < $1.labels }
            let firing = Set(visible.filter { $0.state == .firing }.map(\.fingerprint))
            let resolved = Set(visible.filter { $0.state == .inactive }.map(\.fingerprint))
            if !isTimeMuted(group.route, now: now), let receiver = config.receivers[group.route.receiver] {
                for integration in receiver.integrations {
                    let logKey = Self.logKey(key, integration.id)
                    guard NotificationLogEntry.needsUpdate(
                        log[logKey], firing: firing, resolved: resolved, sendResolved: integration.sendResolved,
                        repeatInterval: group.route.repeatInterval, acknowledged: acknowledged, now: now)
                    else { continue }
                    let entry = NotificationLogEntry(groupKey: key, integration: integration.id, firing: firing, resolved: resolved, sentAt: now)
                    log[logKey] = entry
                    entries.append(entry)
                    let items = visible.filter { $0.state == .firing || integration.sendResolved }
                    if !items.isEmpty {
                        notifications.append(notification(group, receiver: receiver.name, integration: integration, alerts: items, now: now))
                    }
                }
            }
            // Resolved alerts are dropped once flushed; an empty group ends.
            group.alerts = group.alerts.filter { $0.value.state == .firing }
            groups[key] = group.alerts.isEmpty ? nil : group
        }
        return (notifications, entries)
    }

    static func inhibited(_ alert: Alert, by firing: [Alert], rules: [InhibitRule]) -> Bool {
        rules.contains { rule in
            guard rule.targetMatchers.allSatisfy({ $0.matches(alert.labels[$0.name] ?? "") }) else { return false }
            return firing.contains { source in
                source.fingerprint != alert.fingerprint
                    && rule.sourceMatchers.allSatisfy { $0.matches(source.labels[$0.name] ?? "") }
                    && rule.equal.allSatisfy { source.labels[$0] == alert.labels[$0] }
            }
        }
    }

    func isTimeMuted(_ route: Route, now: Int64) -> Bool {
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let inside = { (names: [String]) in names.contains { name in self.config.timeIntervals[name]?.contains { $0.contains(date) } == true } }
        if inside(route.muteTimeIntervals) { return true }
        return !route.activeTimeIntervals.isEmpty && !inside(route.activeTimeIntervals)
    }

    func notification(_ group: Group, receiver: String, integration: Integration, alerts: [Alert], now: Int64) -> AlertNotification {
        let items = alerts.map { alert in
            AlertNotification.Item(
                status: alert.state == .firing ? "firing" : "resolved", labels: alert.labels.dictionary, annotations: alert.annotations,
                startsAt: alert.firedAt ?? alert.activeAt, endsAt: alert.state == .firing ? nil : alert.resolvedAt,
                fingerprint: alert.fingerprint, value: alert.value)
        }
        let common = { (maps: [[String: String]]) -> [String: String] in
            guard var result = maps.first else { return [:] }
            for map in maps.dropFirst() { result = result.filter { map[$0.key] == $0.value } }
            return result
        }
        return AlertNotification(
            kind: .notify, receiver: receiver, integration: integration.id, groupKey: group.key,
            status: items.contains { $0.status == "firing" } ? "firing" : "resolved", groupLabels: group.labels.dictionary,
            commonLabels: common(items.map(\.labels)), commonAnnotations: common(items.map(\.annotations)), alerts: items,
            externalURL: externalURL, createdAt: now)
    }
}
