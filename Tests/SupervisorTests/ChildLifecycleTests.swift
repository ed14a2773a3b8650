import Foundation
import Testing
import WardenCore

@testable import Supervisor

/// The lifecycle is driven with made-up instants: no process, no clock, no sleep.
@Suite struct ChildLifecycleTests {
    let t0 = ContinuousClock.now
    let wall = Date(timeIntervalSince1970: 1_800_000_000)

    func child(
        watchdog: Duration = .seconds(10), startTimeout: Duration = .seconds(30), stopTimeout: Duration = .seconds(5),
        restart: RestartMode = .always, memoryLimit: ByteSize? = nil
    ) -> ChildLifecycle {
        ChildLifecycle(
            spec: ChildSpec(
                name: "engine", restart: restart, startTimeout: startTimeout, stopTimeout: stopTimeout, watchdog: watchdog,
                memoryLimit: memoryLimit),
            backoff: BackoffSettings(initial: .seconds(1), max: .seconds(30), multiplier: 2, jitter: 0, resetAfter: .seconds(60)),
            watchdogKillGrace: .seconds(3))
    }

    func ready(_ lifecycle: inout ChildLifecycle, pid: Int32 = 100, at offset: Duration = .zero) {
        #expect(lifecycle.start() == [.spawn])
        lifecycle.spawned(pid: pid, now: t0 + offset)
        var batch = NotifyBatch()
        batch.merge(NotifyMessage(parsing: "READY=1\nSTATUS=up"), senderPID: pid)
        #expect(lifecycle.notified(batch, now: t0 + offset + .milliseconds(20)) == [.becameReady])
    }

    func ping(_ lifecycle: inout ChildLifecycle, at offset: Duration) -> [ChildLifecycle.Action] {
        var batch = NotifyBatch()
        batch.merge(NotifyMessage(parsing: "WATCHDOG=1"), senderPID: 100)
        return lifecycle.notified(batch, now: t0 + offset)
    }

    @Test func readyAfterSpawnRunsTheWatchdogFromReadiness() {
        var engine = child()
        ready(&engine)
        #expect(engine.isReady)
        #expect(engine.statusText == "up")
        #expect(engine.nextDeadline == t0 + .milliseconds(20) + .seconds(10))
        #expect(ping(&engine, at: .seconds(8)) == [])
        #expect(engine.nextDeadline == t0 + .seconds(18))
        #expect(engine.tick(now: t0 + .seconds(17)) == [])
    }

    @Test func aMissedWatchdogGetsSIGABRTThenTheGroupIsKilledAndTheChildRestarted() {
        var engine = child()
        ready(&engine)
        let missedAt = t0 + .milliseconds(20) + .seconds(10)
        #expect(engine.tick(now: missedAt + .milliseconds(2)) == [.signal(SIGABRT)])
        #expect(engine.watchdogTimeouts == 1)
        #expect(engine.tick(now: missedAt + .seconds(2)) == [], "the grace has not passed")
        #expect(engine.tick(now: missedAt + .milliseconds(2) + .seconds(3)) == [.killProcessGroup])
        let actions = engine.exited(.signaled(signal: SIGKILL, coreDumped: false), now: missedAt + .seconds(4), wallClock: wall)
        guard case .exited(let record, .restartNow) = actions.first else {
            Issue.record("expected an immediate restart, got \(actions)")
            return
        }
        #expect(record.cause == .watchdog)
        #expect(record.watchdogOverrun == .milliseconds(2))
        #expect(actions.last == .spawn)
        #expect(engine.restarts == 1)
    }

    @Test func aWatchdogKillAfterALongHealthyRunRestartsAtOnce() {
        var engine = child()
        for round in 0..<3 {
            let start = t0 + .seconds(200 * round)
            if round == 0 { ready(&engine) } else {
                engine.spawned(pid: 100, now: start)
                var batch = NotifyBatch()
                batch.merge(NotifyMessage(parsing: "READY=1"), senderPID: 100)
                _ = engine.notified(batch, now: start)
            }
            let hungAt = start + .seconds(120)
            _ = engine.tick(now: hungAt)
            let actions = engine.exited(.signaled(signal: SIGABRT, coreDumped: true), now: hungAt + .seconds(1), wallClock: wall)
            guard case .exited(let record, let decision) = actions.first else {
                Issue.record("no exit")
                return
            }
            #expect(record.cause == .watchdog)
            #expect(decision == .restartNow, "ready for 2 minutes (over reset_after) starts the backoff over")
        }
    }

    @Test func watchdogTriggerCountsAsExpiredAtOnce() {
        var engine = child()
        ready(&engine)
        var batch = NotifyBatch()
        batch.merge(NotifyMessage(parsing: "WATCHDOG=trigger"), senderPID: 100)
        #expect(engine.notified(batch, now: t0 + .seconds(1)) == [.signal(SIGABRT)])
    }

    @Test func notReadyWithinTheStartTimeoutIsAFailedStart() {
        var engine = child(startTimeout: .seconds(2), stopTimeout: .seconds(1))
        #expect(engine.start() == [.spawn])
        engine.spawned(pid: 7, now: t0)
        #expect(engine.tick(now: t0 + .seconds(1)) == [])
        #expect(engine.tick(now: t0 + .seconds(2)) == [.signal(SIGTERM)])
        #expect(engine.tick(now: t0 + .seconds(3)) == [.killProcessGroup])
        let actions = engine.exited(.signaled(signal: SIGKILL, coreDumped: false), now: t0 + .seconds(3), wallClock: wall)
        guard case .exited(let record, _) = actions.first else {
            Issue.record("no exit record")
            return
        }
        #expect(record.cause == .startTimeout)
    }

