import Resilience
import Synchronization
import Telemetry

/// What the exchange client exports: requests by endpoint and result, their duration, the time
/// spent waiting for the rate limiter.
public final class BingXMetrics: Sendable {
    struct State {
        var requests: [[String]: Int] = [:]  // [endpoint, method, result]
        var durations = [Int](repeating: 0, count: BingXMetrics.bounds.count)
        var durationSum = 0.0
        var durationCount = 0
        var rateLimitWait = 0.0
        var unknownOrders = 0
        /// BingX's `cancelAllAfter` trigger time (Unix seconds) from its last refresh; nil when off.
        var cancelDeadline: Int64?
        var circuit: CircuitBreaker.State = .closed
        /// WebSocket streams (market, user) and whether each is connected now.
        var streams: [String: Bool] = [:]
        var reconnects: [String: Int] = [:]
    }

    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    let state = Mutex(State())

    public init() {}

    func record(endpoint: String, method: String, result: String, seconds: Double) {
        state.withLock { state in
            state.requests[[endpoint, method, result], default: 0] += 1
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { state.durations[index] += 1 }
            state.durationSum += seconds
            state.durationCount += 1
        }
    }

    func waited(_ seconds: Double) { state.withLock { $0.rateLimitWait += seconds } }

    func circuit(_ state: CircuitBreaker.State) { self.state.withLock { $0.circuit = state } }

    func stream(_ name: String, connected: Bool) { state.withLock { $0.streams[name] = connected } }

    func reconnecting(_ name: String) { state.withLock { $0.reconnects[name, default: 0] += 1 } }

    func armed(until deadline: Int64?) { state.withLock { $0.cancelDeadline = deadline } }

    public func families() -> [MetricFamily] {
        let state = state.withLock { $0 }
        return [
            .single("warden_exchange_requests_total", .counter, "Requests to the exchange by endpoint (its path), method and result (ok, or the error kind).",
                    state.requests.sorted { $0.key.joined() < $1.key.joined() }.map {
                        ([("endpoint", $0.key[0]), ("method", $0.key[1]), ("result", $0.key[2])], Double($0.value))
                    }),
            .histogram("warden_exchange_request_duration_seconds", "Time from sending a request to the exchange to its answer.",
                       buckets: zip(Self.bounds, state.durations.map(UInt64.init)).map { ($0, $1) }, sum: state.durationSum, count: UInt64(state.durationCount)),
            .single("warden_exchange_rate_limit_wait_seconds_total", .counter, "Time requests waited for the exchange's rate limits.", [([], state.rateLimitWait)]),
            .single("warden_exchange_circuit_state", .gauge, "The exchange circuit: 0 closed, 1 half-open (one trial order), 2 open (no new orders).",
                    [([], state.circuit == .closed ? 0 : state.circuit == .halfOpen ? 1 : 2)]),
            .single("warden_circuit_breaker_open", .gauge, "1 while a circuit breaker refuses calls to its downstream.",
                    [([("breaker", "exchange")], state.circuit == .open ? 1 : 0)]),
            .single("warden_exchange_cancel_all_deadline_timestamp_seconds", .gauge,
                    "When BingX cancels every open order unless the engine refreshes its dead-man switch (absent when off).",
                    state.cancelDeadline.map { [([], Double($0))] } ?? []),
            .single("warden_exchange_ws_connected", .gauge, "1 while the exchange's WebSocket stream (market data, user data) is connected.",
                    state.streams.sorted { $0.key < $1.key }.map { ([("stream", $0.key)], $0.value ? 1 : 0) }),
            .single("warden_exchange_ws_reconnects_total", .counter, "Times a WebSocket stream was opened again after it dropped or went silent.",
                    state.reconnects.sorted { $0.key < $1.key }.map { ([("stream", $0.key)], Double($0.value)) }),
        ]
    }
}
