import Foundation
import WardenCore

/// The loop's account view and slots between bars. Everything here is rebuilt on a restart from
/// the checkpoint and the stored candles.
struct LoopState {
    var slots: [LoopSlot] = []
    // Per slot, by `LoopSlot.index`: what the per-bar path reads, as plain arrays (no class, no
    // reference counting per bar). `held` and `watched` mirror the slot after every fill.
    var strategies: [any Strategy] = []
    var decisions: [Decision] = []
    var slotMarkets: [Int] = []
    var held: [Double] = []
    /// Holding with a stop-loss or take-profit to check at each close.
    var watched: [Bool] = []
    let instruments: [Instrument]
    /// Each market's canonical symbol, by index (the instruments' own, kept apart for the hot path).
    let markets: [String]
    var atr: [ATR]
    var currentATR: [Double?]
    var lastClose: [Double]
    var cash: Double
    var risk: RiskGuard
    var paused: String?
    /// Why entries are stopped after the venue's balances disagreed with the journal; nil when they agree.
    var failedClosed: String?
    var lastTime: Int64?
    var barsInMarket = 0
    var haltedAt: Int64?
    var equity: Double
    /// Open orders by client id, checked against the order state machine.
    var lifecycles = OpenOrders()
    /// Differences between the configuration and the journal, applied at the first bar.
    var startupCommands: [TradingControl.Command] = []
    /// Open orders at the venue the journal does not know, by exchange id, as last checked.
    var externalOrders: Set<String> = []
    /// The last manual order's id stamp (wall-clock ms).
    var manualStamp: Int64 = 0
    /// Targets other than today's equal shares (nil: 1/n of the strategy slots, computed as always).
    var allocator: Allocator?
    var history: CloseHistory
    /// The VaR of the positions at the last close, when the VaR limit is set, and its horizon and window (bars).
    var valueAtRisk: Double?
    var varHorizon = 1
    var varWindow = 720
    /// The venue takes no quote amounts (BingX swap): a market buy is sized in the base asset.
    var buysByQuantity = false
    /// Slots a strategy runs in (the `manual` slots hold operators' orders): what shares equity.
    var strategySlotCount: Int { slots.count { $0.name != ManualHold.name && !$0.archived } }

    /// Orders whose outcome is not known yet (asked about before each bar).
    var unknownOrders: Int { lifecycles.unknownCount }


    static func start(_ loop: LoopContext) async throws -> LoopState {
        let markets = loop.markets
        var instruments: [Instrument] = []
        for market in markets { instruments.append(try await loop.venue.instrument(market)) }
        let configuration = loop.configuration
        var state = LoopState(
            instruments: instruments, markets: instruments.map(\.symbol), atr: markets.map { _ in ATR(period: configuration.risk.atrPeriod) },
            currentATR: markets.map { _ in nil }, lastClose: markets.map { _ in 0 }, cash: configuration.startingBalance,
            risk: RiskGuard(limits: configuration.risk, startingEquity: configuration.startingBalance), equity: configuration.startingBalance,
            allocator: configuration.portfolio.allocation.isPlainEqual ? nil : Allocator(settings: configuration.portfolio.allocation),
            history: CloseHistory(markets: markets.count, capacity: configuration.portfolio.historyNeeded(configuration.risk)))
        state.varHorizon = configuration.portfolio.horizonBars
        state.buysByQuantity = loop.live?.holdsPositions ?? false
        state.varWindow = configuration.portfolio.allocation.window
        for settings in configuration.slots {
            guard let market = markets.firstIndex(of: settings.market) else {
                throw WardenError(.configuration, "strategy \(settings.name) trades \(settings.market), which the market data does not carry (it has \(markets.joined(separator: ", ")))")
            }
            try state.add(LoopSlot(
                index: state.slots.count, name: settings.name, market: market, symbol: settings.market, parameters: settings.parameters,
                active: settings.active, make: settings.make))
        }
        if let saved = try await loop.store.checkpoint() { try await state.resume(from: saved, loop) }
        let allocation = configuration.portfolio.allocation
        if let unknown = allocation.maxMarketWeight.keys.sorted().first(where: { !state.markets.contains($0) }) {
            throw WardenError(.configuration, "engine.portfolio.allocation.max_market_weight names '\(unknown)', which is not traded (the markets are \(state.markets.joined(separator: ", ")))")
        }
        if let unknown = allocation.maxStrategyWeight.keys.sorted().first(where: { name in !state.slots.contains { $0.name == name } }) {
            throw WardenError(.configuration, "engine.portfolio.allocation.max_strategy_weight names '\(unknown)', which no slot runs")
        }
        if allocation.method == .fixed {
            let names = Set(state.slots.flatMap { [$0.name, "\($0.name)@\($0.symbol)"] })
            if let unknown = allocation.weights.keys.sorted().first(where: { !names.contains($0) }) {
                throw WardenError(.configuration, "engine.portfolio.allocation.weights names '\(unknown)', which is no strategy slot (they are \(state.slots.filter(Allocator.eligible).map { "\($0.name)@\($0.symbol)" }.joined(separator: ", ")))")
            }
        }
        return state
    }

