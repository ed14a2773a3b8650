import Testing
@testable import Resilience

/// The limiter every exchange call goes through, on an injected clock.
@Suite struct RateWindowTests {
    /// The most sends in any window-long span.
    func busiest(_ times: [Int64], window: Int64) -> Int {
        let sorted = times.sorted()
        return sorted.indices.map { start in sorted[start...].prefix { $0 < sorted[start] + window }.count }.max() ?? 0
    }

    @Test("a burst: the first `limit` go at once, the next wait for the window to move on")
    func burst() {
        var limiter = RateWindow(limit: 5, window: 1000)
        #expect((0..<12).map { _ in limiter.reserve(at: 0) } == [0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000])
    }

    @Test("callers arriving unevenly, faster than the limit: never more than `limit` in any window, and no time wasted")
    func neverExceeds() {
        var limiter = RateWindow(limit: 10, window: 1000)
        var clock: Int64 = 0
        var arrivals: [Int64] = []
        var sends: [Int64] = []
        for index in 0..<2000 {
            clock += Int64(index % 9) * 7
            arrivals.append(clock)
            sends.append(clock + limiter.reserve(at: clock))
        }
        #expect(busiest(sends, window: 1000) == 10)
        // No time wasted: each call goes as soon as it arrived and the window allowed it.
        for index in 10..<sends.count { #expect(sends[index] == max(arrivals[index], sends[index - 10] + 1000)) }
    }

    @Test("a quiet spell does not bank extra calls (a token bucket would allow a double burst)")
    func noDoubleBurst() {
        var limiter = RateWindow(limit: 5, window: 1000)
        let first = (0..<5).map { _ in limiter.reserve(at: 0) }
        let afterQuiet = (0..<5).map { _ in 10_000 + limiter.reserve(at: 10_000) } + (0..<5).map { _ in 10_500 + limiter.reserve(at: 10_500) }
        #expect(first == [0, 0, 0, 0, 0])
        #expect(busiest(afterQuiet, window: 1000) == 5)
    }

    @Test("a pause (Retry-After) holds every call until it ends")
    func pause() {
        var limiter = RateWindow(limit: 2, window: 1000)
        limiter.pause(at: 1000, for: 3000)
        #expect(limiter.reserve(at: 1000) == 3000)
        #expect(limiter.reserve(at: 2000) == 2000)
        #expect(limiter.reserve(at: 2000) == 3000)  // the window's two are at 4000
    }
}
