import BingX
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import Trading
import WardenCore
import WardenProtocol

/// The engine worker's work: the trading loop over the configured market data (a replay of files,
/// or BingX's klines), the configured venue (the paper exchange, or BingX) and the database
/// journal. The paper exchange on BingX's data is a dry run: live prices, simulated fills. Orders are journaled before the exchange sees them; after a
/// crash the loop resumes from its checkpoint, warms indicators from the stored candles and
/// reconciles with the venue, so no history is replayed and no order is sent twice.
public final class TradingEngine: Service, Sendable {
    public let settings: EngineSettings
    public let store: any TradingStore
    public let metrics: EngineMetrics
    public let control = TradingControl()
    /// Live events for the API worker (`GET /v1/events`).
    public let events = EngineEvents()
    let markets: [(instrument: Instrument, candles: [Candle])]
    let interval: Int64
    let logger: Logger
    let published = Mutex(TradingStatus(state: "starting", reason: nil, bar: 0, bars: 0, equity: 0))
    let slotViews = Mutex<[SlotView]>([])

    public init(
        settings: EngineSettings, store: any TradingStore, markets: [(instrument: Instrument, candles: [Candle])], interval: Int64, bingx: BingXClient? = nil,
        logger: Logger
    ) {
        self.settings = settings
        self.bingx = bingx
        self.store = store
        self.markets = markets
        self.interval = interval
        self.logger = logger
        metrics = EngineMetrics()
    }

    public func status() -> TradingStatus { published.withLock { $0 } }

    /// Every strategy slot with its parameters, bounds and position.
    public func strategies() -> [StrategyInfo] {
        slotViews.withLock { $0 }.map { view in
            StrategyInfo(
                name: view.name, market: view.market, active: view.active, parameters: view.parameters,
                bounds: (StrategyRegistry.parameters(of: view.name) ?? []).map {
                    ParameterBound(name: $0.name, defaultValue: $0.defaultValue, min: $0.range.lowerBound, max: $0.range.upperBound, integer: $0.integer)
                },
                position: view.quantity, archived: view.archived, createdBy: view.createdBy)
        }
    }

    /// Every (strategy, market) slot the configuration asks for.
    public static func slots(_ settings: EngineSettings) -> [SlotSettings] {
        settings.strategies.flatMap { strategy in
            (strategy.markets ?? settings.markets.map(\.symbol)).map { .init(strategy: strategy.name, market: $0, parameters: strategy.params) }
        }
    }

    /// The exchange client, when BingX is the venue or the data source.
    let bingx: BingXClient?

