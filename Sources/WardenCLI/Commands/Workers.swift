import ArgumentParser
import Engine
import Foundation
import Storage
import Trading
import WardenCore
import Worker

/// Shared by `warden engine` and `warden api`.
private func runWorker(role: String, options: CommonOptions) async throws {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    let name = ProcessInfo.processInfo.environment["WARDEN_CHILD_NAME"] ?? role
    let logger = try LogBootstrap.start(configuration, label: role == "engine" ? "warden.trading" : "warden.api")
    var worker = WorkerService(
        role: role, name: name, socketPath: directories.workerSocket(name),
        readyStatus: "\(role): idle (lifecycle only; its work arrives with a later issue)", logger: logger)
    if role == "engine" {
        let settings = configuration.engine
        guard let file = settings.marketData.file ?? BundledData.defaultReplayFile() else {
            throw fail(WardenError(
                .configuration, "no market data: set engine.market_data.file (the bundled sample was not found beside the binary or in /usr/share/warden/data)"))
        }
        for strategy in settings.strategies {
            do {
                _ = try StrategyCatalog.make(strategy.name, overrides: strategy.params)
            } catch {
                throw fail(WardenError(.configuration, "\(error)", location: "engine.strategies"))
            }
        }
        let journal: any TradingJournal
        switch try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state) {
        case .sqlite(let path): journal = try SQLiteJournal(path: path, symbol: settings.symbol)
        case .postgres(let postgres): journal = PostgresJournal(postgres, symbol: settings.symbol)
        }
        let engine = TradingEngine(settings: settings, journal: journal, dataFile: file, logger: logger)
        worker.readyStatus = "engine: starting the replay of \((file as NSString).lastPathComponent)"
        worker.work = engine
        worker.metrics = { engine.metrics.families() }
        worker.routes = { router in TradingRoutes.add(to: router, engine: engine) }
    }
    do {
        try await worker.run()
    } catch let error as WardenError {
        throw fail(error)
    } catch {
        throw fail(WardenError(.runtime, "\(error)", location: directories.workerSocket(name)))
    }
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

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Run the API worker (started by the supervisor).",
        discussion: """
            For now this is the worker lifecycle and nothing else: READY=1 once RUNTIME_DIR/<name>.sock serves \
            /healthz, WATCHDOG=1 at half of WATCHDOG_USEC, STATUS=, and STOPPING=1 with a clean exit on SIGTERM. \
            REST, WebSocket and authentication arrive with the API issue.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws { try await runWorker(role: "api", options: options) }
}
