import Foundation

/// Stress tests of a portfolio held as fixed positions (weights, fractions of equity):
/// historical scenarios replayed from candle data (the worst 1-day and 7-day windows in it, and
/// four named days, `data/stress_scenarios.md`) and hypothetical shocks. A loss is a positive
/// fraction of equity.
public enum StressTest {
    public struct Scenario: Sendable, Codable, Hashable {
        public var name: String
        public var kind: String
        /// The window's first and last bar (open times, Unix ms), for historical scenarios.
        public var from: Int64?
        public var to: Int64?
        /// Each market's compounded return over the window (historical) or the shock (price shocks).
        public var returns: [String: Double]?
        /// Nil when the data does not cover the scenario (said in `note`).
        public var loss: Double?
        public var note: String
    }

    /// Named days (UTC) and what happened on them; `data/stress_scenarios.md` gives the sources.
    public static let namedDays: [(name: String, day: String, note: String)] = [
        ("2020-03-12", "2020-03-12", "COVID-19 crash (\"Black Thursday\"): equities and crypto sold off together"),
        ("2021-05-19", "2021-05-19", "crypto crash after Chinese bodies warned against crypto services; leverage unwound"),
        ("2022-06-13", "2022-06-13", "Celsius Network froze withdrawals; crypto lenders' crisis"),
        ("2022-11-08", "2022-11-08", "FTX's liquidity crisis; Binance's offered takeover, withdrawn the next day"),
    ]

    /// Every scenario for positions `weights` (by market) over `returns[t][i]` (bar t's return of
    /// market i, bar t opening at `times[t]`), bars of `interval` ms.
    public static func run(markets: [String], times: [Int64], returns: [[Double]], weights: [Double], interval: Int64) -> [Scenario] {
        var out: [Scenario] = []
        let day = Int(max(1, 86_400_000 / max(interval, 1)))
        for (label, bars) in [("worst 1-day window", day), ("worst 7-day window", 7 * day)] {
            out.append(worst(label, bars: bars, markets: markets, times: times, returns: returns, weights: weights))
        }
        for named in namedDays {
            out.append(namedDay(named.name, day: named.day, note: named.note, markets: markets, times: times, returns: returns, weights: weights))
        }
        out += hypothetical(markets: markets, returns: returns, weights: weights, horizon: day)
        return out
    }

    /// Each market's compounded return over rows `range`, from prefix sums of log(1 + r).
    static func compounded(_ sums: [[Double]], _ range: Range<Int>) -> [Double] {
        sums.map { expm1($0[range.upperBound] - $0[range.lowerBound]) }
    }

    static func prefixSums(_ returns: [[Double]], markets: Int) -> [[Double]] {
        (0..<markets).map { i in
            var sums = [Double](repeating: 0, count: returns.count + 1)
            for (t, row) in returns.enumerated() { sums[t + 1] = sums[t] + log1p(row[i]) }
            return sums
        }
    }

