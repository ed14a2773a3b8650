import Foundation
import WardenCore

/// The one bar loop of Warden: feed → strategies → risk → orders → venue → store. The backtester
/// runs it over a `ReplayFeed`, a `PaperVenue` and a `MemoryTradingStore`; the engine over its
/// configured feed and venue and the database store. One code path, so they trade identically.
///
/// Per batch of bars sharing an open time: a simulated venue fills what waited for these opens;
/// every strategy sees its market's close; equity is marked and the risk limits observe it; exits
/// (signal, stop-loss, take-profit) and entries are decided; new orders are journaled, and made
/// durable first when the venue is remote, then sent. The journal is written in batches (one
/// transaction each) with a checkpoint of this loop's state, so a restart resumes at the last
/// batch written: state from the checkpoint, indicators warmed from the stored candles, then a
/// reconciliation of the journal's open orders with the venue.
public struct TradingLoop<Feed: MarketFeed>: Sendable {
    public typealias Configuration = LoopConfiguration
    public typealias SlotSettings = Trading.SlotSettings

    public struct Summary: Sendable {
        public var lastTime: Int64?
        public var equity: Double
        public var cash: Double
        public var barsInMarket: Int
        public var barsProcessed: Int
        public var haltedAt: Int64?
        public var haltReason: String?
        public var resumedFrom: Int64?
    }

    public let configuration: Configuration
    public let feed: Feed
    public let venue: any Venue
    public let store: any TradingStore
    public let control: TradingControl?
    public let observer: (any TradingObserver)?

    public init(
        configuration: Configuration, feed: Feed, venue: any Venue, store: any TradingStore, control: TradingControl? = nil,
        observer: (any TradingObserver)? = nil
    ) {
        self.configuration = configuration
        self.feed = feed
        self.venue = venue
        self.store = store
        self.control = control
        self.observer = observer
    }

    public func run() async throws -> Summary {
        let context = LoopContext(
            configuration: configuration, markets: feed.markets, venue: venue, simulated: venue as? any SimulatedVenue, store: store, observer: observer,
            keepsCandles: store.keepsCandles)
        var state = try await LoopState.start(context)
        let resumedFrom = state.lastTime
        try await state.reconcile(context)
        observer?.started(resumedFrom: resumedFrom)
        // Manual orders are taken once the journal and the venue agree, until the loop ends.
        control?.serve(true)
        defer { control?.serve(false) }
        observer?.slotsChanged(state.views)
        var batch = JournalBatch()
        var unwritten = 0
        var lastWrite = ContinuousClock.now
        var lastBalanceCheck: ContinuousClock.Instant?
        var processed = 0
        // The per-bar path is synchronous; it awaits only when something happens (a command, an
        // unknown order, orders to send, a journal write), so a replay runs at the speed of its arithmetic.
        for try await chunk in feed.chunks(after: state.lastTime) {
            if Task.isCancelled { break }
            // A live feed's chunks arrive every few seconds, most with no bar: the loop is alive.
            if let live = context.live { await live.heartbeat() }
            // Between bars too: an operator's order waits for the venue, not for the next close.
            if let control, control.hasManual { try await serveManual(control, &state, &batch, context) }
            var start = chunk.candles.startIndex
            while start < chunk.candles.endIndex {
                let time = chunk.candles[start].openTime
                let end = chunk.batchEnd(from: start)
                let isLast = chunk.endsFeed && end == chunk.candles.endIndex
                if !state.startupCommands.isEmpty || control?.hasPending == true {
                    let commands = state.startupCommands + (control?.take() ?? [])
                    state.startupCommands = []
                    try await state.apply(commands, at: time, loop: context, batch: &batch)
                    try await context.write(&batch, state)
                    unwritten = 0
                }
                if state.unknownOrders > 0 { try await state.resolveUnknown(loop: context, batch: &batch, at: time) }
                if let live = context.live, !state.lifecycles.isEmpty {
                    let (reports, fills) = try await live.takeEvents()
                    if !reports.isEmpty || !fills.isEmpty { try state.settle(reports: reports, fills: fills, loop: context, batch: &batch) }
                }
                if context.live != nil, lastBalanceCheck.map({ ContinuousClock.now - $0 >= configuration.reconcileEvery }) ?? true {
                    lastBalanceCheck = .now
                    await state.checkBalances(loop: context, batch: &batch, at: time)
                    await state.checkOpenOrders(loop: context, batch: &batch, at: time)
                }
                // Nothing is ordered on a replay's last bar (no open follows to fill it) or on a live feed's warm-up history.
                var orders = try state.step(time: time, bars: start..<end, of: chunk, isLast: isLast || chunk.isWarmup, loop: context, batch: &batch)
                if context.guardsPositions, !orders.isEmpty { orders = await state.releaseGuards(for: orders, loop: context, batch: &batch) }
                start = end
                processed += 1
                unwritten += 1
                var forced = !batch.audit.isEmpty
                if !orders.isEmpty {
                    let decided = DispatchTime.now().uptimeNanoseconds
                    // Journaled before the venue sees them; durably first when the venue is outside this process.
                    batch.orders += orders
                    if venue.isRemote { try await context.write(&batch, state) }
                    let reports = try await state.submitted(orders, loop: context, batch: &batch, decided: decided)
                    observer?.ordersSent(orders, reports: reports)
                    forced = forced || venue.isRemote
                }
                if context.guardsPositions { try await state.guardPositions(loop: context, batch: &batch, at: time) }
                if forced || unwritten >= configuration.batchBars || isLast
                    || (unwritten & 63 == 0 && ContinuousClock.now - lastWrite >= configuration.batchInterval) {
                    try await context.write(&batch, state)
                    unwritten = 0
                    lastWrite = .now
                }
            }
            if ContinuousClock.now - lastWrite >= configuration.batchInterval, unwritten > 0 {
                try await context.write(&batch, state)
                unwritten = 0
                lastWrite = .now
            }
        }
        // Cancelled mid-replay: what is unwritten is redone identically after the restart.
        guard !Task.isCancelled else { return summary(state, processed: processed, resumedFrom: resumedFrom) }
        try await context.write(&batch, state)
        observer?.feedEnded(equity: state.equity, at: state.lastTime)
        if configuration.staysAfterFeedEnds, let control {
            for await _ in control.wakeups {
                if control.hasManual { try await serveManual(control, &state, &batch, context) }
                guard control.hasPending else { continue }
                try await state.apply(control.take(), at: state.lastTime ?? 0, loop: context, batch: &batch)
                try await context.write(&batch, state)
            }
        }
        return summary(state, processed: processed, resumedFrom: resumedFrom)
    }

