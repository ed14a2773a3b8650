import Testing

@testable import Resilience

/// Deterministic random numbers (SplitMix64) so jitter is testable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ExponentialBackoffTests {
    @Test func growsGeometricallyUntilTheCap() {
        let backoff = ExponentialBackoff(initial: .milliseconds(100), max: .seconds(1), multiplier: 2, jitter: 0)
        var random = SeededGenerator(state: 1)
        let delays = (1...6).map { backoff.delay(forRetry: $0, using: &random) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }

    @Test func jitterStaysWithinItsBandAndNeverPassesTheCap() {
        let backoff = ExponentialBackoff(initial: .seconds(1), max: .seconds(4), multiplier: 2, jitter: 0.2)
        var random = SeededGenerator(state: 42)
        var seen = Set<Duration>()
        for _ in 0..<500 {
            let first = backoff.delay(forRetry: 1, using: &random)
            #expect(first >= .milliseconds(800) && first <= .milliseconds(1200))
            seen.insert(first)
            let capped = backoff.delay(forRetry: 10, using: &random)
            #expect(capped >= .milliseconds(3200) && capped <= .seconds(4))
        }
        #expect(seen.count > 100, "jitter should spread the delays")
    }

    @Test func hugeRetryCountsDoNotOverflow() {
        let backoff = ExponentialBackoff(initial: .seconds(1), max: .seconds(30), multiplier: 10, jitter: 0)
        #expect(backoff.delay(forRetry: 10_000) == .seconds(30))
    }
}