    mutating func add(_ slot: LoopSlot) throws {
        slot.baseAsset = instruments[slot.market].base
        slot.step = instruments[slot.market].stepSize
        strategies.append(try slot.make(slot.parameters))
        slots.append(slot)
        decisions.append(.none)
        slotMarkets.append(slot.market)
        held.append(0)
        watched.append(false)
        refresh(slot)
    }

    /// The per-bar mirror of a slot whose position changed.
    mutating func refresh(_ slot: LoopSlot) {
        held[slot.index] = slot.held
        watched[slot.index] = slot.held > 0 && (slot.stop != nil || slot.target != nil)
    }

    /// A new strategy instance for a slot (other parameters), warmed by the caller.
    mutating func replaceStrategy(of slot: LoopSlot, parameters: [String: Double]) throws {
        strategies[slot.index] = try slot.make(parameters)
        slot.parameters = parameters
    }

    mutating func update(slot index: Int, with candle: Candle) -> Decision {
        decisions[index] = strategies[index].update(candle)
        return decisions[index]
    }

    /// Rebuilds from a checkpoint: the account and positions as they were, the journal's
    /// parameters (a different configuration becomes events at the next bar), indicators warmed
    /// over every stored candle up to the checkpoint.
    mutating func resume(from saved: LoopCheckpoint, _ loop: LoopContext) async throws {
        lastTime = saved.time
        cash = saved.cash
        risk = RiskGuard(limits: loop.configuration.risk, state: saved.risk)
        paused = saved.paused
        // The targets in force before the restart, when the method is the same (a changed one estimates again).
        if let allocation = saved.allocation, let settings = allocator?.settings, allocation.method == settings.method.rawValue {
            allocator = Allocator(settings: settings, saved: allocation)
        }
        if let sim = loop.simulated, let venue = saved.venue {
            do {
                try sim.restore(venue)
            } catch {
                throw WardenError(.runtime, "the journal's \(sim.name) account cannot be read (\(error)); refusing to trade on a guess", location: loop.store.location)
            }
        }
        for entry in saved.slots {
            if let slot = slots.first(where: { $0.name == entry.name && $0.symbol == entry.market }) {
                let configured = slot.parameters
                slot.restore(entry)
                refresh(slot)
                if entry.parameters != configured { try replaceStrategy(of: slot, parameters: entry.parameters) }
                // Only a configuration that changed since it was last applied overrides the journal.
                if let previous = entry.configured, previous != configured {
                    let full = (try? StrategyRegistry.resolve(slot.name, overrides: configured)) ?? configured
                    startupCommands.append(.setParameters(strategy: slot.name, market: slot.symbol, parameters: full, by: "configuration"))
                }
                slot.configured = configured
            } else if entry.createdBy != nil || entry.quantity > 0 || entry.pendingOrder != nil, let market = loop.markets.firstIndex(of: entry.market) {
                // Created at run time: kept as it was. Gone from the configuration but still
                // holding: kept, deactivated, so its exits run.
                let name = entry.name
                var make: @Sendable ([String: Double]) throws -> any Strategy = { try StrategyRegistry.make(name, overrides: $0) }
                if name == ManualHold.name { make = ManualHold.make }
                let slot = LoopSlot(
                    index: slots.count, name: entry.name, market: market, symbol: entry.market, parameters: entry.parameters, active: false,
                    make: make)
                slot.restore(entry)
                if entry.createdBy == nil { slot.active = false }
                try add(slot)
            }
        }
        for slot in slots where !saved.slots.contains(where: { $0.name == slot.name && $0.market == slot.symbol }) {
            startupCommands.append(.activate(strategy: slot.name, market: slot.symbol, by: "configuration"))
        }
        for (index, market) in loop.markets.enumerated() {
            let candles = try await loop.store.candles(market: market, through: saved.time)
            let marketSlots = slots.filter { $0.market == index }.map(\.index)
            for candle in candles {
                advance(market: index, with: candle)
                for slot in marketSlots { _ = update(slot: slot, with: candle) }
            }
        }
        equity = markedEquity()
        for slot in slots {
            if let id = slot.pendingOrder { lifecycles[id] = OrderLifecycle(quantity: nil, status: .accepted) }
        }
    }