    /// Each waiting manual request, answered in turn once the venue has replied.
    func serveManual(_ control: TradingControl, _ state: inout LoopState, _ batch: inout JournalBatch, _ context: LoopContext) async throws {
        let waiting = control.takeManual()
        for (index, waiter) in waiting.enumerated() {
            do {
                waiter.answer.resume(returning: try await state.manual(waiter.request, loop: context, batch: &batch))
            } catch {
                // The loop stops on this error: every request still waiting gets its answer first.
                waiter.answer.resume(returning: .refused("the engine failed while placing it: \(error)"))
                for later in waiting[(index + 1)...] { later.answer.resume(returning: .refused("the engine stopped before placing it; nothing was sent")) }
                throw error
            }
        }
    }

    private func summary(_ state: LoopState, processed: Int, resumedFrom: Int64?) -> Summary {
        Summary(
            lastTime: state.lastTime, equity: state.equity, cash: state.cash, barsInMarket: state.barsInMarket, barsProcessed: processed,
            haltedAt: state.haltedAt, haltReason: state.risk.haltReason, resumedFrom: resumedFrom)
    }
}

/// What the loop's state needs from the loop, without its feed's type (so the per-bar code is
/// concrete and optimised, not generic).
struct LoopContext: Sendable {
    let configuration: LoopConfiguration
    let markets: [String]
    let venue: any Venue
    /// The venue as a simulated one, looked up once.
    let simulated: (any SimulatedVenue)?
    /// The venue as a live one (its order changes arrive by themselves), looked up once.
    let live: (any LiveVenue)?
    let store: any TradingStore
    let observer: (any TradingObserver)?
    /// The store's `keepsCandles`, looked up once.
    let keepsCandles: Bool
    let isSimulated: Bool
    /// The venue holds positions: each gets a stop resting at the venue (`guardPositions`).
    let guardsPositions: Bool
    let hasObserver: Bool
    let wantsSummaries: Bool

    init(
        configuration: LoopConfiguration, markets: [String], venue: any Venue, simulated: (any SimulatedVenue)?, store: any TradingStore,
        observer: (any TradingObserver)?, keepsCandles: Bool
    ) {
        self.configuration = configuration
        self.markets = markets
        self.venue = venue
        self.simulated = simulated
        live = venue as? any LiveVenue
        self.store = store
        self.observer = observer
        self.keepsCandles = keepsCandles
        isSimulated = simulated != nil
        guardsPositions = live?.holdsPositions ?? false
        hasObserver = observer != nil
        wantsSummaries = observer?.wantsBarSummaries ?? false
    }

