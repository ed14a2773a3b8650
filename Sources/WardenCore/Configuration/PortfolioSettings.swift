import Foundation

/// `engine.portfolio`: how the engine measures the portfolio at each bar (VaR and CVaR of the
/// positions held, the markets' correlation, the diversification ratio).
public struct PortfolioSettings: Sendable, Hashable, Decodable {
    /// Returns kept: the last N bars on which every market closed; nil is 1,000 or ten horizons,
    /// whichever is more (a day of minutes needs 14,400 for its historical VaR).
    public var window: Int?
    /// The VaR horizon (a day by default), in time; the engine turns it into bars of its timeframe.
    public var horizon: Duration
    public var monteCarloPaths: Int
    /// Monte Carlo is drawn again every N bars (historical, parametric and Cornish–Fisher every bar).
    public var monteCarloEvery: Int
    /// How equity is shared between the slots (`equal` by default, today's behaviour).
    public var allocation: AllocationSettings
    /// Rebalancing back to the targets; nil (the default) never rebalances.
    public var rebalance: RebalanceSettings?
    /// How often the supervisor's `risk-report` job records the positions' VaR and stress losses
    /// (`warden risk report --record`); nil (`off`) never.
    public var reportInterval: Duration?

    public init(
        window: Int? = nil, horizon: Duration = .seconds(86_400), monteCarloPaths: Int = 100_000, monteCarloEvery: Int = 60,
        allocation: AllocationSettings = AllocationSettings(), rebalance: RebalanceSettings? = nil, reportInterval: Duration? = .seconds(86_400)
    ) {
        self.reportInterval = reportInterval
        (self.window, self.horizon, self.monteCarloPaths, self.monteCarloEvery) = (window, horizon, monteCarloPaths, monteCarloEvery)
        (self.allocation, self.rebalance) = (allocation, rebalance)
    }

    /// The window for a horizon of `bars`.
    public func window(horizon bars: Int) -> Int { window ?? max(1000, 10 * bars) }

    static let keys = ["window", "horizon", "monte_carlo_paths", "monte_carlo_every", "allocation", "rebalance", "report_interval"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = PortfolioSettings()
        var horizon = defaults.horizon
        if let text: String = fields.read("horizon") {
            if let parsed = DurationText.parse(text), parsed >= .seconds(60) { horizon = parsed } else {
                fields.problem("expected a duration of at least 1m (such as 1d or 4h), found '\(text)'", at: "horizon")
            }
        }
        self.init(
            window: fields.read("window"), horizon: horizon,
            monteCarloPaths: fields.read("monte_carlo_paths", default: defaults.monteCarloPaths),
            monteCarloEvery: fields.read("monte_carlo_every", default: defaults.monteCarloEvery),
            allocation: fields.read("allocation", default: AllocationSettings()), rebalance: fields.read("rebalance"))
        if let text: String = fields.read("report_interval") {
            reportInterval = text == "off" ? nil : DurationText.parse(text)
            if text != "off", reportInterval.map({ $0 < .seconds(60) }) ?? true {
                fields.problem("expected a duration of at least 1m (such as 1d) or off, found '\(text)'", at: "report_interval")
                reportInterval = nil
            }
        }
        if let window, !(30...1_000_000).contains(window) { fields.problem("expected 30 to 1000000 returns, found \(window)", at: "window") }
        if !(100...10_000_000).contains(monteCarloPaths) { fields.problem("expected 100 to 10000000 paths, found \(monteCarloPaths)", at: "monte_carlo_paths") }
        if monteCarloEvery < 1 { fields.problem("expected 1 or more bars, found \(monteCarloEvery)", at: "monte_carlo_every") }
    }
}