    static func loss(_ moves: [Double], _ weights: [Double]) -> Double { -zip(moves, weights).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The window of `bars` consecutive bars in which the positions lost most.
    static func worst(_ name: String, bars: Int, markets: [String], times: [Int64], returns: [[Double]], weights: [Double]) -> Scenario {
        guard returns.count >= bars, bars > 0 else {
            return Scenario(name: name, kind: "historical", returns: nil, loss: nil, note: "the data holds fewer than \(bars) bars")
        }
        let sums = prefixSums(returns, markets: markets.count)
        var best = (start: 0, loss: -Double.infinity)
        for start in 0...(returns.count - bars) {
            let value = loss(compounded(sums, start..<(start + bars)), weights)
            if value > best.loss { best = (start, value) }
        }
        let moves = compounded(sums, best.start..<(best.start + bars))
        return Scenario(
            name: name, kind: "historical", from: times[best.start], to: times[best.start + bars - 1],
            returns: Dictionary(uniqueKeysWithValues: zip(markets, moves)), loss: best.loss, note: "the data's worst \(bars) consecutive bars for these positions")
    }

    /// The UTC day `day` (YYYY-MM-DD): each market's last close of the day against its last close before it.
    public static func namedDay(_ name: String, day: String, note: String, markets: [String], times: [Int64], returns: [[Double]], weights: [Double]) -> Scenario {
        let start = dayStart(day), end = start + 86_400_000
        let rows = times.indices.filter { times[$0] >= start && times[$0] < end }
        // Covered: at least half the day's bars are there (a maintenance gap aside); each row's
        // return is against the close before it, so the first counts from the day before's close.
        guard let first = rows.first, let last = rows.last, Int64(rows.count * 2) >= 86_400_000 / max(1, spacing(times)) else {
            return Scenario(name: name, kind: "historical", from: start, to: end - 1, returns: nil, loss: nil, note: note + "; not in the data given")
        }
        let moves = compounded(prefixSums(returns, markets: markets.count), first..<(last + 1))
        return Scenario(
            name: name, kind: "historical", from: times[first], to: times[last], returns: Dictionary(uniqueKeysWithValues: zip(markets, moves)),
            loss: loss(moves, weights), note: note)
    }

    /// Midnight UTC of `YYYY-MM-DD` in Unix ms, by the days-from-civil algorithm (Howard Hinnant's
    /// `chrono` date algorithms): no formatter per call.
    static func dayStart(_ text: String) -> Int64 {
        let parts = text.split(separator: "-").compactMap { Int64($0) }
        precondition(parts.count == 3, "a named day is YYYY-MM-DD")
        let (m, d) = (parts[1], parts[2])
        let y = m <= 2 ? parts[0] - 1 : parts[0]
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return (era * 146_097 + dayOfEra - 719_468) * 86_400_000
    }

    /// The data's most common bar spacing (ms).
    public static func spacing(_ times: [Int64]) -> Int64 {
        guard times.count > 1 else { return 86_400_000 }
        var counts: [Int64: Int] = [:]
        for (a, b) in zip(times, times.dropFirst()) { counts[b - a, default: 0] += 1 }
        return counts.max { $0.value < $1.value }!.key
    }

    /// Price shocks of −20 % and −40 % to every market; and the 99 % one-day parametric VaR with
    /// every volatility tripled, and with every correlation set to 1 (σₚ = Σ wᵢσᵢ).
    static func hypothetical(markets: [String], returns: [[Double]], weights: [Double], horizon: Int) -> [Scenario] {
        var out: [Scenario] = []
        for shock in [0.2, 0.4] {
            let moves = markets.map { _ in -shock }
            out.append(Scenario(
                name: "every market −\(Int(shock * 100))%", kind: "hypothetical", returns: Dictionary(uniqueKeysWithValues: zip(markets, moves)),
                loss: loss(moves, weights), note: "an instant fall of \(Int(shock * 100))% in every market"))
        }
        guard returns.count > markets.count + 1 else { return out }
        let covariance = Covariance.sample(returns)
        let means = (0..<markets.count).map { i in returns.reduce(0) { $0 + $1[i] } / Double(returns.count) }
        let mean = zip(weights, means).reduce(0) { $0 + $1.0 * $1.1 } * Double(horizon)
        let z = StandardNormal.quantile(0.01)
        var variance = 0.0
        for i in markets.indices { for j in markets.indices { variance += weights[i] * weights[j] * covariance[i][j] } }
        let tripled = 3 * variance.squareRoot() * Double(horizon).squareRoot()
        out.append(Scenario(
            name: "volatility ×3", kind: "hypothetical", returns: nil, loss: max(0, -(mean + z * tripled)),
            note: "99% one-day parametric VaR with every market's volatility tripled"))
        let together = markets.indices.reduce(0) { $0 + weights[$1] * covariance[$1][$1].squareRoot() } * Double(horizon).squareRoot()
        out.append(Scenario(
            name: "correlations → 1", kind: "hypothetical", returns: nil, loss: max(0, -(mean + z * together)),
            note: "99% one-day parametric VaR with every pair of markets moving as one"))
        return out
    }
}