    func write(_ batch: inout JournalBatch, _ state: LoopState) async throws {
        guard !batch.isEmpty, state.lastTime != nil else { return }
        batch.checkpoint = try state.checkpoint(venue: venue)
        let started = hasObserver ? DispatchTime.now().uptimeNanoseconds : 0
        try await store.write(batch)
        if let observer {
            observer.journaled(audit: batch.audit, bars: batch.equity.count, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        batch.removeAll()
    }
}

/// What the loop trades and how it journals.
public struct LoopConfiguration: Sendable {
    public var slots: [SlotSettings]
    public var risk: RiskLimits
    public var startingBalance: Double
    /// The taker fee assumed when sizing an entry (the venue charges its own).
    public var feeRate: Double
    /// Bars per journal write while nothing else forces one.
    public var batchBars: Int
    /// Longest time between journal writes.
    public var batchInterval: Duration
    /// After the feed ends, stay and apply operator commands until cancelled (the engine).
    public var staysAfterFeedEnds: Bool
    /// How often a live venue's balances are checked against the journal's positions (at the
    /// start, then this often); a shortfall fails closed.
    public var reconcileEvery: Duration
    /// Allocation, rebalancing and the VaR limit's horizon.
    public var portfolio: LoopPortfolio

    public init(
        slots: [SlotSettings], risk: RiskLimits = .none, startingBalance: Double, feeRate: Double, batchBars: Int = 1000,
        batchInterval: Duration = .seconds(1), staysAfterFeedEnds: Bool = false, reconcileEvery: Duration = .seconds(300),
        portfolio: LoopPortfolio = LoopPortfolio()
    ) {
        self.portfolio = portfolio
        self.reconcileEvery = reconcileEvery
        self.slots = slots
        self.risk = risk
        self.startingBalance = startingBalance
        self.feeRate = feeRate
        self.batchBars = batchBars
        self.batchInterval = batchInterval
        self.staysAfterFeedEnds = staysAfterFeedEnds
    }
}

/// The portfolio layer inside the loop: the same in the backtester and the engine.
public struct LoopPortfolio: Sendable {
    public var allocation: AllocationSettings
    public var rebalance: RebalanceSettings?
    /// The VaR limit's horizon in bars of the feed (`engine.portfolio.horizon` over the timeframe).
    public var horizonBars: Int

    public init(allocation: AllocationSettings = AllocationSettings(), rebalance: RebalanceSettings? = nil, horizonBars: Int = 1) {
        (self.allocation, self.rebalance, self.horizonBars) = (allocation, rebalance, max(1, horizonBars))
    }

    /// `engine.portfolio` for a feed of bars `interval` ms apart (the engine and the backtester alike).
    public init(_ settings: PortfolioSettings, barInterval interval: Int64) {
        let horizon = Int(settings.horizon.components.seconds * 1000) / Int(max(1, interval))
        self.init(allocation: settings.allocation, rebalance: settings.rebalance, horizonBars: horizon)
    }

    /// Returns the allocation and the VaR limit need (none for today's equal shares without a VaR limit).
    func historyNeeded(_ risk: RiskLimits) -> Int {
        var bars = 0
        if [.inverseVolatility, .riskParity].contains(allocation.method) { bars = allocation.window + 1 }
        if risk.maxValueAtRisk != nil { bars = max(bars, allocation.window + horizonBars + 1) }
        return bars
    }
}

/// One strategy on one market. `strategy` is a registry name, or any instance for tests.
public struct SlotSettings: Sendable {
    public var name: String
    public var market: String
    public var parameters: [String: Double]
    public var active: Bool
    var make: @Sendable ([String: Double]) throws -> any Strategy

    public init(strategy name: String, market: String, parameters: [String: Double] = [:], active: Bool = true) {
        self.name = name
        self.market = market
        self.parameters = parameters
        self.active = active
        make = { try StrategyRegistry.make(name, overrides: $0) }
    }

    /// A registered strategy whose indicators are read from `tapes` (shared by an optimiser's trials).
    public init(strategy name: String, market: String, parameters: [String: Double] = [:], tapes: IndicatorTapes) {
        self.init(strategy: name, market: market, parameters: parameters)
        let shared = tapes.market(market)
        make = { try StrategyRegistry.make(name, overrides: $0, tapes: shared) }
    }

    /// A strategy built by the caller (tests' scripted strategies); parameters are not checked.
    public init(name: String, market: String, strategy: some Strategy) {
        self.name = name
        self.market = market
        parameters = [:]
        active = true
        let instance = strategy
        make = { _ in instance }
    }
}
