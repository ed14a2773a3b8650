import Foundation
import Synchronization
import Telemetry
import Trading

/// The portfolio as of the last bar: the returns window and what each market's positions are worth.
struct PortfolioMeter: Sendable {
    var watch: PortfolioWatch
    var values: [Double] = []
    var equity = 0.0
}

/// The engine's own series, served on its /metrics and merged by the supervisor under `child`.
public final class EngineMetrics: Sendable {
    struct State {
        var equity = 0.0
        var positions: [Slot: Double] = [:]
        var markets: Set<String> = []
        var orders: [String: Double] = [:]
        var fills = 0.0
        var signals: [String: Double] = [:]
        var progress = 0.0
        var drawdown = 0.0
        var dailyPnL = 0.0
        /// daily_loss, max_drawdown or operator while entries are halted.
        var haltKind: String?
        /// 0 active, 1 reducing, 2 halted.
        var riskState = 0
        var monthlyPnL = 0.0
        var failedClosed = false
        var unknownOrders = 0
        var mismatches = 0
        var externalOrders = 0
        var lastBarWallTime: Date?
        var decisionBuckets = Array(repeating: UInt64(0), count: EngineMetrics.bounds.count)
        var decisionSum = 0.0
        var decisionCount: UInt64 = 0
        var sendBuckets = Array(repeating: UInt64(0), count: EngineMetrics.sendBounds.count)
        var sendSum = 0.0
        var sendCount: UInt64 = 0
        var weights: [SlotWeight] = []
        var loopValueAtRisk: Double?
    }

    /// One strategy on one market.
    struct Slot: Hashable {
        var strategy: String
        var market: String
    }

