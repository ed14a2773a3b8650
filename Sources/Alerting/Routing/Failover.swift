/// Where a notification goes when its channel is failing and has been failed over: the first
/// receiver in the chain that has a working channel. The chain is the route's `failover`
/// receivers, then the root route's receiver (the catch-all); a critical notification then tries
/// every other receiver, so a page goes out through whatever still works.
public enum Failover {
    /// Receivers to try for `notification`, in order, without its own.
    public static func chain(for notification: AlertNotification, config: AlertingConfig) -> [String] {
        let route = config.route.node(forGroupKey: notification.groupKey) ?? config.route
        let critical = notification.alerts.contains { $0.status == "firing" && $0.labels["severity"] == "critical" }
        return chain(route: route, from: notification.receiver, critical: critical, config: config)
    }

    /// The chain of a route for notifications meant for `receiver`.
    public static func chain(route: Route, from receiver: String, critical: Bool, config: AlertingConfig) -> [String] {
        var chain = route.failover + [config.route.receiver]
        if critical { chain += config.receivers.keys.sorted() }
        var seen: Set<String> = [receiver]
        return chain.filter { seen.insert($0).inserted && config.receivers[$0] != nil }
    }

    /// The healthy channels of the first receiver in the chain that has any; nil when none has.
    public static func targets(
        for notification: AlertNotification, config: AlertingConfig, isHealthy: (String) -> Bool
    ) -> (receiver: String, integrations: [Integration])? {
        firstHealthy(chain(for: notification, config: config), config: config, isHealthy: isHealthy)
    }

    public static func firstHealthy(
        _ chain: [String], config: AlertingConfig, isHealthy: (String) -> Bool
    ) -> (receiver: String, integrations: [Integration])? {
        for name in chain {
            let healthy = config.receivers[name]!.integrations.filter { isHealthy($0.id) }
            if !healthy.isEmpty { return (name, healthy) }
        }
        return nil
    }

    /// The notification re-addressed to `integration`, saying where it was meant to go.
    public static func readdress(_ notification: AlertNotification, to receiver: String, _ integration: Integration) -> AlertNotification {
        var copy = notification
        copy.receiver = receiver
        copy.integration = integration.id
        copy.commonAnnotations["failover_from"] = notification.integration
        return copy
    }
}
