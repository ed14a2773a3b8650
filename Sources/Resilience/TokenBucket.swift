/// A token bucket: `capacity` calls at once, refilled at `rate` per second. Time is passed in
/// (milliseconds), so it is tested without waiting; the caller sleeps for what `reserve` says.
public struct TokenBucket: Sendable, Hashable {
    public let capacity: Double
    public let rate: Double
    private var tokens: Double
    private var updatedAt: Int64?

    public init(capacity: Double, perSecond rate: Double) {
        precondition(capacity >= 1 && rate > 0, "a bucket holds at least one call and refills")
        self.capacity = capacity
        self.rate = rate
        tokens = capacity
    }

    /// Takes one token: the wait in milliseconds before the call may go (0: now). Reservations
    /// queue up: the tenth caller in a burst waits for the tenth token, so the rate holds exactly.
    public mutating func reserve(at time: Int64) -> Int64 {
        refill(at: time)
        tokens -= 1
        guard tokens < 0 else { return 0 }
        return Int64((-tokens / rate * 1000).rounded(.up))
    }

    /// Empties the bucket until `time + wait` (a 429's `Retry-After`): nothing goes before then.
    public mutating func pause(at time: Int64, for wait: Int64) {
        refill(at: time)
        tokens = min(tokens, 1 - Double(wait) / 1000 * rate)
    }

    private mutating func refill(at time: Int64) {
        if let updatedAt, time > updatedAt { tokens = min(capacity, tokens + Double(time - updatedAt) / 1000 * rate) }
        updatedAt = max(updatedAt ?? time, time)
    }
}
