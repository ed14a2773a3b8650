import WardenCore

/// Capped exponential backoff with jitter: retry n waits `initial × multiplier^(n-1)`, at most `max`,
/// spread by ±`jitter` so that many clients failing together do not retry together.
public struct ExponentialBackoff: Sendable, Hashable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Double
    public var jitter: Double

    public init(initial: Duration, max: Duration, multiplier: Double = 2, jitter: Double = 0.2) {
        precondition(multiplier >= 1 && (0...1).contains(jitter), "validated by configuration")
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `retry` (1 for the first retry after a failure).
    public func delay(forRetry retry: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let base = initial.seconds * pow(multiplier, Double(Swift.max(0, retry - 1)))
        let capped = Swift.min(base, max.seconds)
        let spread = jitter == 0 ? 0 : Double.random(in: -jitter...jitter, using: &random)
        let jittered = Swift.min(Swift.max(0, capped * (1 + spread)), max.seconds)
        return .nanoseconds(Int64(jittered * 1e9))
    }

    /// The delay before retry number `retry`, with the system's random numbers.
    public func delay(forRetry retry: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(forRetry: retry, using: &random)
    }
}


private func pow(_ base: Double, _ exponent: Double) -> Double {
    // Integral exponents only ever reach here; repeated multiplication avoids importing Foundation.
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 && result < 1e12 {
        result *= base
        remaining -= 1
    }
    return result
}
