/// A circuit breaker per downstream: after `threshold` consecutive failures it opens and refuses
/// calls for `cooldown`; then one trial call is let through (half-open): success closes it, failure
/// opens it again. Time is passed in (milliseconds), so it is tested without waiting.
public struct CircuitBreaker: Sendable, Hashable {
    public enum State: String, Sendable { case closed, open, halfOpen = "half_open" }

    public var threshold: Int
    public var cooldown: Int64
    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0
    public private(set) var openedAt: Int64?

    public init(threshold: Int = 5, cooldown: Int64 = 60_000) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    /// Whether a call may go out now; moves an open breaker whose cooldown passed to half-open.
    public mutating func allows(at time: Int64) -> Bool {
        switch state {
        case .closed, .halfOpen: return true
        case .open:
            guard let openedAt, time - openedAt >= cooldown else { return false }
            state = .halfOpen
            return true
        }
    }

    /// When an open breaker lets a trial call through.
    public var reopensAt: Int64? { state == .open ? openedAt.map { $0 + cooldown } : nil }

    public mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        openedAt = nil
    }

    public mutating func recordFailure(at time: Int64) {
        consecutiveFailures += 1
        if state == .halfOpen || consecutiveFailures >= threshold {
            state = .open
            openedAt = time
        }
    }
}
