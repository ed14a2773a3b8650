import Synchronization
import Telemetry

/// The API's own series, served on the worker socket's /metrics (the supervisor adds child="api").
public final class APIMetrics: Sendable {
    private struct State {
        var authFailures: [String: UInt64] = [:]
        var wsClients = 0
        var deliveryCounts = [UInt64](repeating: 0, count: APIMetrics.deliveryBounds.count)
        var deliverySum = 0.0
        var deliveryCount: UInt64 = 0
    }

    static let deliveryBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

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

    /// `count` frames handed to their sockets `seconds` after their event's source sent it.
    func wsDelivered(seconds: Double, count: Int = 1) {
        let bucket = Self.deliveryBounds.firstIndex { seconds <= $0 }
        state.withLock { s in
            if let bucket { s.deliveryCounts[bucket] += UInt64(count) }
            s.deliverySum += seconds * Double(count)
            s.deliveryCount += UInt64(count)
        }
    }

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
            .histogram(
                "warden_api_ws_delivery_seconds", "Time from an event's source (the engine's or the supervisor's sent_at) to its frame handed to a client's socket.",
                buckets: zip(Self.deliveryBounds, snapshot.deliveryCounts.reduce(into: [UInt64]()) { $0.append(($0.last ?? 0) + $1) }).map { ($0, $1) },
                sum: snapshot.deliverySum, count: snapshot.deliveryCount),
        ]
    }
}
