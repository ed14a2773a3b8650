import Alerting
import Foundation
import Logging
import ServiceLifecycle
import WardenProtocol

/// The supervisor's children and the firing alerts, read every `interval` and published when they
/// change (neither has a stream of its own to follow).
struct SupervisorWatch: Service {
    let supervisor: SocketClient
    let alerts: any AlertStore
    let hub: LiveHub
    let interval: Duration
    let now: @Sendable () -> Int64

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastChildren = ""
            var lastAlerts = ""
            while !Task.isCancelled {
                if hub.count > 0 {
                    if let status = try? await supervisor.call("GET", "/v1/status", as: SupervisorStatus.self),
                       let children = try? String(decoding: JSON.encoder.encode(status.children), as: UTF8.self), children != lastChildren {
                        lastChildren = children
                        let at = now()
                        hub.publish(topic: "children", message: LiveHub.event(topic: "children", time: at, sentAt: at, data: children), sentAt: at)
                    }
                    if let firing = try? await alerts.alerts(states: ["firing"]),
                       let text = try? String(decoding: JSON.encoder.encode(firing.map(MonitoringRoutes.AlertItem.init)), as: UTF8.self), text != lastAlerts {
                        lastAlerts = text
                        let at = now()
                        hub.publish(topic: "alerts", message: LiveHub.event(topic: "alerts", time: at, sentAt: at, data: text), sentAt: at)
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
