import Resilience
import Testing
import WardenCore

@testable import Supervisor

private struct FixedRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0x8000_0000_0000_0000 }
}

@Suite struct RestartPolicyTests {
    let backoff = ExponentialBackoff(initial: .seconds(1), max: .seconds(8), multiplier: 2, jitter: 0)

    func policy(_ mode: RestartMode) -> RestartPolicy {
        RestartPolicy(mode: mode, backoff: backoff, resetAfter: .seconds(60))
    }

    @Test func firstRestartIsImmediateThenBacksOffToTheCap() {
        var failures = 0
        var random = FixedRandom()
        let decisions = (0..<6).map { _ in
            policy(.always).decide(
                cause: .exited, status: .exited(code: 1), readyFor: .seconds(1), consecutiveFailures: &failures,
                using: &random)
        }
        #expect(decisions == [
            .restart(after: .zero), .restart(after: .seconds(1)), .restart(after: .seconds(2)),
            .restart(after: .seconds(4)), .restart(after: .seconds(8)), .restart(after: .seconds(8)),
        ])
    }

    @Test func aStableRunStartsTheBackoffOver() {
        var failures = 4
        var random = FixedRandom()
        let decision = policy(.always).decide(
            cause: .signal, status: .signaled(signal: 9, coreDumped: false), readyFor: .seconds(61),
            consecutiveFailures: &failures, using: &random)
        #expect(decision == .restart(after: .zero))
        #expect(failures == 1)
    }

    @Test func exitStatus78IsNeverRestarted() {
        var failures = 0
        var random = FixedRandom()
        for mode in RestartMode.allCases {
            let decision = policy(mode).decide(
                cause: .exited, status: .exited(code: 78), readyFor: nil, consecutiveFailures: &failures, using: &random)
            guard case .stayDown(let why) = decision else {
                Issue.record("exit 78 restarted under \(mode)")
                continue
            }
            #expect(why.contains("78"))
        }
    }

    @Test func onFailureLeavesACleanExitDownButRestartsCrashesAndWatchdogKills() {
        var failures = 0
        var random = FixedRandom()
        let onFailure = policy(.onFailure)
        #expect(onFailure.decide(
            cause: .exited, status: .exited(code: 0), readyFor: nil, consecutiveFailures: &failures, using: &random)
            == .stayDown("exited cleanly (restart: on-failure)"))
        #expect(onFailure.decide(
            cause: .exited, status: .exited(code: 2), readyFor: nil, consecutiveFailures: &failures, using: &random)
            == .restart(after: .zero))
        // Killed by the watchdog with a clean-looking status is still a failure.
        #expect(onFailure.decide(
            cause: .watchdog, status: .exited(code: 0), readyFor: nil, consecutiveFailures: &failures, using: &random)
            == .restart(after: .seconds(1)))
    }

    @Test func neverMeansNever() {
        var failures = 0
        var random = FixedRandom()
        #expect(policy(.never).decide(
            cause: .signal, status: .signaled(signal: 11, coreDumped: true), readyFor: nil, consecutiveFailures: &failures,
            using: &random) == .stayDown("restart: never"))
    }

    @Test func intensityCountsRestartsInASlidingWindow() {
        var intensity = RestartIntensity(maxRestarts: 3, window: .seconds(10))
        let t0 = ContinuousClock.now
        let burst = [0, 1, 2, 3].map { intensity.recordRestart(at: t0 + .seconds($0)) }
        #expect(burst == [true, true, true, false], "a fourth restart within 10s exceeds 3")
        var later = RestartIntensity(maxRestarts: 3, window: .seconds(10))
        let spread = [0, 4, 8, 12, 16, 20].map { later.recordRestart(at: t0 + .seconds($0)) }
        #expect(spread.allSatisfy { $0 }, "one restart every 4s stays within 3 per 10s")
        var zero = RestartIntensity(maxRestarts: 0, window: .seconds(10))
        let none = zero.recordRestart(at: t0)
        #expect(!none)
    }

    @Test func waitStatusesDecodeAsTheKernelEncodesThem() {
        #expect(ProcessStatus(waitStatus: 3 << 8) == .exited(code: 3))
        #expect(ProcessStatus(waitStatus: 9) == .signaled(signal: 9, coreDumped: false))
        #expect(ProcessStatus(waitStatus: 6 | 0x80) == .signaled(signal: 6, coreDumped: true))
        #expect("\(ProcessStatus(waitStatus: 6 | 0x80))" == "signal SIGABRT (core dumped)")
    }
}
