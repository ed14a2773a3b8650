import ArgumentParser
import Backtest
import Foundation
import Logging
import Storage
import Synchronization
import Trading
import TradingStore
import WardenCore

struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Search a strategy's parameters over candle files (grid, random, genetic, Bayesian), with walk-forward and overfitting measures.",
        subcommands: [Run.self, List.self, Show.self], defaultSubcommand: Run.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stored optimisation runs, newest first.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let runs = try await DatabaseHandle.with(location, logger: Logger(label: "warden.optimize")) { try await OptimisationRuns.runs(on: $0, logger: Logger(label: "warden.optimize")) }
            if json { try printJSON(runs.map(RunSummary.init)); return }
            if runs.isEmpty { print("no optimisation runs") }
            for run in runs {
                let best = run.bestParameters.map { OptimizeReport.text($0) } ?? "none reached the minimum trades"
                print("\(run.id)  \(formatTime(run.startedAt))  \(run.strategy) \(run.method) \(run.objective) seed \(run.seed): \(run.evaluations) trials, best \(best)\(run.bestScore.map { String(format: " (%.4f)", $0) } ?? "") by \(run.actor)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run: its report (best point, overfitting, walk-forward) and, with --trials, every trial.")
        @Argument(help: "The run's id (or a unique prefix).") var id: String
        @Flag(help: "List every trial.") var trials = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let logger = Logger(label: "warden.optimize")
            let found = try await DatabaseHandle.with(location, logger: logger) { handle -> (OptimisationRun, [OptimisationTrialRow])? in
                guard let run = try await OptimisationRuns.run(id, on: handle, logger: logger) else { return nil }
                return (run, try await OptimisationRuns.trials(of: run.id, on: handle, logger: logger))
            }
            guard let (run, rows) = found else { throw fail(WardenError(.usage, "no optimisation run has the id (or unique prefix) '\(id)'; see warden optimize list")) }
            if json { print(run.report); return }
            print(OptimizeReport.describe(run.report))
            if trials {
                for row in rows { print("  #\(row.number) \(OptimizeReport.text(row.parameters)) → \(row.score.map { String(format: "%.4f", $0) } ?? "no score")") }
            }
        }
    }

    struct RunSummary: Encodable {
        var id: String
        var startedAt: Int64
        var strategy: String
        var method: String
        var objective: String
        var seed: Int64
        var evaluations: Int
        var bestParameters: [String: Double]?
        var bestScore: Double?
        var actor: String
        init(_ run: OptimisationRun) {
            (id, startedAt, strategy, method, objective, seed, evaluations) = (run.id, run.startedAt, run.strategy, run.method, run.objective, run.seed, run.evaluations)
            (bestParameters, bestScore, actor) = (run.bestParameters, run.bestScore, run.actor)
        }
        enum CodingKeys: String, CodingKey {
            case id, strategy, method, objective, seed, evaluations, actor
            case startedAt = "started_at", bestParameters = "best_parameters", bestScore = "best_score"
        }
    }
}
