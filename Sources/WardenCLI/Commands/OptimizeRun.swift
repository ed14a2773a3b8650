import ArgumentParser
import Backtest
import Foundation
import Logging
import Storage
import Synchronization
import Trading
import TradingStore
import WardenCore

extension OptimizeCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Search the --param parameters of one strategy over the --data files; the run and its trials are stored.",
            discussion: """
                Methods: grid (every point; integer parameters step 1 unless STEP is given, others 11 points), random (--trials \
                seeded draws), ga (--population × --generations: tournament of 3, uniform crossover 0.9, Gaussian mutation, \
                2 elites), bayes (multivariate TPE, --trials evaluations). The same --seed gives the same trials and best \
                whatever --jobs is. A trial with fewer than --min-trades trades has no score.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "Strategy name.") var strategy: String
        @Option(name: .customLong("data"), help: ArgumentHelp("Candles: [MARKET=]FILE (repeatable, on one clock).", valueName: "file")) var data: [String]
        @Option(help: "grid, random, ga or bayes.") var method: String = "grid"
        @Option(name: .customLong("param"), help: ArgumentHelp("A searched parameter: NAME (its declared bounds) or NAME=LOW:HIGH[:STEP] (repeatable).", valueName: "spec"))
        var params: [String] = []
        @Option(name: .customLong("set"), help: ArgumentHelp("A parameter held at a value: NAME=V (repeatable).", valueName: "k=v")) var fixed: [String] = []
        @Option(help: "sharpe, sortino, calmar, profit, max_drawdown or profit_factor.") var objective: String = "sharpe"
        @Option(help: "Evaluations for random and bayes.") var trials: Int = 100
        @Option(help: "The genetic algorithm's population.") var population: Int = 20
        @Option(help: "The genetic algorithm's generations.") var generations: Int = 50
        @Option(help: "Seed of every random choice.") var seed: Int64 = 1
        @Option(help: "Trials evaluated at once (default: one per core).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(name: .customLong("min-trades"), help: "Trades a trial needs to be scored.") var minimumTrades: Int = 10
        @Option(help: "Fee rate per side.") var fee: Double = 0.001
        @Option(name: .customLong("slippage-bps"), help: "Slippage in basis points, against the trader.") var slippageBps: Double = 0
        @Option(help: "Starting cash (quote currency).") var cash: Double = 10_000
        @Option(help: ArgumentHelp("Only bars opening at or after this time: epoch milliseconds or YYYY-MM-DD (UTC).", valueName: "time")) var from: String?
        @Option(help: ArgumentHelp("Only bars opening at or before this time: epoch milliseconds or YYYY-MM-DD (UTC).", valueName: "time")) var to: String?
        @Option(name: .customLong("walk-forward"), help: ArgumentHelp("train=90d,test=30d[,step=30d][,anchored]", valueName: "windows")) var walkForward: String?
        @Option(help: "Who runs it (recorded with the run).") var by = NSUserName()
        @Flag(name: .customLong("no-store"), help: "Do not store the run in the database.") var noStore = false
        @Option(
            name: .customLong("job-dir"),
            help: ArgumentHelp("Run as an API job: progress, result and cancellation through the files in this directory.", valueName: "dir"))
        var jobDirectory: String?
        @Flag(help: "Print JSON (and no progress).") var json = false

        func run() async throws {
            do {
                try await execute()
            } catch {
                if let jobDirectory {
                    let message = (error as? ExitCode).map { "the optimisation stopped (exit status \($0.rawValue)); the supervisor's log has the reason" } ?? "\(error)"
                    BacktestJobReporter(directory: jobDirectory, span: (0, 0)).failed(message)
                }
                throw error
            }
        }

        func execute() async throws {
            guard StrategyRegistry.names.contains(strategy) else {
                throw fail(WardenError(.usage, "unknown strategy '\(strategy)'; expected one of: \(StrategyRegistry.names.joined(separator: ", "))", location: "--strategy"))
            }
            let objective = try parsedObjective()
            guard !params.isEmpty else { throw fail(WardenError(.usage, "name at least one --param to search, e.g. --param period=10:40", location: "--param")) }
            let dimensions = try params.map { text in
                do { return try SearchDimension.parse(text, strategy: strategy) } catch { throw fail(WardenError(.usage, "\(error)", location: "--param")) }
            }
            guard Set(dimensions.map(\.name)).count == dimensions.count else { throw fail(WardenError(.usage, "a parameter is named twice", location: "--param")) }
            let held = try assignmentValues(fixed, command: "--set")
            if let both = held.keys.first(where: { key in dimensions.contains { $0.name == key } }) {
                throw fail(WardenError(.usage, "\(both) is both searched (--param) and held (--set)", location: "--set"))
            }
            do { _ = try StrategyRegistry.resolve(strategy, overrides: held) } catch { throw fail(WardenError(.usage, "\(error)", location: "--set")) }
            let method = try parsedMethod()
            guard jobs >= 1 else { throw fail(WardenError(.usage, "--jobs must be at least 1", location: "--jobs")) }
            guard minimumTrades >= 0 else { throw fail(WardenError(.usage, "--min-trades must be 0 or more", location: "--min-trades")) }
            guard seed >= 0 else { throw fail(WardenError(.usage, "--seed must be 0 or more", location: "--seed")) }
            guard (0..<0.5).contains(fee), (0..<5000).contains(slippageBps), cash > 0 else {
                throw fail(WardenError(.usage, "--fee must be from 0 to 0.5, --slippage-bps from 0 to 5000, --cash above 0"))
            }
            let walk = try walkForward.map { text in
                do { return try WalkForward.parse(text) } catch { throw fail(WardenError(.usage, "\(error)", location: "--walk-forward")) }
            }
            let (markets, interval) = try BacktestCommand.loadMarkets(data, from: from, to: to, purpose: "a search")
            let space = SearchSpace.strategy(strategy, dimensions: dimensions, fixed: held)
            if case .grid = method, space.grid.isEmpty { throw fail(WardenError(.usage, "the grid has no point that the strategy's constraints allow", location: "--param")) }
            let trialsSource = StrategyTrials(
                strategy: strategy, markets: markets, backtester: Backtester(fills: FillModel(feeRate: fee, slippageBps: slippageBps), cash: cash), interval: interval)
            let search = Optimiser(space: space, method: method, objective: objective, minimumTrades: minimumTrades, seed: UInt64(seed), jobs: jobs)
            let started = Int64(Date().timeIntervalSince1970 * 1000)
            let meter = ProgressMeter(enabled: !json && jobDirectory == nil)
            let job = jobDirectory.map { BacktestJobReporter(directory: $0, span: (0, 0)) }
            try job?.started()
            let outcome = try await search.run(evaluate: { try await trialsSource.evaluate($0) }, progress: job?.trials ?? meter.update)
            meter.finish()
            var checks: SelfChecks?
            if let best = outcome.best {
                checks = try await SelfChecks.run(strategy: strategy, parameters: best.parameters, market: markets[0], backtester: trialsSource.backtester, interval: interval)
            }
            var walkReport: WalkForward.Report?
            if let walk {
                if !json { printError("walk-forward: searching each window's train part") }
                walkReport = try await walk.run(trialsSource, search: search)
            }
            let times = markets[0].candles.map(\.openTime)
            let report = OptimizeReport(
                id: "opt-" + String(UUID().uuidString.lowercased().prefix(8)), strategy: strategy, markets: markets.map(\.instrument.symbol),
                from: times.first ?? 0, to: times.last ?? 0, method: method.name, objective: objective.rawValue, seed: UInt64(seed),
                minimumTrades: minimumTrades, searched: dimensions, fixed: held, evaluations: outcome.evaluations,
                best: outcome.best.map { OptimizeReport.Best(parameters: $0.parameters, score: $0.score, figures: $0.figures) }, trials: outcome.trials,
                overfitting: OverfittingReport(outcome), checks: checks, walkForward: walkReport)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: try encoder.encode(report), as: UTF8.self)
            if json { print(text) } else if job == nil { print(report.description) }
            defer {
                if let job {
                    var summary: [String: Double] = ["evaluations": Double(outcome.evaluations)]
                    if let best = outcome.best {
                        summary["best_score"] = best.score
                        summary["total_return"] = best.figures.totalReturn
                        summary["max_drawdown"] = best.figures.maxDrawdown
                    }
                    if let dsr = report.overfitting.deflatedSharpe { summary["deflated_sharpe"] = dsr.probability }
                    if let pbo = report.overfitting.pbo { summary["pbo"] = pbo.probability }
                    try? job.finished(report: text, summary: summary)
                }
            }
            guard !noStore else { return }
            let (location, _) = try await options.migratedDatabase()
            let logger = Logger(label: "warden.optimize")
            let run = OptimisationRun(
                id: report.id, startedAt: started, finishedAt: Int64(Date().timeIntervalSince1970 * 1000), actor: by, strategy: strategy, method: method.name,
                objective: objective.rawValue, seed: seed, evaluations: outcome.evaluations, bestParameters: outcome.best?.parameters, bestScore: outcome.best?.score,
                report: text)
            let rows = try outcome.trials.map { trial in
                OptimisationTrialRow(number: trial.number, parameters: trial.parameters, score: trial.score, figures: String(decoding: try encoder.encode(trial.figures), as: UTF8.self))
            }
            try await DatabaseHandle.with(location, logger: logger) { try await OptimisationRuns.save(run, trials: rows, on: $0, logger: logger) }
            if !json && job == nil { print("stored as \(report.id): warden optimize show \(report.id); apply with warden strategies set \(strategy) --from-run \(report.id)") }
        }

        func parsedObjective() throws -> Objective {
            guard let objective = Objective(rawValue: objective) else {
                throw fail(WardenError(.usage, "--objective must be one of \(Objective.allCases.map(\.rawValue).joined(separator: ", ")), found '\(objective)'", location: "--objective"))
            }
            return objective
        }

        func parsedMethod() throws -> SearchMethod {
            for (flag, value) in [("--trials", trials), ("--population", population), ("--generations", generations)] where value < 1 {
                throw fail(WardenError(.usage, "\(flag) must be at least 1, found \(value)", location: flag))
            }
            switch method {
            case "grid": return .grid
            case "random": return .random(trials: trials)
            case "ga": 
                guard population >= 4 else { throw fail(WardenError(.usage, "--population must be at least 4 (two elites and two to breed)", location: "--population")) }
                return .genetic(population: population, generations: generations)
            case "bayes": return .bayes(trials: trials)
            default: throw fail(WardenError(.usage, "--method must be grid, random, ga or bayes, found '\(method)'", location: "--method"))
            }
        }
    }
}

/// Trials done, best so far, rate and time left, on stderr at most once a second.
final class ProgressMeter: Sendable {
    private let enabled: Bool
    private let state = Mutex<(started: ContinuousClock.Instant, last: ContinuousClock.Instant?, line: String)>((ContinuousClock.now, nil, ""))

    init(enabled: Bool) { self.enabled = enabled }

    @Sendable func update(_ done: Int, _ budget: Int, _ best: Double?) {
        guard enabled else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.last.map({ now - $0 >= .seconds(1) }) ?? true else { return }
            state.last = now
            let seconds = max((now - state.started).seconds, 1e-9)
            let rate = Double(done) / seconds
            let left = rate > 0 ? Double(max(0, budget - done)) / rate : 0
            state.line = String(format: "trials %d/%d · best %@ · %.1f/s · ETA %.0f s", done, budget, best.map { String(format: "%.4f", $0) } ?? "-", rate, left)
            printError(state.line)
        }
    }

    func finish() {
        guard enabled else { return }
        let seconds = state.withLock { (ContinuousClock.now - $0.started).seconds }
        printError(String(format: "search finished in %.3f s", seconds))
    }
}
