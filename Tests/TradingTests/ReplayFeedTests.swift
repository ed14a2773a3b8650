import Synchronization
import Testing
@testable import Trading

/// A clock that moves only when the test says, so pacing is checked without waiting for time.
final class ManualClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [(deadline: Instant, wake: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        await withCheckedContinuation { (wake: CheckedContinuation<Void, Never>) in
            let due = state.withLock { s -> Bool in
                if deadline <= s.now { return true }
                s.sleepers.append((deadline, wake))
                return false
            }
            if due { wake.resume() }
        }
    }

    func advance(by duration: Duration) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now = s.now.advanced(by: duration)
            let due = s.sleepers.filter { $0.deadline <= s.now }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return due.map(\.wake)
        }
        for wake in woken { wake.resume() }
    }
}

@Suite("The replay feed")
struct ReplayFeedTests {
    static func bars(_ count: Int, start: Int64 = 0, step: Int64 = 60_000) -> [Candle] {
        (0..<count).map { Candle(openTime: start + Int64($0) * step, open: 1, high: 1, low: 1, close: 1, volume: 1) }
    }

    @Test("several markets merge in time order, whole batches per chunk; the last chunk is marked; after T resumes past T")
    func merge() async throws {
        let feed = ReplayFeed(markets: [("BTC-USDT", Self.bars(3)), ("ETH-USDT", Self.bars(2, start: 60_000))], interval: 60_000)
        var batches: [(time: Int64, markets: [Int32])] = []
        var ends: [Bool] = []
        for try await chunk in feed.chunks(after: nil) {
            batches += chunk.batches.map { ($0.time, Array(chunk.markets[$0.range])) }
            ends.append(chunk.endsFeed)
        }
        #expect(batches.map(\.time) == [0, 60_000, 120_000])
        #expect(batches.map(\.markets) == [[0], [0, 1], [0, 1]])
        #expect(ends.last == true, "the last chunk ends the replay")
        var resumed: [Int64] = []
        for try await chunk in feed.chunks(after: 60_000) { resumed += chunk.batches.map(\.time) }
        #expect(resumed == [120_000])
        #expect(feed.position(through: 60_000) == 3)
    }

    @Test("at speed 60, one-minute bars come one simulated second apart, never early")
    func pacing() async throws {
        let clock = ManualClock()
        let feed = ReplayFeed(markets: [("BTC-USDT", Self.bars(3))], interval: 60_000, speed: 60, clock: clock)
        let (times, delivered) = AsyncStream.makeStream(of: Int64.self)
        let task = Task {
            for try await chunk in feed.chunks(after: nil) {
                #expect(chunk.batches.count == 1, "paced: one batch at a time")
                delivered.yield(chunk.bars.first!.candle.openTime)
            }
            delivered.finish()
        }
        var received = times.makeAsyncIterator()
        #expect(await received.next() == 0, "the first bar at once")
        while clock.sleeping == 0 { await Task.yield() }
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeping == 1, "not before its second")
        clock.advance(by: .milliseconds(1))
        #expect(await received.next() == 60_000)
        while clock.sleeping == 0 { await Task.yield() }
        clock.advance(by: .seconds(1))
        #expect(await received.next() == 120_000)
        #expect(await received.next() == nil)
        try await task.value
    }
}
