import ArgumentParser
import Backtest
import Foundation
import Trading
import WardenCore

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over a candle file with the engine's own strategy and fill code.",
        discussion: """
            Strategies: cci (period, lower, upper), rsi_macd (rsi, fast, slow, signal, rsi_entry_max, rsi_exit), \
            bollinger (period, stddev). Decisions at a bar's close fill at the next bar's open (± slippage); \
            fee = rate × notional per side; all cash in, one long position at a time.
            """)

    @Option(help: "Strategy name.") var strategy: String
    @Option(help: ArgumentHelp("Candles: CSV timestamp,open,high,low,close,volume (.gz accepted).", valueName: "file")) var data: String
    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, e.g. period=14 (repeatable).", valueName: "k=v")) var params: [String] = []
    @Option(help: "Fee rate per side.") var fee: Double = 0.001
    @Option(name: .customLong("slippage-bps"), help: "Slippage in basis points, against the trader.") var slippageBps: Double = 0
    @Option(help: "Starting cash (quote currency).") var cash: Double = 10_000
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        var overrides: [String: Double] = [:]
        for text in params {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw fail(WardenError(.usage, "expected k=v with a number, found '\(text)'", location: "--param"))
            }
            overrides[parts[0]] = value
        }
        guard (0..<0.5).contains(fee) else { throw fail(WardenError(.usage, "--fee must be from 0 to 0.5, found \(fee)")) }
        guard (0..<5000).contains(slippageBps) else { throw fail(WardenError(.usage, "--slippage-bps must be from 0 to 5000")) }
        guard cash > 0 else { throw fail(WardenError(.usage, "--cash must be above 0")) }
        var chosen: any Strategy
        do {
            chosen = try StrategyCatalog.make(strategy, overrides: overrides)
        } catch {
            throw fail(WardenError(.usage, "\(error)", location: "--strategy"))
        }
        let loaded: CandleFile.Loaded
        do {
            loaded = try CandleFile.load(data)
        } catch let error as CandleFile.Problems {
            for problem in error.problems.prefix(50) { printError("warden: \(problem)") }
            throw ExitCode(WardenError.Code.usage.exitStatus)
        }
        let backtester = Backtester(fills: FillModel(feeRate: fee, slippageBps: slippageBps), cash: cash)
        let result = backtester.run(&chosen, candles: loaded.candles)
        let stats = Statistics(
            result: result, startingCash: cash, interval: loaded.interval,
            span: (loaded.candles.first!.openTime, loaded.candles.last!.openTime))
        if json {
            struct Report: Encodable {
                var strategy: String
                var parameters: [String: Double]
                var bars: Int
                var trades: [Backtester.Trade]
                var stats: Statistics
            }
            try printJSON(Report(strategy: strategy, parameters: overrides, bars: loaded.candles.count, trades: result.trades, stats: stats))
            return
        }
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
        func num(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
        print("\(strategy) on \(data): \(loaded.candles.count) bars, \(result.trades.count) trades")
        print("  total return \(pct(stats.totalReturn)) · CAGR \(pct(stats.cagr)) · max drawdown \(pct(stats.maxDrawdown))")
        print("  Sharpe \(num(stats.sharpe)) · Sortino \(num(stats.sortino)) · win rate \(pct(stats.winRate)) · profit factor \(num(stats.profitFactor)) · exposure \(pct(stats.exposure))")
        print("  final equity \(String(format: "%.2f", stats.finalEquity)) from \(String(format: "%.2f", cash))")
    }
}
