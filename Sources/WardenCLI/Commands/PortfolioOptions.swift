import ArgumentParser
import Foundation
import Trading
import WardenCore

/// `warden backtest`'s portfolio flags: the same settings as `engine.portfolio` (allocation and
/// rebalancing) and the VaR limit of `engine.risk`, so a backtest can replay what the engine runs.
struct PortfolioOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Portfolio: how equity is shared between the slots: equal, fixed, inverse_volatility, risk_parity or kelly.", valueName: "method"))
    var allocation: String = "equal"
    @Option(name: .customLong("weight"), help: ArgumentHelp("Portfolio: a fixed weight, STRATEGY@MARKET=W or STRATEGY=W (repeatable; --allocation fixed).", valueName: "slot=w"))
    var weights: [String] = []
    @Option(name: .customLong("allocation-window"), help: "Portfolio: returns (bars) behind the volatilities and covariance.") var allocationWindow: Int = 720
    @Option(name: .customLong("allocation-every"), help: ArgumentHelp("Portfolio: estimate the weights again at each such period (UTC).", valueName: "duration"))
    var allocationEvery: String = "1d"
    @Option(name: .customLong("kelly-fraction"), help: "Portfolio: the fraction of the Kelly bet (--allocation kelly).") var kellyFraction: Double = 0.5
    @Option(name: .customLong("kelly-min-trades"), help: "Portfolio: closed trades a slot needs before Kelly sizes it (equal share until then).") var kellyMinTrades: Int = 10
    @Option(name: .customLong("max-slot-weight"), help: "Portfolio: no slot above this share of equity.") var maxSlotWeight: Double = 1
    @Option(name: .customLong("max-market-weight"), help: ArgumentHelp("Portfolio: a cap on a market's slots together, MARKET=W (repeatable).", valueName: "market=w"))
    var maxMarketWeight: [String] = []
    @Option(name: .customLong("max-strategy-weight"), help: ArgumentHelp("Portfolio: a cap on a strategy's slots together, STRATEGY=W (repeatable).", valueName: "strategy=w"))
    var maxStrategyWeight: [String] = []
    @Option(name: .customLong("rebalance-drift"), help: "Portfolio: rebalance a held slot whose weight is this far from its target (0.01 = 1%).")
    var rebalanceDrift: Double?
    @Option(name: .customLong("rebalance-every"), help: ArgumentHelp("Portfolio: also rebalance at each such period (UTC).", valueName: "duration"))
    var rebalanceEvery: String?
    @Option(name: .customLong("rebalance-min-order"), help: "Portfolio: no rebalance order below this notional (quote).") var rebalanceMinOrder: Double = 10
    @Option(name: .customLong("max-var"), help: "Risk: REDUCING while the positions' historical VaR is above this share of equity.") var maxVaR: Double?
    @Option(name: .customLong("var-confidence"), help: "Risk: the VaR limit's confidence.") var varConfidence: Double = 0.99
    @Option(name: .customLong("var-horizon"), help: ArgumentHelp("Risk: the VaR limit's horizon.", valueName: "duration")) var varHorizon: String = "1d"

    func settings(risk: inout RiskLimits) throws -> PortfolioSettings {
        guard let method = AllocationSettings.Method(rawValue: allocation) else {
            throw WardenError(.usage, "expected one of \(AllocationSettings.Method.allCases.map(\.rawValue).joined(separator: ", ")), found '\(allocation)'", location: "--allocation")
        }
        func pairs(_ texts: [String], _ flag: String, _ shape: String) throws -> [String: Double] {
            var out: [String: Double] = [:]
            for text in texts {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]) else { throw WardenError(.usage, "expected \(shape)=W with a number, found '\(text)'", location: flag) }
                out[parts[0]] = value
            }
            return out
        }
        let fixed = try pairs(weights, "--weight", "STRATEGY@MARKET")
        func duration(_ text: String, _ flag: String) throws -> Duration {
            guard let parsed = DurationText.parse(text), parsed >= .seconds(60) else {
                throw WardenError(.usage, "expected a duration of at least 1m (such as 1d or 4h), found '\(text)'", location: flag)
            }
            return parsed
        }
        let allocation = AllocationSettings(
            method: method, weights: fixed, window: allocationWindow, every: try duration(allocationEvery, "--allocation-every"), kellyFraction: kellyFraction,
            kellyMinTrades: kellyMinTrades, maxSlotWeight: maxSlotWeight,
            maxMarketWeight: try pairs(maxMarketWeight, "--max-market-weight", "MARKET").reduce(into: [:]) { out, pair in
                out[(try? Instrument.canonical(pair.key)) ?? pair.key] = pair.value
            },
            maxStrategyWeight: try pairs(maxStrategyWeight, "--max-strategy-weight", "STRATEGY"))
        if let problem = allocation.problems().first {
            let flag = ["window": "--allocation-window", "kelly_fraction": "--kelly-fraction", "kelly_min_trades": "--kelly-min-trades", "max_slot_weight": "--max-slot-weight"][problem.key]
                ?? (problem.key.hasPrefix("max_market_weight") ? "--max-market-weight" : problem.key.hasPrefix("max_strategy_weight") ? "--max-strategy-weight" : "--weight")
            throw WardenError(.usage, problem.message, location: flag)
        }
        var rebalance: RebalanceSettings?
        if rebalanceDrift != nil || rebalanceEvery != nil {
            let drift = rebalanceDrift ?? 0.01
            guard drift > 0 && drift < 1 else { throw WardenError(.usage, "expected a share of equity between 0 and 1 (0.01 = 1%), found \(drift)", location: "--rebalance-drift") }
            guard rebalanceMinOrder >= 0 else { throw WardenError(.usage, "expected 0 or more, found \(rebalanceMinOrder)", location: "--rebalance-min-order") }
            rebalance = RebalanceSettings(drift: drift, every: try rebalanceEvery.map { try duration($0, "--rebalance-every") }, minOrder: rebalanceMinOrder)
        }
        if let maxVaR, !(maxVaR > 0 && maxVaR < 1) { throw WardenError(.usage, "expected a share of equity between 0 and 1, found \(maxVaR)", location: "--max-var") }
        guard varConfidence >= 0.5 && varConfidence < 1 else { throw WardenError(.usage, "expected 0.5 to below 1, found \(varConfidence)", location: "--var-confidence") }
        risk.maxValueAtRisk = maxVaR
        risk.varConfidence = varConfidence
        return PortfolioSettings(horizon: try duration(varHorizon, "--var-horizon"), allocation: allocation, rebalance: rebalance)
    }
}
