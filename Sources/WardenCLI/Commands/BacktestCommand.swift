import ArgumentParser
import Backtest
import Foundation
import Trading
import WardenCore

struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over a candle file with the engine's own strategy and fill code.",
        discussion: """
            Strategies: cci (period, lower, upper), rsi_macd (rsi, fast, slow, signal, rsi_entry_max, rsi_exit), \
            bollinger (period, stddev). Decisions at a bar's close fill at the next bar's open (± slippage); \
            fee = rate × notional per side; one long position per strategy and market. Several --strategy and \
            --data share one account: each (strategy, market) slot enters with an equal share of equity.
            """)

    /// Taken (and so far unused) so the supervisor can start a backtest as a job like any other.
    @OptionGroup var options: CommonOptions
    @Option(name: .customLong("strategy"), help: "Strategy name (repeatable).") var strategies: [String]
    @Option(
        name: .customLong("data"),
        help: ArgumentHelp("Candles: [MARKET=]FILE, CSV timestamp,open,high,low,close,volume (.gz accepted); repeatable, on one clock.", valueName: "file"))
    var data: [String]
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A parameter, e.g. period=14, or bollinger.period=30 with several strategies (repeatable).", valueName: "k=v"))
    var params: [String] = []
    @Option(help: "Fee rate per side.") var fee: Double = 0.001
    @Option(name: .customLong("slippage-bps"), help: "Slippage in basis points, against the trader.") var slippageBps: Double = 0
    @Option(help: "Starting cash (quote currency).") var cash: Double = 10_000
    @Option(name: .customLong("max-position-notional"), help: "Risk: largest position, in quote currency.") var maxPositionNotional: Double?
    @Option(name: .customLong("stop-loss-atr"), help: "Risk: exit when the close is this many ATRs below the entry.") var stopLossATR: Double?
    @Option(name: .customLong("take-profit-atr"), help: "Risk: exit when the close is this many ATRs above the entry.") var takeProfitATR: Double?
    @Option(name: .customLong("atr-period"), help: "Risk: the ATR period for stops.") var atrPeriod: Int = 14
    @Option(name: .customLong("daily-loss-limit"), help: "Risk: halt entries after this loss (0.05 = 5%) since the UTC day's open.") var dailyLossLimit: Double?
    @Option(name: .customLong("max-drawdown"), help: "Risk: halt entries after this drawdown from the peak (0.2 = 20%).") var maxDrawdown: Double?
    @Option(name: .customLong("monthly-loss-limit"), help: "Risk: halt entries after this loss (0.1 = 10%) since the UTC month's open.") var monthlyLossLimit: Double?
    @Option(name: .customLong("max-gross-exposure"), help: "Risk: REDUCING (no entries, the largest position sold each bar) while positions exceed this share of equity.")
    var maxGrossExposure: Double?
    @OptionGroup var portfolioOptions: PortfolioOptions
    @Option(help: ArgumentHelp("Only bars opening at or after this time: epoch milliseconds or YYYY-MM-DD (UTC).", valueName: "time")) var from: String?
    @Option(help: ArgumentHelp("Only bars opening at or before this time: epoch milliseconds or YYYY-MM-DD (UTC, the whole day).", valueName: "time")) var to: String?
    @Option(
        name: .customLong("job-dir"),
        help: ArgumentHelp("Run as an API backtest job: progress, result and cancellation through the files in this directory.", valueName: "dir"))
    var jobDirectory: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(name: .customLong("equity"), help: "With --json, include the equity at every bar's close ([time, equity] pairs).") var includeEquity = false
    @Flag(help: "Print load time, loop speed and per-bar decision latency (a second, timed run) on stderr.") var timings = false

    func run() async throws {
        do {
            try await execute()
        } catch {
            if let jobDirectory {
                let message = (error as? ExitCode).map { "the backtest stopped (exit status \($0.rawValue)); the supervisor's log has the reason" } ?? "\(error)"
                BacktestJobReporter(directory: jobDirectory, span: (0, 0)).failed(message)
            }
            throw error
        }
    }

    func execute() async throws {
        var overrides: [String: [String: Double]] = [:]
        for text in params {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw fail(WardenError(.usage, "expected k=v with a number, found '\(text)'", location: "--param"))
            }
            let key = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
            if key.count == 2 {
                guard strategies.contains(key[0]) else { throw fail(WardenError(.usage, "'\(text)' names \(key[0]), which no --strategy runs", location: "--param")) }
                overrides[key[0], default: [:]][key[1]] = value
            } else {
                guard strategies.count == 1 else { throw fail(WardenError(.usage, "with several strategies, name the one a parameter is for: STRATEGY.\(parts[0])=V", location: "--param")) }
                overrides[strategies[0], default: [:]][parts[0]] = value
            }
        }
        guard (0..<0.5).contains(fee) else { throw fail(WardenError(.usage, "--fee must be from 0 to 0.5, found \(fee)")) }
        guard (0..<5000).contains(slippageBps) else { throw fail(WardenError(.usage, "--slippage-bps must be from 0 to 5000")) }
        guard cash > 0 else { throw fail(WardenError(.usage, "--cash must be above 0")) }
        for (flag, value) in [("--max-position-notional", maxPositionNotional), ("--stop-loss-atr", stopLossATR), ("--take-profit-atr", takeProfitATR)] {
            if let value, !(value > 0) { throw fail(WardenError(.usage, "\(flag) must be above 0, found \(value)")) }
        }
        for (flag, value) in [("--daily-loss-limit", dailyLossLimit), ("--max-drawdown", maxDrawdown), ("--monthly-loss-limit", monthlyLossLimit)] {
            if let value, !(value > 0 && value < 1) { throw fail(WardenError(.usage, "\(flag) must be a fraction between 0 and 1, found \(value)")) }
        }
        if let value = maxGrossExposure, !(value > 0 && value <= 10) { throw fail(WardenError(.usage, "--max-gross-exposure must be above 0 and at most 10, found \(value)")) }
        var risk = RiskLimits(
            maxPositionNotional: maxPositionNotional, stopLossATR: stopLossATR, takeProfitATR: takeProfitATR, atrPeriod: atrPeriod,
            dailyLossLimit: dailyLossLimit, maxDrawdown: maxDrawdown, monthlyLossLimit: monthlyLossLimit, maxGrossExposure: maxGrossExposure)
        let portfolio: PortfolioSettings
        do { portfolio = try portfolioOptions.settings(risk: &risk) } catch let error as WardenError { throw fail(error) }
        for name in strategies {
            do {
                _ = try StrategyRegistry.make(name, overrides: overrides[name] ?? [:])
            } catch {
                throw fail(WardenError(.usage, "\(error)", location: "--strategy"))
            }
        }
        let loadStarted = ContinuousClock.now
        let (markets, interval) = try Self.loadMarkets(data, from: from, to: to, purpose: "a backtest")
        let loadSeconds = (ContinuousClock.now - loadStarted).seconds
        let candles = markets[0].candles
        let slots = strategies.flatMap { name in
            markets.map { SlotSettings(strategy: name, market: $0.instrument.symbol, parameters: overrides[name] ?? [:]) }
        }
        var backtester = Backtester(fills: FillModel(feeRate: fee, slippageBps: slippageBps), cash: cash, risk: risk)
        backtester.portfolio = portfolio
        let job = jobDirectory.map { BacktestJobReporter(directory: $0, span: (candles.first!.openTime, candles.last!.openTime)) }
        if let job {
            try job.started()
            backtester.progress = job.bar
        }
        let loopStarted = ContinuousClock.now
        let result = try await backtester.run(slots, markets: markets, interval: interval)
        let loopSeconds = (ContinuousClock.now - loopStarted).seconds
        let bars = markets.reduce(0) { $0 + $1.candles.count }
        if timings {
            // A second run of the same loop, timing each bar's decisions inside it.
            var timed = backtester
            timed.recordsLatency = true
            let samples = try await timed.run(slots, markets: markets, interval: interval).latencies.sorted()
            let latency = samples.isEmpty ? (p50: 0.0, p99: 0.0)
                : (p50: samples[samples.count / 2] * 1e9, p99: samples[min(samples.count - 1, samples.count * 99 / 100)] * 1e9)
            printError(String(
                format: "timings: load %.3f s · core loop %.4f s = %.1f M bars/s · decision p50 %.0f ns, p99 %.0f ns (%d bars)",
                loadSeconds, loopSeconds, Double(bars) / loopSeconds / 1e6, latency.p50, latency.p99, bars))
        }
        let stats = Statistics(
            result: result, startingCash: cash, interval: interval, span: (candles.first!.openTime, candles.last!.openTime))
        if let job {
            let times = candles.map(\.openTime)
            let step = max(1, (result.equity.count + 999) / 1000)
            let curve = result.equity.count == times.count ? stride(from: 0, to: times.count, by: step).map { (times[$0], result.equity[$0]) } : nil
            try job.finished(report: try BacktestReport(
                strategy: strategies.joined(separator: ","), parameters: strategies.count == 1 ? overrides[strategies[0]] ?? [:] : [:], bars: bars,
                trades: result.trades, slots: slots.count > 1 ? result.slots : nil, stats: stats, haltedAt: result.haltedAt, haltReason: result.haltReason,
                equity: curve
            ).json(), stats: stats)
        }
        if json {
            print(try BacktestReport(
                strategy: strategies.joined(separator: ","), parameters: strategies.count == 1 ? overrides[strategies[0]] ?? [:] : [:], bars: bars,
                trades: result.trades, slots: slots.count > 1 ? result.slots : nil, stats: stats, haltedAt: result.haltedAt, haltReason: result.haltReason,
                equity: includeEquity && result.equity.count == candles.count ? zip(candles.map(\.openTime), result.equity).map { ($0, $1) } : nil
            ).json(), terminator: "")
            return
        }
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
        func num(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
        print("\(strategies.joined(separator: ", ")) on \(data.joined(separator: ", ")): \(bars) bars, \(result.trades.count) trades")
        print("  total return \(pct(stats.totalReturn)) · CAGR \(pct(stats.cagr)) · max drawdown \(pct(stats.maxDrawdown))")
        print("  Sharpe \(num(stats.sharpe)) · Sortino \(num(stats.sortino)) · win rate \(pct(stats.winRate)) · profit factor \(num(stats.profitFactor)) · exposure \(pct(stats.exposure))")
        print("  final equity \(String(format: "%.2f", stats.finalEquity)) from \(String(format: "%.2f", cash))")
        if let at = result.haltedAt { print("  entries halted at \(at): \(result.haltReason ?? "")") }
    }
}

