import ArgumentParser
import Engine
import Foundation
import Logging
import Storage
import Trading
import TradingStore
import WardenCore

extension RiskCommand {
    /// The engine's positions as its journal holds them, measured as the engine measures them:
    /// VaR and CVaR by every method, and every stress scenario (the named days from candle history
    /// the journal does not hold: the bundled BTC hourly file, or `--history`).
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "VaR, CVaR and stress losses of the engine's positions, from the journal (the supervisor's risk-report job records it daily).",
            discussion: """
                The positions and cash of the engine's last journaled bar, marked at each market's close; returns from the \
                journal's stored candles (the last engine.portfolio.window, on the bars every market has), over \
                engine.portfolio.horizon. The named days (2020-03-12, 2021-05-19, 2022-06-13, 2022-11-08) are replayed from \
                --history files (the bundled BTC-USDT hourly history by default); a market without one is listed as not covered.
                """)
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("history"), help: ArgumentHelp("Candle history for the named days: MARKET=FILE (repeatable).", valueName: "file"))
        var history: [String] = []
        @Flag(help: "Record it in the database (risk_reports, one row per UTC day).") var record = false
        @Flag(help: "Print JSON.") var json = false

        struct Position: Encodable {
            var market: String
            var quantity: Double
            var close: Double
            var weight: Double
        }

        struct Inputs: Encodable {
            var asOf: Int64
            var equity: Double
            var cash: Double
            var markets: [String]
            var first: Int64?
            var last: Int64?
            var observations: Int
            var horizonBars: Int
            var history: [String: String]

            enum CodingKeys: String, CodingKey {
                case equity, cash, markets, first, last, observations, history
                case asOf = "as_of", horizonBars = "horizon_bars"
            }
        }

        struct Output: Encodable {
            var inputs: Inputs
            var positions: [Position]
            var estimates: [ValueAtRisk.Estimate]
            var scenarios: [StressTest.Scenario]
            var note: String?
        }

        static let storedInterval = SharedSQL("SELECT interval FROM candles ORDER BY open_time DESC LIMIT 1")
        static let upsert = SharedSQL(
            "INSERT INTO risk_reports (day, taken_at, as_of, equity, report) VALUES (?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET taken_at = EXCLUDED.taken_at, as_of = EXCLUDED.as_of, equity = EXCLUDED.equity, report = EXCLUDED.report")

        func run() async throws {
            let (location, configuration) = try await options.migratedDatabase()
            let engine = configuration.engine
            let files = try historyFiles()
            let logger = Logger(label: "warden.risk")
            let output = try await DatabaseHandle.with(location, logger: logger) { handle -> Output in
                // The bars the engine journaled (a replay's file decides them, not engine.timeframe).
                let stored = try await handle.textRows(Self.storedInterval, logger: logger).first?.first ?? nil
                let interval = stored.flatMap { EngineSettings.intervals[$0] } ?? EngineSettings.intervals[engine.timeframe] ?? 60_000
                let horizon = max(1, Int(engine.portfolio.horizon.components.seconds * 1000 / interval))
                let window = engine.portfolio.window(horizon: horizon)
                let output = try await Self.measure(
                    store: handle.tradingStore(interval: interval), markets: engine.markets.map(\.symbol), window: window, horizon: horizon,
                    paths: engine.portfolio.monteCarloPaths, history: files)
                if record {
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    let body = String(decoding: try encoder.encode(output), as: UTF8.self)
                    try await handle.execute([BoundStatement(Self.upsert, [
                        .integer(now / 86_400_000), .integer(now), .integer(output.inputs.asOf), .real(output.inputs.equity), .text(body),
                    ])], logger: logger)
                }
                return output
            }
            if json { try printJSON(output); return }
            print(Self.text(output, recorded: record))
        }

        /// `--history`, or the bundled BTC hourly history for BTC-USDT when it is installed.
        func historyFiles() throws -> [String: String] {
            var files: [String: String] = [:]
            for entry in history {
                let (symbol, file) = try BacktestCommand.market(entry, single: false)
                files[symbol] = file
            }
            if history.isEmpty, let bundled = BundledData.file(BundledData.stressHistoryFile) { files["BTC-USDT"] = bundled }
            return files
        }

        static func measure(store: any TradingStore, markets: [String], window: Int, horizon: Int, paths: Int, history: [String: String]) async throws -> Output {
            guard let checkpoint = try await store.checkpoint() else {
                return Output(
                    inputs: Inputs(asOf: 0, equity: 0, cash: 0, markets: markets, first: nil, last: nil, observations: 0, horizonBars: horizon, history: history),
                    positions: [], estimates: [], scenarios: [], note: "nothing is journaled yet: the engine has not processed a bar")
            }
            var quantities = [String: Double]()
            for slot in checkpoint.slots where slot.quantity > 0 { quantities[slot.market, default: 0] += slot.quantity.double }
            // Each market's stored closes up to the checkpoint, on the bars every market has.
            var closes: [[Int64: Double]] = []
            for market in markets {
                let candles = try await store.candles(market: market, through: checkpoint.time, last: window + horizon + 1)
                closes.append(Dictionary(candles.map { ($0.openTime, $0.close) }, uniquingKeysWith: { _, last in last }))
            }
            let (returns, times, _, latest) = ReturnInputs.aligned(closes, window: window)
            let last = markets.indices.map { index in latest.flatMap { closes[index][$0] } ?? 0 }
            let value = markets.indices.reduce(0.0) { $0 + (quantities[markets[$1]] ?? 0) * last[$1] }
            let equity = checkpoint.cash + value
            let positions = markets.indices.map { index in
                Position(market: markets[index], quantity: quantities[markets[index]] ?? 0, close: last[index],
                         weight: equity > 0 ? (quantities[markets[index]] ?? 0) * last[index] / equity : 0)
            }
            let weights = positions.map(\.weight)
            let model = ValueAtRisk(returns: returns, weights: weights, horizon: horizon)
            var estimates: [ValueAtRisk.Estimate] = []
            if value > 0 {
                for method in ValueAtRisk.Method.allCases {
                    for confidence in [0.95, 0.99] {
                        if let estimate = model.estimate(method, confidence: confidence, paths: paths, seed: 1) { estimates.append(estimate) }
                    }
                }
            }
            var scenarios = StressTest.run(markets: markets, times: times, returns: returns, weights: weights, interval: StressTest.spacing(times))
            scenarios = try namedDaysFromHistory(scenarios, markets: markets, weights: weights, history: history)
            return Output(
                inputs: Inputs(asOf: checkpoint.time, equity: equity, cash: checkpoint.cash, markets: markets, first: times.first, last: times.last,
                               observations: returns.count, horizonBars: horizon, history: history),
                positions: positions, estimates: estimates, scenarios: scenarios,
                note: value > 0 ? nil : "no position is held: every loss is 0")
        }

        /// The named days replayed on the history files (markets without one move 0 and are said so).
        static func namedDaysFromHistory(_ scenarios: [StressTest.Scenario], markets: [String], weights: [Double], history: [String: String]) throws -> [StressTest.Scenario] {
            let named = Set(StressTest.namedDays.map(\.name))
            var replaced = scenarios
            let held = markets.indices.filter { weights[$0] > 0 }
            let covered = held.filter { history[markets[$0]] != nil }
            guard !covered.isEmpty else { return replaced }
            var series: [(market: String, times: [Int64], returns: [[Double]])] = []
            for index in covered {
                let candles = try CandleFile.load(history[markets[index]]!).candles
                let returns = zip(candles, candles.dropFirst()).map { [$1.close / $0.close - 1] }
                series.append((markets[index], candles.dropFirst().map(\.openTime), returns))
            }
            for (at, scenario) in replaced.enumerated() where named.contains(scenario.name) {
                let entry = StressTest.namedDays.first { $0.name == scenario.name }!
                var moves: [String: Double] = [:]
                var from: Int64?, to: Int64?
                for one in series {
                    let day = StressTest.namedDay(entry.name, day: entry.day, note: entry.note, markets: [one.market], times: one.times, returns: one.returns, weights: [1])
                    if let move = day.returns?[one.market] { moves[one.market] = move; from = day.from; to = day.to }
                }
                guard !moves.isEmpty else { continue }
                let missing = held.map { markets[$0] }.filter { moves[$0] == nil }
                replaced[at].returns = moves
                replaced[at].from = from
                replaced[at].to = to
                replaced[at].loss = -markets.indices.reduce(0.0) { $0 + weights[$1] * (moves[markets[$1]] ?? 0) }
                replaced[at].note = entry.note + (missing.isEmpty ? "" : "; \(missing.joined(separator: ", ")) not in the history given (counted as unmoved)")
            }
            return replaced
        }

        static func text(_ output: Output, recorded: Bool) -> String {
            var lines: [String] = []
            let inputs = output.inputs
            if let note = output.note, inputs.asOf == 0 { return note }
            lines.append(String(format: "as of %@: equity %.2f (cash %.2f)", formatTime(inputs.asOf) as NSString, inputs.equity, inputs.cash))
            for p in output.positions where p.quantity > 0 { lines.append(String(format: "  %@: %.8g at %.8g, %.2f%% of equity", p.market as NSString, p.quantity, p.close, p.weight * 100)) }
            if let first = inputs.first, let last = inputs.last {
                lines.append("returns: \(inputs.observations) bars from \(formatTime(first)) to \(formatTime(last)); horizon \(inputs.horizonBars) bars")
            }
            if let note = output.note { lines.append(note) }
            for e in output.estimates {
                lines.append(String(format: "  %@ %.0f%%: VaR %.3f%%, CVaR %.3f%%", e.method.rawValue as NSString, e.confidence * 100, e.valueAtRisk * 100, e.conditionalValueAtRisk * 100))
            }
            lines.append("stress:")
            for s in output.scenarios {
                lines.append("  \(s.name): " + (s.loss.map { String(format: "loss %.2f%%", $0 * 100) } ?? "not covered") + " (\(s.note))")
            }
            if recorded { lines.append("recorded in risk_reports") }
            return lines.joined(separator: "\n")
        }
    }
}
