import Testing

@testable import Supervisor

@Suite struct NotifyMessageTests {
    @Test func parsesTheKeysTheSupervisorActsOn() {
        let message = NotifyMessage(parsing: "READY=1\nSTATUS=engine: trading (3 positions)\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=5000000\nSTOPPING=1\nRELOADING=1\n")
        #expect(message.fields == [
            .ready, .status("engine: trading (3 positions)"), .watchdogPing, .extendTimeout(.seconds(5)), .stopping,
            .reloading,
        ])
    }

    @Test func valuesMayContainEqualsSigns() {
        #expect(NotifyMessage(parsing: "STATUS=a=b=c").fields == [.status("a=b=c")])
    }

    @Test func watchdogTriggerIsNotAPing() {
        #expect(NotifyMessage(parsing: "WATCHDOG=trigger").fields == [.watchdogTrigger])
    }

    @Test func unknownAndMalformedLinesAreKeptForLogging() {
        let message = NotifyMessage(parsing: "MAINPID=42\nX_WARDEN_TRADES=3\ngarbage\nREADY=0\nEXTEND_TIMEOUT_USEC=soon\n\n")
        #expect(message.fields == [
            .other(key: "MAINPID", value: "42"), .other(key: "X_WARDEN_TRADES", value: "3"), .malformed("garbage"),
            .malformed("READY=0"), .malformed("EXTEND_TIMEOUT_USEC=soon"),
        ])
    }

    @Test func aBatchMergesManyDatagramsIntoOne() {
        var batch = NotifyBatch()
        for index in 0..<1000 {
            batch.merge(NotifyMessage(parsing: "STATUS=n \(index)\nWATCHDOG=1\nX_NOISE=\(index)"), senderPID: 7)
        }
        batch.merge(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=1000000"), senderPID: 8)
        batch.merge(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=500000\nREADY=1"), senderPID: 8)
        #expect(batch.datagrams == 1002)
        #expect(batch.status == "n 999")
        #expect(batch.watchdogPings == 1000)
        #expect(batch.ready)
        #expect(batch.extendTimeout == .seconds(1))
        #expect(batch.ignored.count == NotifyBatch.ignoredLimit, "unknown keys are capped, not accumulated")
        #expect(batch.lastSenderPID == 8)
    }
}
