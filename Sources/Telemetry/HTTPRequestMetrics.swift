import Synchronization

/// Counts and times the HTTP requests a server answers, by handler, for its own /metrics.
public final class HTTPRequestMetrics: Sendable {
    /// Upper bounds in seconds; fine at the low end, where /metrics and /healthz live.
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Key: Hashable {
        var handler: String
        var method: String
        var code: Int
    }

    private struct Timing {
        var bucketCounts = [UInt64](repeating: 0, count: HTTPRequestMetrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var requests: [Key: UInt64] = [:]
        var timings: [String: Timing] = [:]
    }

    private let state = Mutex(State())
    /// Paths reported by name; anything else is `other`, so scanners cannot blow up cardinality.
    /// Nil when the caller passes only bounded names (a router's route templates).
    private let handlers: Set<String>?
    /// `warden_http` for the supervisor, `warden_api` for the API worker.
    private let prefix: String
    /// The label naming what answered: `handler` (a path) or `route` (a route's template).
    private let label: String
    private let server: String

    public init(handlers: Set<String>?, prefix: String = "warden_http", label: String = "handler", server: String = "the supervisor") {
        self.handlers = handlers
        self.prefix = prefix
        self.label = label
        self.server = server
    }

    public func record(path: String, method: String, code: Int, duration: Duration) {
        let handler = handlers.map { $0.contains(path) } ?? true ? path : "other"
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        state.withLock { state in
            state.requests[Key(handler: handler, method: method, code: code), default: 0] += 1
            var timing = state.timings[handler] ?? Timing()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { timing.bucketCounts[index] += 1 }
            timing.sum += seconds
            timing.count += 1
            state.timings[handler] = timing
        }
    }

    public func collect() -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        let requests = snapshot.requests.sorted { ($0.key.handler, $0.key.code) < ($1.key.handler, $1.key.code) }.map { key, count in
            MetricFamily.Sample(
                labels: [(label, key.handler), ("method", key.method), ("code", String(key.code))], value: Double(count))
        }
        var durations = MetricFamily(
            name: "\(prefix)_request_duration_seconds", kind: .histogram,
            help: "Time to answer HTTP requests to \(server), by \(label).")
        for (handler, timing) in snapshot.timings.sorted(by: { $0.key < $1.key }) {
            durations.samples += MetricFamily.histogram(
                durations.name, durations.help, labels: [(label, handler)],
                buckets: Array(zip(Self.buckets, timing.bucketCounts)), sum: timing.sum, count: timing.count).samples
        }
        return [
            MetricFamily(
                name: "\(prefix)_requests_total", kind: .counter, help: "HTTP requests answered by \(server).",
                samples: requests),
            durations,
        ]
    }
}