    static let bounds = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 2.5e-2, 0.1, 1]
    static let sendBounds = [1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1]
    private let state = Mutex(State())
    init() {}

    func update(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }

    /// The portfolio's returns window and positions, written at each bar by the observer.
    let portfolio = Mutex<PortfolioMeter?>(nil)
    /// The figures last computed from it, what a scrape reads.
    let portfolioFigures = Mutex(PortfolioWatch.Figures())

    /// VaR, correlation and diversification of the last bar's positions, computed now and kept
    /// for scrapes (the observer calls this at most every few seconds, and at a replay's end).
    func refreshPortfolioFigures() {
        let figures: PortfolioWatch.Figures = portfolio.withLock { meter in
            guard var current = meter else { return PortfolioWatch.Figures() }
            meter = nil  // held once, so the figures' Monte Carlo cache is written without a copy
            let figures = current.watch.figures(values: current.values, equity: current.equity)
            meter = current
            return figures
        }
        portfolioFigures.withLock { $0 = figures }
    }

    func observeSend(seconds: Double) {
        state.withLock { s in
            for (index, bound) in Self.sendBounds.enumerated() where seconds <= bound { s.sendBuckets[index] += 1 }
            s.sendSum += seconds
            s.sendCount += 1
        }
    }

    func observeDecision(seconds: Double) {
        state.withLock { s in
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { s.decisionBuckets[index] += 1 }
            s.decisionSum += seconds
            s.decisionCount += 1
        }
    }

    public func families() -> [MetricFamily] {
        let s = state.withLock { $0 }
        let figures = portfolioFigures.withLock { $0 }
        let age = s.lastBarWallTime.map { Date().timeIntervalSince($0) }
        var families: [MetricFamily] = [
            .single("warden_engine_equity", .gauge, "Paper account equity in quote currency, at the last bar's close.", [([], s.equity)]),
            .single("warden_engine_position_quantity", .gauge, "Open position size per strategy.",
                    s.positions.sorted { ($0.key.strategy, $0.key.market) < ($1.key.strategy, $1.key.market) }.map { key, value in
                        ([("symbol", key.market), ("strategy", key.strategy)], value)
                    }),
            .single("warden_engine_orders_total", .counter, "Orders sent, by side and result.",
                    s.orders.sorted { $0.key < $1.key }.map { key, value in
                        let parts = key.split(separator: "/").map(String.init)
                        return ([("side", parts[0]), ("result", parts[1])], value)
                    }),
            .single("warden_engine_fills_total", .counter, "Fills received.", [([], s.fills)]),
            .single("warden_engine_signals_total", .counter, "Entry and exit signals, by strategy.",
                    s.signals.sorted { $0.key < $1.key }.map { key, value in
                        let parts = key.split(separator: "/").map(String.init)
                        return ([("strategy", parts[0]), ("kind", parts[1])], value)
                    }),
            .single("warden_engine_replay_progress_ratio", .gauge, "Share of the replay file processed.", [([], s.progress)]),
            .single("warden_engine_drawdown_ratio", .gauge, "Drawdown of equity from its peak, 0–1.", [([], s.drawdown)]),
            .single("warden_engine_orders_unknown", .gauge, "Orders sent whose outcome the exchange has not told yet (asked about, never sent again).",
                    [([], Double(s.unknownOrders))]),
            .single("warden_engine_fail_closed", .gauge, "1 while new entries are stopped because the exchange's balances disagree with the journal.",
                    [([], s.failedClosed ? 1 : 0)]),
            .single("warden_exchange_reconciliation_mismatches_total", .counter, "Balance checks that found the exchange short of what the journal holds.",
                    [([], Double(s.mismatches))]),
            .single("warden_exchange_external_orders", .gauge, "Open orders at the exchange that Warden did not place (left alone; see the audit log).",
                    [([], Double(s.externalOrders))]),
            .single("warden_engine_halted", .gauge, "1 while new entries are halted, by reason (daily_loss, monthly_loss, max_drawdown, operator).",
                    ["daily_loss", "monthly_loss", "max_drawdown", "operator"].map { ([("reason", $0)], s.haltKind == $0 ? 1 : 0) }),
            .single("warden_engine_daily_pnl_ratio", .gauge, "Equity change since the UTC day's open, as a ratio.", [([], s.dailyPnL)]),
            .single("warden_engine_monthly_pnl_ratio", .gauge, "Equity change since the UTC month's open, as a ratio.", [([], s.monthlyPnL)]),
            .single("warden_risk_var_ratio", .gauge, "Value at risk of the positions held over the horizon (engine.portfolio.horizon), a positive fraction of equity, by method and confidence.",
                    figures.estimates.map { ([("method", $0.method.rawValue), ("confidence", String($0.confidence))], $0.valueAtRisk) }),
            .single("warden_risk_cvar_ratio", .gauge, "Conditional value at risk (the mean loss beyond VaR), a positive fraction of equity, by method and confidence.",
                    figures.estimates.map { ([("method", $0.method.rawValue), ("confidence", String($0.confidence))], $0.conditionalValueAtRisk) }),
            .single("warden_portfolio_correlation", .gauge, "Pearson correlation of two markets' close-to-close returns over engine.portfolio.window bars.",
                    figures.correlations.map { ([("a", $0.a), ("b", $0.b)], $0.value) }),
            .single("warden_risk_stress_loss_ratio", .gauge,
                    "Loss of the positions held under a stress scenario, a fraction of equity: the worst day and week of the returns window, price shocks, volatility ×3, correlations → 1.",
                    figures.stress.map { ([("scenario", $0.scenario)], $0.loss) }),
            .single("warden_portfolio_exposure_ratio", .gauge, "The positions held at the last close, as a share of equity.", [([], figures.exposure)]),
            .single("warden_risk_state", .gauge, "The risk layer's state: 0 ACTIVE, 1 REDUCING (no entries; positions trimmed under the exposure cap or the VaR limit), 2 HALTED (until an operator resumes).",
                    [([], Double(s.riskState))]),
        ]
        let held = s.weights.filter { $0.weight > 0 }
        families.append(contentsOf: [
            .single("warden_portfolio_weight", .gauge, "Each strategy slot's position at the last close, a share of equity.",
                    s.weights.map { ([("strategy", $0.strategy), ("market", $0.market)], $0.weight) }),
            .single("warden_portfolio_target_weight", .gauge, "Each strategy slot's allocated share of equity (engine.portfolio.allocation).",
                    s.weights.map { ([("strategy", $0.strategy), ("market", $0.market)], $0.target) }),
            .single("warden_portfolio_drift_ratio", .gauge, "The largest |weight − target| of the slots holding a position (what rebalancing corrects); 0 with none held.",
                    [([], held.map { abs($0.weight - $0.target) }.max() ?? 0)]),
        ])
        if let value = s.loopValueAtRisk {
            families.append(.single("warden_risk_var_limit_input_ratio", .gauge,
                                    "The historical VaR the risk layer compared with engine.risk.max_var at the last close (its confidence, the portfolio's horizon).", [([], value)]))
        }
        if let ratio = figures.diversification {
            families.append(.single("warden_portfolio_diversification_ratio", .gauge,
                                    "Σ wσ / σ of the positions held (1: they move as one); only while two or more markets are held.", [([], ratio)]))
        }
        if let age {
            families.append(.single("warden_engine_market_data_age_seconds", .gauge, "Seconds since the last bar was processed.",
                                    s.markets.sorted().map { ([("symbol", $0)], age) }))
        }
        families.append(.histogram(
            "warden_engine_decision_seconds", "Time from a bar's close (on a live feed, the exchange's answer or frame that closed it) to every strategy's decision.",
            labels: [], buckets: zip(Self.bounds, s.decisionBuckets).map { ($0, $1) }, sum: s.decisionSum, count: s.decisionCount))
        families.append(.histogram(
            "warden_engine_order_send_seconds", "Time from a strategy's decision to its order handed to the venue (the durable journal write included).",
            labels: [], buckets: zip(Self.sendBounds, s.sendBuckets).map { ($0, $1) }, sum: s.sendSum, count: s.sendCount))
        return families
    }
}
