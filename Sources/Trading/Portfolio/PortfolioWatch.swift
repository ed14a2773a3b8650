import Foundation

/// What the engine knows about the portfolio at each bar: the markets' recent close-to-close
/// returns (the last `window` bars on which every market closed) and, from them and the positions
/// held, VaR and CVaR as fractions of equity, the markets' pairwise correlation and the
/// diversification ratio. Only closes up to the bar are used. Observing a bar is O(markets); the
/// figures are computed when asked (the engine asks every few seconds), Monte Carlo again only
/// once `monteCarloEvery` bars have passed.
public struct PortfolioWatch: Sendable {
    public struct Settings: Sendable, Hashable {
        public var window: Int
        /// In bars (a day of the engine's timeframe by default).
        public var horizon: Int
        public var confidences: [Double]
        public var paths: Int
        /// Monte Carlo is drawn again every this many bars (its closed-form peers every bar).
        public var monteCarloEvery: Int

        public init(window: Int = 1000, horizon: Int = 1, confidences: [Double] = [0.95, 0.99], paths: Int = 100_000, monteCarloEvery: Int = 60) {
            (self.window, self.horizon, self.confidences, self.paths, self.monteCarloEvery) = (window, horizon, confidences, paths, monteCarloEvery)
        }
    }

    public struct Figures: Sendable {
        public var estimates: [ValueAtRisk.Estimate] = []
        /// Pearson correlation of each pair of markets' returns, as pandas' `DataFrame.corr`.
        public var correlations: [(a: String, b: String, value: Double)] = []
        /// Σ wᵢσᵢ / σₚ of the positions held (Choueifaty and Coignard, 2008): 1 when the holdings
        /// move as one, higher the more they offset; nil with fewer than two markets held.
        public var diversification: Double?
        /// The share of equity in positions.
        public var exposure = 0.0
        /// Stress losses of the positions held: the worst day and week in the returns window, and
        /// the hypothetical shocks (`StressTest`); the named days need history the window lacks.
        public var stress: [(scenario: String, loss: Double)] = []

        public init() {}
    }

    public let markets: [String]
    public let settings: Settings
    private var rows: [[Double]] = []
    private var previous: [Double?]
    private var previousComplete = false
    private var barsSinceMonteCarlo = Int.max
    private var monteCarlo: [ValueAtRisk.Estimate] = []

    public init(markets: [String], settings: Settings) {
        self.markets = markets
        self.settings = settings
        previous = markets.map { _ in nil }
    }

    /// A bar's closes (nil for a market without a bar at this time): one row of one-bar returns
    /// when every market closed on this bar and on the one before (a return across a gap would
    /// span two bars for one market and one for the others).
    public mutating func observe(closes: [Double?]) {
        let complete = closes.allSatisfy { $0 != nil }
        if complete, previousComplete {
            rows.append(zip(closes, previous).map { now, before in now! / before! - 1 })
            if rows.count > settings.window { rows.removeFirst(rows.count - settings.window) }
        }
        for (index, close) in closes.enumerated() where close != nil { previous[index] = close }
        previousComplete = complete
        if barsSinceMonteCarlo != Int.max { barsSinceMonteCarlo += 1 }
    }

    public var observations: Int { rows.count }
    /// Each market's last close seen.
    public var closes: [Double?] { previous }

    /// The figures for positions worth `values` (per market, in quote) out of `equity`.
    public mutating func figures(values: [Double], equity: Double) -> Figures {
        var out = Figures()
        guard equity > 0, rows.count > max(2, markets.count) else { return out }
        let weights = values.map { $0 / equity }
        out.exposure = weights.reduce(0, +)
        out.correlations = Self.correlations(markets: markets, returns: rows)
        let model = ValueAtRisk(returns: rows, weights: weights, horizon: settings.horizon)
        // Historical VaR over H bars needs many overlapping H-bar windows (100 here) to mean anything.
        let methods: [ValueAtRisk.Method] = rows.count >= settings.horizon + 99 ? [.historical, .parametric, .cornishFisher] : [.parametric, .cornishFisher]
        if out.exposure > 0 {
            for method in methods {
                for level in settings.confidences { if let e = model.estimate(method, confidence: level) { out.estimates.append(e) } }
            }
            if barsSinceMonteCarlo >= settings.monteCarloEvery {
                monteCarlo = settings.confidences.compactMap { model.estimate(.monteCarlo, confidence: $0, paths: settings.paths, seed: UInt64(rows.count)) }
                barsSinceMonteCarlo = 0
            }
            out.estimates += monteCarlo
        } else {
            // Nothing held: nothing at risk.
            out.estimates = (methods + [.monteCarlo]).flatMap { method in
                settings.confidences.map { ValueAtRisk.Estimate(method: method, confidence: $0, valueAtRisk: 0, conditionalValueAtRisk: 0) }
            }
            barsSinceMonteCarlo = Int.max
        }
        let bars = (0..<rows.count).map(Int64.init)
        let day = max(1, settings.horizon)
        var scenarios = [("worst 1-day window", day), ("worst 7-day window", 7 * day)].map {
            StressTest.worst($0.0, bars: $0.1, markets: markets, times: bars, returns: rows, weights: weights)
        }
        scenarios += StressTest.hypothetical(markets: markets, returns: rows, weights: weights, horizon: day)
        out.stress = scenarios.compactMap { scenario in scenario.loss.map { (scenario.name, max(0, $0)) } }
        let held = weights.indices.filter { weights[$0] > 0 }
        if held.count > 1 {
            let deviations = (0..<markets.count).map { i in SampleMoments(rows.map { $0[i] }).deviation }
            let portfolio = SampleMoments(model.portfolio).deviation
            if portfolio > 0 { out.diversification = held.reduce(0) { $0 + weights[$1] * deviations[$1] } / portfolio }
        }
        return out
    }

    /// Pearson correlation of each pair of columns of `returns` (rows are bars), as pandas' `corr`.
    public static func correlations(markets: [String], returns rows: [[Double]]) -> [(a: String, b: String, value: Double)] {
        guard markets.count > 1, rows.count > 1 else { return [] }
        let c = Covariance.sample(rows)
        var out: [(a: String, b: String, value: Double)] = []
        for i in markets.indices {
            for j in markets.indices where j > i && c[i][i] > 0 && c[j][j] > 0 {
                out.append((markets[i], markets[j], c[i][j] / (c[i][i] * c[j][j]).squareRoot()))
            }
        }
        return out
    }
}