    /// The journal's open orders against the venue's: what the venue never saw is cancelled
    /// (it was journaled, then the process died before sending); what it finished is applied.
    /// Nothing is ever sent again.
    mutating func reconcile(_ loop: LoopContext) async throws {
        var batch = JournalBatch()
        var recorded: Set<String>?
        for journaled in try await loop.store.openOrders() {
            let id = journaled.order.clientOrderID
            let guarded = slot(guarding: id)
            let slot = slot(placing: id) ?? guarded
            guard let report = try await loop.venue.order(clientOrderID: id, market: journaled.order.market) else {
                batch.orderUpdates.append(OrderUpdate(clientOrderID: id, status: .cancelled, exchangeOrderID: nil, reason: "never reached the venue", time: lastTime ?? 0))
                lifecycles[id] = nil
                if let guarded { guarded.retireGuard(id) } else { slot?.clearPending() }
                continue
            }
            if report.status != journaled.status {
                batch.orderUpdates.append(OrderUpdate(clientOrderID: id, status: report.status, exchangeOrderID: report.exchangeOrderID, reason: report.reason, time: report.time))
            }
            if report.status.isTerminal {
                // The journal's fills are read once, and only when some order finished while the engine was away.
                if recorded == nil { recorded = Set(try await loop.store.fills().map(\.fill.tradeID)) }
                for fill in try await loop.venue.fills(since: journaled.order.decidedAt) where fill.clientOrderID == id && !recorded!.contains(fill.tradeID) {
                    if let slot {
                        cash += slot.apply(fill, limits: risk.limits)
                        refresh(slot)
                    }
                    batch.fills.append(RecordedFill(strategy: journaled.order.strategy, fill: fill))
                }
                lifecycles[id] = nil
                if let guarded { guarded.retireGuard(id) } else { slot?.clearPending() }
            } else {
                lifecycles[id] = OrderLifecycle(quantity: journaled.order.quantity, status: report.status)
            }
        }
        try await loop.write(&batch, self)
    }

    var views: [SlotView] {
        slots.map {
            SlotView(
                name: $0.name, market: $0.symbol, active: $0.active, parameters: (try? StrategyRegistry.resolve($0.name, overrides: $0.parameters)) ?? $0.parameters,
                quantity: $0.held, archived: $0.archived, createdBy: $0.createdBy)
        }
    }

    /// The slot whose pending order this is.
    func slot(placing id: String) -> LoopSlot? { slots.first { $0.pendingOrder == id } }

    /// The slot whose position this venue-side stop guards (or lately guarded).
    func slot(guarding id: String) -> LoopSlot? { slots.first { $0.guardOrder == id || $0.formerGuards.contains(id) } }

    /// A market's candle into its ATR and last close (strategies are updated by the caller).
    mutating func advance(market: Int, with candle: Candle) {
        currentATR[market] = atr[market].update(candle.bar)
        lastClose[market] = candle.close
        if history.capacity > 0 { history.append(candle.close, market: market) }
    }

    func markedEquity() -> Double {
        var value = cash
        for index in held.indices where held[index] > 0 { value += held[index] * lastClose[slotMarkets[index]] }
        return value
    }

    func checkpoint(venue: any Venue) throws -> LoopCheckpoint {
        LoopCheckpoint(
            time: lastTime ?? 0, cash: cash, slots: slots.map(\.checkpoint), risk: risk.state, paused: paused,
            venue: try (venue as? any SimulatedVenue)?.snapshot(), allocation: allocator?.checkpoint)
    }
}
