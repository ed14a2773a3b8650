import Foundation
import Testing
@testable import Trading

@Suite("Stress tests: historical windows and days replayed on positions, hypothetical shocks")
struct StressTestTests {
    /// Hourly bars from 2020-03-10 00:00 UTC: two markets, the second half as volatile.
    static let start: Int64 = 1_583_798_400_000
    static func series(_ count: Int) -> (times: [Int64], returns: [[Double]]) {
        var generator = SplitMix64(seed: 11)
        let returns = (0..<count).map { _ -> [Double] in
            let common = generator.normal() * 0.01
            return [common + generator.normal() * 0.002, 0.5 * common + generator.normal() * 0.002]
        }
        return ((0..<count).map { start + Int64($0) * 3_600_000 }, returns)
    }

    @Test("the worst window is the one a brute force over every window finds, its loss the positions' compounded fall")
    func worstWindow() throws {
        let (times, returns) = Self.series(400)
        let weights = [0.6, 0.3]
        let found = StressTest.worst("w", bars: 24, markets: ["A", "B"], times: times, returns: returns, weights: weights)
        var bruteLoss = -Double.infinity, bruteStart = 0
        for s in 0...(returns.count - 24) {
            let moves = (0..<2).map { i in returns[s..<(s + 24)].reduce(1.0) { $0 * (1 + $1[i]) } - 1 }
            let loss = -(weights[0] * moves[0] + weights[1] * moves[1])
            if loss > bruteLoss { (bruteLoss, bruteStart) = (loss, s) }
        }
        let loss = try #require(found.loss)
        #expect(abs(loss - bruteLoss) < 1e-12)
        #expect(found.from == times[bruteStart] && found.to == times[bruteStart + 23])
    }

    @Test("a named day is that UTC day's bars against the close before it; a day outside the data has no loss")
    func namedDays() throws {
        let (times, returns) = Self.series(24 * 5)
        let day = StressTest.namedDay("2020-03-12", day: "2020-03-12", note: "n", markets: ["A", "B"], times: times, returns: returns, weights: [1, 0])
        let rows = times.indices.filter { times[$0] >= Self.start + 2 * 86_400_000 && times[$0] < Self.start + 3 * 86_400_000 }
        let expected = rows.reduce(1.0) { $0 * (1 + returns[$1][0]) } - 1
        let loss = try #require(day.loss)
        #expect(rows.count == 24 && abs(loss + expected) < 1e-12)
        let outside = StressTest.namedDay("2022-11-08", day: "2022-11-08", note: "n", markets: ["A", "B"], times: times, returns: returns, weights: [1, 0])
        #expect(outside.loss == nil && outside.note.hasSuffix("not in the data given"))
    }

    @Test("price shocks lose the exposure times the shock; tripled volatility and correlations of one lose more than the VaR itself")
    func hypothetical() throws {
        let (_, returns) = Self.series(500)
        let weights = [0.5, 0.25]
        let shocks = StressTest.hypothetical(markets: ["A", "B"], returns: returns, weights: weights, horizon: 24)
        #expect(shocks.map(\.name) == ["every market −20%", "every market −40%", "volatility ×3", "correlations → 1"])
        let fall20 = try #require(shocks[0].loss), fall40 = try #require(shocks[1].loss)
        #expect(abs(fall20 - 0.15) < 1e-15 && abs(fall40 - 0.30) < 1e-15)
        let parametric = try #require(ValueAtRisk(returns: returns, weights: weights, horizon: 24).estimate(.parametric, confidence: 0.99))
        let tripled = try #require(shocks[2].loss), together = try #require(shocks[3].loss)
        #expect(tripled > 2.5 * parametric.valueAtRisk)
        #expect(together >= parametric.valueAtRisk)
    }

    @Test("a named day's midnight (UTC) agrees with the Gregorian calendar from 1970 to 2100")
    func dayStarts() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        for day in stride(from: 0, through: 47_500, by: 7) {
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86_400))
            #expect(StressTest.dayStart(text) == Int64(day) * 86_400_000, "\(text)")
        }
    }
}
