import ArgumentParser
import BingX
import Engine
import Foundation
import Storage
import TradingStore
import Trading
import WardenCore
import Worker

/// `warden engine`.
private func runWorker(role: String, options: CommonOptions) async throws {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    let name = ProcessInfo.processInfo.environment["WARDEN_CHILD_NAME"] ?? role
    let logger = try LogBootstrap.start(configuration, label: role == "engine" ? "warden.trading" : "warden.api")
    var worker = WorkerService(
        role: role, name: name, socketPath: directories.workerSocket(name),
        readyStatus: "\(role): idle (lifecycle only; its work arrives with a later issue)", logger: logger)
    let settings = configuration.engine
    if settings.exchange.kind == .bingx, settings.marketData.source != "bingx" {
        throw fail(WardenError(
            .configuration, "the BingX venue trades on BingX's market data: set engine.market_data.source: bingx (a replay is for the paper exchange)",
            location: "engine.market_data.source"))
    }
    for strategy in settings.strategies {
        do {
            _ = try StrategyRegistry.make(strategy.name, overrides: strategy.params)
        } catch {
            throw fail(WardenError(.configuration, "\(error)", location: "engine.strategies"))
        }
    }
    let markets = settings.marketData.source == "bingx" ? try liveMarkets(settings) : try loadMarkets(settings)
    let bingx = settings.exchange.kind == .bingx || settings.marketData.source == "bingx" ? BingXSetup.client(settings.exchange) : nil
    let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
    if settings.marketData.source == "bingx" {
        let mode = settings.exchange.kind == .bingx ? (settings.exchange.demo ? "BingX demo" : "BingX LIVE") : "paper (dry run)"
        worker.readyStatus = "engine: starting on BingX's \(settings.timeframe) klines for \(settings.markets.map(\.symbol).joined(separator: ", ")), \(mode)"
    } else {
        let files = settings.markets.compactMap { $0.file ?? BundledData.defaultReplayFile() }.map { ($0 as NSString).lastPathComponent }
        worker.readyStatus = "engine: starting the replay of \(files.joined(separator: ", "))"
    }
    let prepared = worker
    do {
        try await location.withTradingStore(interval: markets.interval, logger: logger) { store in
            var worker = prepared
            let engine = TradingEngine(settings: settings, store: store, markets: markets.markets, interval: markets.interval, bingx: bingx, logger: logger)
            worker.work = engine
            worker.moreWork = [engine.events]
            worker.metrics = { engine.metrics.families() + (bingx?.metrics.families() ?? []) }
            worker.routes = { router in
                TradingRoutes.add(to: router, engine: engine)
                StrategyRoutes.add(to: router, engine: engine)
                OrderRoutes.add(to: router, engine: engine)
                engine.events.addRoute(to: router)
            }
            try await worker.run()
        }
    } catch let error as WardenError {
        throw fail(error)
    } catch {
        throw fail(WardenError(.runtime, "\(error)", location: directories.workerSocket(name)))
    }
}

func runOrFail(_ worker: WorkerService, socket: String) async throws {
    do {
        try await worker.run()
    } catch let error as WardenError {
        throw fail(error)
    } catch {
        throw fail(WardenError(.runtime, "\(error)", location: socket))
    }
}

/// Live markets: no candles yet; the paper exchange's rules from the configuration (BingX's own
/// rules replace them when BingX is the venue).
private func liveMarkets(_ settings: EngineSettings) throws -> (markets: [(instrument: Instrument, candles: [Candle])], interval: Int64) {
    guard let interval = EngineSettings.intervals[settings.timeframe] else {
        throw fail(WardenError(.configuration, "unknown timeframe \(settings.timeframe)", location: "engine.timeframe"))
    }
    return (try settings.markets.map { market in
        do {
            return (try Instrument(
                symbol: market.symbol, tickSize: Decimal(exactly: market.tickSize), stepSize: Decimal(exactly: market.stepSize),
                minQuantity: Decimal(exactly: market.minQuantity), minNotional: Decimal(exactly: market.minNotional)), [])
        } catch {
            throw fail(WardenError(.configuration, "\(error)", location: "engine.markets"))
        }
    }, interval)
}

/// Every configured market's candles (the bundled sample for a first market without a file), on one clock.
private func loadMarkets(_ settings: EngineSettings) throws -> (markets: [(instrument: Instrument, candles: [Candle])], interval: Int64) {
    var markets: [(instrument: Instrument, candles: [Candle])] = []
    var interval: Int64 = 60_000
    for (index, market) in settings.markets.enumerated() {
        guard let file = market.file ?? (index == 0 ? BundledData.defaultReplayFile() : nil) else {
            throw fail(WardenError(
                .configuration, "no market data for \(market.symbol): set its file (the bundled sample was not found beside the binary or in /usr/share/warden/data)",
                location: "engine.markets"))
        }
        do {
            let loaded = try CandleFile.load(file)
            if index == 0 { interval = loaded.interval }
            let instrument = try Instrument(
                symbol: market.symbol, tickSize: Decimal(exactly: market.tickSize), stepSize: Decimal(exactly: market.stepSize),
                minQuantity: Decimal(exactly: market.minQuantity), minNotional: Decimal(exactly: market.minNotional))
            markets.append((instrument, loaded.candles))
        } catch let error as CandleFile.Problems {
            throw fail(WardenError(.configuration, "market data file is unusable: \(error)", location: file))
        }
    }
    return (markets, interval)
}

struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the trading engine worker (started by the supervisor).",
        discussion: """
            Replays engine.market_data.file (default: the bundled BTC/USDT sample at 60×) through engine.strategies \
            on the paper exchange, journaling orders, fills, positions and equity to the database, and resuming from \
            that journal after a crash. READY=1 once RUNTIME_DIR/<name>.sock serves /healthz and /metrics; WATCHDOG=1 \
            at half of WATCHDOG_USEC; STATUS= shows progress, then `replay finished`; STOPPING=1 and a clean exit on SIGTERM.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws { try await runWorker(role: "engine", options: options) }
}