    public func run() async throws {
        let paper = PaperVenue(
            instruments: markets.map(\.instrument), model: FillModel(feeRate: settings.exchange.feeRate, slippageBps: settings.exchange.slippageBps),
            account: .init(quote: markets[0].instrument.quote, balance: Decimal(exactly: settings.exchange.startingBalance)))
        let venue: any Venue
        var startingBalance = settings.exchange.startingBalance
        if settings.exchange.kind == .bingx, let bingx {
            let live = BingXVenue(client: bingx, market: settings.exchange.market, markets: markets.map(\.instrument.symbol), cancelAfter: settings.exchange.cancelAfter)
            try await prepare(live)
            if try await store.checkpoint() == nil { startingBalance = try await accountCash(live) }
            venue = live
        } else {
            venue = paper
        }
        // Order updates pushed by BingX's user data stream, beside the loop for as long as it runs.
        let streamURL = BingXHosts(settings.exchange).webSocket
        let userStream = (venue as? BingXVenue).flatMap { live in
            bingx.map { BingXUserStream(client: $0, url: streamURL, venue: live, logger: logger) }
        }
        let userTask = userStream.map { stream in Task { await stream.run() } }
        defer { userTask?.cancel() }
        if settings.marketData.source == "bingx", let bingx {
            let rest = BingXFeed(
                client: bingx, market: settings.exchange.market, markets: markets.map(\.instrument.symbol), interval: interval, intervalName: settings.timeframe,
                poll: settings.marketData.poll)
            let progress = FeedProgress(markets: rest.markets, count: nil, position: { _ in 0 })
            if settings.marketData.transport == .websocket,
                let stream = BingXStreamFeed(
                    rest: rest, url: streamURL, timeframe: settings.timeframe, silence: settings.marketData.silence,
                    metrics: bingx.metrics, logger: logger)
            {
                try await runLoop(stream, venue: venue, progress: progress, startingBalance: startingBalance)
            } else {
                if settings.marketData.transport == .websocket {
                    logger.warning("BingX does not stream this timeframe; polling its REST klines", metadata: ["timeframe": "\(settings.timeframe)"])
                }
                try await runLoop(rest, venue: venue, progress: progress, startingBalance: startingBalance)
            }
            // A clean stop: orders left open stay open (a crash leaves the switch to cancel them).
            // Its own task: the engine's is cancelled by the shutdown, this request must still go.
            if let live = venue as? BingXVenue { await Task { await live.disarm() }.value }
            // The listen key is deleted as the user stream stops.
            userTask?.cancel()
            await userTask?.value
        } else {
            let feed = ReplayFeed(markets: markets.map { ($0.instrument.symbol, $0.candles) }, interval: interval, speed: settings.marketData.speed)
            try await runLoop(feed, venue: venue, progress: .replay(feed), startingBalance: startingBalance)
        }
    }

    /// The exchange's clock and rules before trading: a refusal that waiting cannot change (keys,
    /// an unknown market, a clock off by more than the window) stops the engine with its reason;
    /// an exchange that is busy or unreachable is asked again, with a growing wait.
    func prepare(_ venue: BingXVenue) async throws {
        var attempt = 0
        while true {
            let outcome: Result<Void, VenueError>
            do { try await venue.prepare(); outcome = .success(()) } catch { outcome = .failure(error) }
            switch outcome {
            case .success: return
            case .failure(let error) where error.code != .unknown && error.code != .rateLimited: throw error
            case .failure(let error):
                attempt += 1
                let wait = Duration.seconds(min(60, 1 << min(attempt, 6)))
                logger.warning("BingX is not answering yet; trading waits", metadata: ["error": "\(error)", "retry_in": "\(DurationText.format(wait))"])
                try await Task.sleep(for: wait)
            }
        }
    }

    /// A new journal on BingX starts from what the account can spend: its free quote balance (what
    /// it holds otherwise, and what open orders lock, is not Warden's).
    func accountCash(_ venue: BingXVenue) async throws -> Double {
        let quote = markets[0].instrument.quote
        let free = try await venue.balances().first { $0.asset == quote }?.free ?? 0
        guard free > 0 else {
            throw WardenError(.runtime, "the BingX account has no free \(quote) to trade with; deposit or transfer some, then start again")
        }
        logger.info("a new journal starts from the BingX account's free balance", metadata: ["asset": "\(quote)", "free": "\(free)"])
        return free.double
    }

    func runLoop<Feed: MarketFeed>(_ feed: Feed, venue: any Venue, progress: FeedProgress, startingBalance: Double) async throws {
        let loop = TradingLoop(
            configuration: .init(
                slots: Self.slots(settings), risk: settings.risk, startingBalance: startingBalance, feeRate: settings.exchange.feeRate,
                staysAfterFeedEnds: true, reconcileEvery: settings.exchange.reconcileEvery,
                portfolio: LoopPortfolio(settings.portfolio, barInterval: interval)),
            feed: feed, venue: venue, store: store, control: control,
            observer: EngineObserver(engine: self, feed: progress, notifier: SystemdNotifier()))
        do {
            _ = try await cancelWhenGracefulShutdown { try await loop.run() }
        } catch is CancellationError {
            return
        }
    }

    func publish(_ change: (inout TradingStatus) -> Void) { published.withLock { change(&$0) } }
}
