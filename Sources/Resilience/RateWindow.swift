/// A sliding-window rate limit: at most `limit` calls in any `window` (ms), as exchanges count
/// them, so a burst after a quiet spell cannot exceed the limit and a steady stream runs exactly
/// at it. Time is passed in; the caller sleeps for what `reserve` says.
public struct RateWindow: Sendable, Hashable {
    public let limit: Int
    public let window: Int64
    /// Send times reserved, oldest first; only the last `limit` matter.
    private var sent: [Int64] = []
    private var pausedUntil: Int64 = .min

    public init(limit: Int, window: Int64) {
        precondition(limit >= 1 && window > 0, "a limit lets at least one call through per window")
        self.limit = limit
        self.window = window
    }

    /// Reserves the next send time: the wait in milliseconds from `time` (0: now). Reservations
    /// queue in order, so callers in a burst are spread over the windows they need.
    public mutating func reserve(at time: Int64) -> Int64 {
        var earliest = max(time, pausedUntil)
        if sent.count >= limit { earliest = max(earliest, sent[sent.count - limit] + window) }
        sent.append(earliest)
        if sent.count > limit { sent.removeFirst(sent.count - limit) }
        return earliest - time
    }

    /// Nothing is sent before `time + wait` (a 429's `Retry-After`).
    public mutating func pause(at time: Int64, for wait: Int64) {
        pausedUntil = max(pausedUntil, time + wait)
    }
}