    @Test func extendTimeoutBuysStartUpTime() {
        var engine = child(startTimeout: .seconds(2))
        _ = engine.start()
        engine.spawned(pid: 7, now: t0)
        var batch = NotifyBatch()
        batch.merge(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=5000000"), senderPID: 7)
        _ = engine.notified(batch, now: t0 + .seconds(1))
        #expect(engine.tick(now: t0 + .seconds(3)) == [], "extended to 6s")
        #expect(engine.tick(now: t0 + .seconds(6)) == [.signal(SIGTERM)])
    }

    @Test func stopIsSIGTERMThenSIGKILLOfTheGroupAndTheChildStaysDown() {
        var engine = child(stopTimeout: .seconds(5))
        ready(&engine)
        #expect(engine.stop(now: t0 + .seconds(1)) == [.signal(SIGTERM)])
        #expect(engine.tick(now: t0 + .seconds(5)) == [])
        #expect(engine.tick(now: t0 + .seconds(6)) == [.killProcessGroup])
        let actions = engine.exited(.signaled(signal: SIGKILL, coreDumped: false), now: t0 + .seconds(6), wallClock: wall)
        guard case .exited(let record, .stayDown) = actions.first else {
            Issue.record("a stopped child must stay down, got \(actions)")
            return
        }
        #expect(record.cause == .requested)
        #expect(engine.phase == .down(.stoppedOnRequest))
        #expect(engine.restarts == 0)
    }

    @Test func aCrashLoopBacksOff() {
        var engine = child()
        ready(&engine)
        var delays: [ChildLifecycle.Decision] = []
        var now = t0 + .seconds(1)
        for _ in 0..<4 {
            let actions = engine.exited(.exited(code: 3), now: now, wallClock: wall)
            if case .exited(_, let decision) = actions.first { delays.append(decision) }
            if case .backoff(let until) = engine.phase { now = until }
            _ = engine.tick(now: now)
            engine.spawned(pid: 9, now: now)
        }
        #expect(delays == [.restartNow, .restartAfter(.seconds(1)), .restartAfter(.seconds(2)), .restartAfter(.seconds(4))])
        #expect(engine.restarts == 4)
        #expect(engine.lastExit?.cause == .exited)
    }

    @Test func aBackoffWaitEndsWithASpawn() {
        var engine = child()
        ready(&engine)
        _ = engine.exited(.exited(code: 1), now: t0 + .seconds(1), wallClock: wall)
        engine.spawned(pid: 101, now: t0 + .seconds(1))
        _ = engine.exited(.exited(code: 1), now: t0 + .seconds(2), wallClock: wall)
        #expect(engine.phase == .backoff(until: t0 + .seconds(3)))
        #expect(engine.tick(now: t0 + .milliseconds(2999)) == [])
        #expect(engine.tick(now: t0 + .seconds(3)) == [.spawn])
    }

    @Test func exit78StaysDownAsFailed() {
        var engine = child()
        _ = engine.start()
        engine.spawned(pid: 5, now: t0)
        let actions = engine.exited(.exited(code: 78), now: t0 + .milliseconds(5), wallClock: wall)
        #expect(actions.count == 1)
        guard case .down(.failed(let why)) = engine.phase else {
            Issue.record("expected failed, got \(engine.phase)")
            return
        }
        #expect(why.contains("configuration error"))
        #expect(engine.start() == [.spawn], "an operator can start it again after fixing it")
    }

    @Test func memoryOverTheLimitKillsTheGroupWithReasonOOM() {
        var engine = child(memoryLimit: ByteSize(bytes: 100 << 20))
        ready(&engine)
        #expect(engine.memorySampled(residentBytes: 99 << 20, now: t0 + .seconds(1)) == [])
        #expect(engine.memorySampled(residentBytes: 101 << 20, now: t0 + .seconds(2)) == [.killProcessGroup])
        let actions = engine.exited(.signaled(signal: SIGKILL, coreDumped: false), now: t0 + .seconds(2), wallClock: wall)
        guard case .exited(let record, .restartNow) = actions.first else {
            Issue.record("expected a restart, got \(actions)")
            return
        }
        #expect(record.cause == .oom)
    }

    @Test func anOperatorRestartIsImmediateAndNotAFailure() {
        var engine = child()
        ready(&engine)
        #expect(engine.restart(now: t0 + .seconds(1)) == [.signal(SIGTERM)])
        let actions = engine.exited(.exited(code: 0), now: t0 + .seconds(2), wallClock: wall)
        #expect(actions.last == .spawn)
        guard case .exited(let record, .restartNow) = actions.first else {
            Issue.record("expected restartNow, got \(actions)")
            return
        }
        #expect(record.cause == .requested)
    }

    @Test func aSpawnFailureIsRecordedAndRetried() {
        var engine = child()
        _ = engine.start()
        let actions = engine.spawnFailed("exec /nope: No such file or directory", now: t0, wallClock: wall)
        #expect(engine.lastExit?.cause == .spawnFailed)
        #expect(actions.last == .spawn)
    }
}
