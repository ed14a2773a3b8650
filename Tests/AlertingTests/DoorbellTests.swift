import Testing
@testable import Alerting

@Suite struct DoorbellTests {
    @Test func ringWakesAWaiter() async {
        let bell = Doorbell()
        let started = ContinuousClock.now
        async let waited: Void = bell.wait(until: .now + .seconds(30))
        await bell.ring()
        await waited
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aRingBeforeTheWaitIsKept() async {
        let bell = Doorbell()
        await bell.ring()
        let started = ContinuousClock.now
        await bell.wait(until: .now + .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

extension DoorbellTests {
    @Test func ringFromAnotherTaskAfterTheWaitParked() async {
        let bell = Doorbell()
        let started = ContinuousClock.now
        let waiter = Task { await bell.wait(until: .now + .seconds(20)) }
        let ringer = Task { await bell.ring() }
        await ringer.value
        await waiter.value
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
