import Resilience
import Testing

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresAndTriesAgainAfterTheCooldown() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 10_000)
        var allowed: [Bool] = []
        for time in [0, 1, 2] as [Int64] {
            allowed.append(breaker.allows(at: time))
            breaker.recordFailure(at: time)
        }
        #expect(allowed == [true, true, true])
        let duringCooldown = breaker.allows(at: 9_999)
        #expect(breaker.state == .open && !duringCooldown)
        #expect(breaker.reopensAt == 10_002)
        let trial = breaker.allows(at: 10_002)
        #expect(trial && breaker.state == .halfOpen)
        breaker.recordFailure(at: 10_002)
        let afterFailedTrial = breaker.allows(at: 15_000)
        #expect(breaker.state == .open && !afterFailedTrial, "a failed trial opens it again")
        let secondTrial = breaker.allows(at: 20_002)
        #expect(secondTrial)
        breaker.recordSuccess()
        #expect(breaker.state == .closed && breaker.consecutiveFailures == 0)
    }
}