extension BacktestCommand {
    /// Epoch milliseconds, or a UTC date (its first millisecond, or its last with `endOfDay`).
    static func time(_ text: String, flag: String, endOfDay: Bool) throws -> Int64 {
        if let milliseconds = Int64(text), milliseconds >= 0 { return milliseconds }
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(identifier: "UTC")
        parser.dateFormat = "yyyy-MM-dd"
        guard let date = parser.date(from: text) else { throw fail(WardenError(.usage, "\(flag) takes epoch milliseconds or YYYY-MM-DD, found '\(text)'")) }
        let start = Int64(date.timeIntervalSince1970) * 1000
        return endOfDay ? start + 86_400_000 - 1 : start
    }

    /// Each `--data` entry's candles between `--from` and `--to`, with the first file's bar spacing;
    /// a file with a problem, or fewer than 2 bars in the range, is a usage error saying which.
    static func loadMarkets(_ data: [String], from: String?, to: String?, purpose: String) throws -> ([Backtester.Market], Int64) {
        let range = (from: try from.map { try time($0, flag: "--from", endOfDay: false) }, to: try to.map { try time($0, flag: "--to", endOfDay: true) })
        var markets: [Backtester.Market] = []
        var interval: Int64 = 0
        for entry in data {
            let (symbol, file) = try market(entry, single: data.count == 1)
            do {
                let loaded = try CandleFile.load(file)
                if markets.isEmpty { interval = loaded.interval }
                let candles = loaded.candles.filter { candle in (range.from.map { candle.openTime >= $0 } ?? true) && (range.to.map { candle.openTime <= $0 } ?? true) }
                guard candles.count >= 2 else {
                    throw fail(WardenError(.usage, "\(file) has \(candles.count) bar\(candles.count == 1 ? "" : "s") in the range asked for; \(purpose) needs at least 2", location: "--data"))
                }
                markets.append(Backtester.Market(instrument: try .replay(symbol), candles: candles))
            } catch let error as CandleFile.Problems {
                for problem in error.problems.prefix(50) { printError("warden: \(problem)") }
                throw ExitCode(WardenError.Code.usage.exitStatus)
            } catch let error as Instrument.SymbolError {
                throw fail(WardenError(.usage, "\(error)", location: "--data"))
            }
        }
        guard !markets.isEmpty else { throw fail(WardenError(.usage, "name the candles with --data", location: "--data")) }
        return (markets, interval)
    }

    /// `BTC-USDT=FILE`, or a lone FILE (BTC-USDT, or the symbol at the start of its name, as in BTCUSDT-1h-….csv).
    static func market(_ entry: String, single: Bool) throws -> (String, String) {
        if let equals = entry.firstIndex(of: "="), let symbol = MarketSettings.canonical(String(entry[..<equals])) {
            return (symbol, String(entry[entry.index(after: equals)...]))
        }
        let name = (entry as NSString).lastPathComponent
        if let prefix = name.split(separator: "-").first, let symbol = MarketSettings.canonical(String(prefix)) { return (symbol, entry) }
        guard single else { throw fail(WardenError(.usage, "name the market of '\(entry)': MARKET=FILE, e.g. ETH-USDT=\(entry)", location: "--data")) }
        return ("BTC-USDT", entry)
    }
}
