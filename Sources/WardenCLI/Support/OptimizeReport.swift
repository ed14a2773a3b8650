import Backtest
import Foundation
import Trading

/// `warden optimize`'s result: the JSON it prints with `--json` and stores with the run, and the
/// text a person reads. Nothing in it depends on `--jobs` or on the clock, so two runs with the
/// same seed print the same report (but for the run's id).
struct OptimizeReport: Codable {
    struct Best: Codable {
        var parameters: [String: Double]
        var score: Double?
        var figures: TrialFigures
    }

    var id: String
    var strategy: String
    var markets: [String]
    var from: Int64
    var to: Int64
    var method: String
    var objective: String
    var seed: UInt64
    var minimumTrades: Int
    var searched: [SearchDimension]
    var fixed: [String: Double]
    var evaluations: Int
    var best: Best?
    var trials: [Trial]
    var overfitting: OverfittingReport
    var checks: SelfChecks?
    var walkForward: WalkForward.Report?

    enum CodingKeys: String, CodingKey {
        case id, strategy, markets, from, to, method, objective, seed, searched, fixed, evaluations, best, trials, overfitting, checks
        case minimumTrades = "min_trades", walkForward = "walk_forward"
    }

    static func text(_ parameters: [String: Double]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(IndicatorSpec.shortest($0.value))" }.joined(separator: " ")
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
    static func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }

    static func figures(_ f: TrialFigures) -> String {
        "total return \(percent(f.totalReturn)), max drawdown \(percent(f.maxDrawdown)), Sharpe \(number(f.sharpe)), \(f.trades) trades, win rate \(percent(f.winRate)), profit factor \(number(f.profitFactor))"
    }

    /// A stored report (JSON) as text, or the JSON itself when it cannot be read.
    static func describe(_ json: String) -> String {
        guard let report = try? JSONDecoder().decode(OptimizeReport.self, from: Data(json.utf8)) else { return json }
        return report.description
    }

    var description: String {
        var lines: [String] = []
        let space = searched.map { d in "\(d.name) \(IndicatorSpec.shortest(d.low))..\(IndicatorSpec.shortest(d.high))\(d.step.map { " step \(IndicatorSpec.shortest($0))" } ?? "")" }
        lines.append("\(strategy) on \(markets.joined(separator: ", ")) (\(formatTime(from)) to \(formatTime(to))): \(method) over \(space.joined(separator: ", "))\(fixed.isEmpty ? "" : ", with \(Self.text(fixed))")")
        lines.append("  \(evaluations) trials, objective \(objective), at least \(minimumTrades) trades, seed \(seed)")
        if let best {
            lines.append("best: \(Self.text(best.parameters)) → \(objective) \(Self.number(best.score))")
            lines.append("  \(Self.figures(best.figures))")
        } else {
            lines.append("best: none (no trial reached \(minimumTrades) trades and a score)")
        }
        let ranked = trials.filter { $0.score != nil }.sorted { $0.score! != $1.score! ? $0.score! > $1.score! : $0.number < $1.number }
        if ranked.count > 1 {
            lines.append("next best:")
            for trial in ranked.dropFirst().prefix(4) { lines.append("  \(Self.text(trial.parameters)) → \(Self.number(trial.score))") }
        }
        if let dsr = overfitting.deflatedSharpe {
            lines.append(String(
                format: "deflated Sharpe ratio: %.3f — the probability that the best has skill, given %d trials (its Sharpe %.4f a day; luck alone would give %.4f)",
                dsr.probability, dsr.trials, dsr.sharpe, dsr.expectedMaximum))
        }
        if let pbo = overfitting.pbo {
            lines.append(String(
                format: "probability of backtest overfitting: %.3f — how often the in-sample best ranked in the bottom half out of sample (%d splits of %d blocks)",
                pbo.probability, pbo.splits, pbo.blocks))
        }
        if let checks {
            let look = checks.lookAhead.passed ? "passed (data cut after bars \(checks.lookAhead.cuts.map(String.init).joined(separator: ", ")))"
                : "FAILED: decisions changed from bar \(checks.lookAhead.firstDifference ?? 0) when later data was removed"
            lines.append("look-ahead check: \(look)")
            if let warm = checks.warmUp {
                lines.append(String(
                    format: "warm-up check: %@ — %.2f%% of %d decisions agree after moving the start by %d bars", warm.passed ? "passed" : "FAILED",
                    warm.agreement * 100, warm.compared, warm.shift))
            }
        }
        if let walkForward {
            lines.append("walk-forward (\(walkForward.windows.count) windows):")
            for w in walkForward.windows {
                let chosen = w.parameters.map(Self.text) ?? "none"
                lines.append("  train \(formatDay(w.window.trainStart))..\(formatDay(w.window.trainEnd - 1)) test \(formatDay(w.window.testStart))..\(formatDay(w.window.testEnd - 1)): \(chosen); in-sample \(Self.number(w.inSampleScore)), out-of-sample \(Self.number(w.outOfSampleScore)) (return \(Self.percent(w.outOfSample?.totalReturn)))")
            }
            if let oos = walkForward.outOfSample { lines.append("  out of sample, joined: \(Self.figures(oos))") }
        }
        return lines.joined(separator: "\n")
    }
}

/// ISO 8601 in UTC, "-" for none.
func formatTime(_ milliseconds: Int64?) -> String {
    guard let milliseconds else { return "-" }
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

func formatDay(_ milliseconds: Int64) -> String { String(formatTime(milliseconds).prefix(10)) }
