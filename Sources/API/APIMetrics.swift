import Synchronization
import Telemetry

/// The API's own series, served on the worker socket's /metrics (the supervisor adds child="api").
public final class APIMetrics: Sendable {
    private struct State {
        var authFailures: [String: UInt64] = [:]
        var wsClients = 0
    }

    let requests: HTTPRequestMetrics
    private let state = Mutex(State())
    /// Read at collection time (the lockout owns the figure).
    let blockedIPs: @Sendable () -> Int

    /// Requests are recorded by route template or `unmatched`, a bounded set.
    public init(blockedIPs: @escaping @Sendable () -> Int = { 0 }) {
        requests = HTTPRequestMetrics(handlers: nil, prefix: "warden_api", label: "route", server: "the API")
        self.blockedIPs = blockedIPs
    }

    func authFailed(reason: String) { state.withLock { $0.authFailures[reason, default: 0] += 1 } }

    func wsClientsChanged(by delta: Int) { state.withLock { $0.wsClients += delta } }

    public func families() -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        let failures = ["bad_password", "bad_token", "bad_key", "blocked", "refresh_reuse"].map { reason in
            MetricFamily.Sample(labels: [("reason", reason)], value: Double(snapshot.authFailures[reason] ?? 0))
        }
        return requests.collect() + [
            MetricFamily(name: "warden_api_auth_failures_total", kind: .counter, help: "Failed authentications, by reason.", samples: failures),
            MetricFamily(name: "warden_api_blocked_ips", kind: .gauge, help: "Addresses blocked after repeated authentication failures.",
                         samples: [MetricFamily.Sample(value: Double(blockedIPs()))]),
            MetricFamily(name: "warden_api_ws_clients", kind: .gauge, help: "Authenticated WebSocket clients connected.",
                         samples: [MetricFamily.Sample(value: Double(snapshot.wsClients))]),
        ]
    }
}
