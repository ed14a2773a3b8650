import Testing
@testable import Resilience

/// The limiter every exchange call goes through, on an injected clock.
@Suite struct TokenBucketTests {
    @Test("a burst up to capacity goes at once; then each call waits its turn, exactly at the rate")
    func burstThenRate() {
        var bucket = TokenBucket(capacity: 5, perSecond: 5)
        #expect((0..<5).map { _ in bucket.reserve(at: 0) } == [0, 0, 0, 0, 0])
        // The next five are spread one per 200 ms.
        #expect((0..<5).map { _ in bucket.reserve(at: 0) } == [200, 400, 600, 800, 1000])
    }

    @Test("over any window the calls let through never exceed capacity + rate × window")
    func neverExceeds() {
        var bucket = TokenBucket(capacity: 10, perSecond: 10)
        var sendTimes: [Int64] = []
        var clock: Int64 = 0
        for index in 0..<500 {
            clock += Int64(index % 7)  // callers arriving unevenly, faster than the rate
            sendTimes.append(clock + bucket.reserve(at: clock))
        }
        sendTimes.sort()
        for (index, start) in sendTimes.enumerated() {
            let inWindow = sendTimes[index...].prefix { $0 < start + 1000 }.count
            #expect(inWindow <= 20, "\(inWindow) calls in the second from \(start)")
        }
    }

    @Test("a pause (Retry-After) holds every call until it ends, then the rate resumes")
    func pause() {
        var bucket = TokenBucket(capacity: 2, perSecond: 2)
        bucket.pause(at: 1000, for: 3000)
        #expect(bucket.reserve(at: 1000) == 3000)  // goes at 4000, not before
        #expect(bucket.reserve(at: 4500) == 0)
        // Idle long enough, the bucket is full again, never more.
        #expect(bucket.reserve(at: 100_000) == 0)
        #expect(bucket.reserve(at: 100_000) == 0)
        #expect(bucket.reserve(at: 100_000) == 500)
    }
}
