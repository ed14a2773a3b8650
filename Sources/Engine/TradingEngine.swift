import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import Trading
import WardenCore

/// The engine worker's work: replays candles through the configured strategies onto the paper
/// exchange with the backtester's own books, fill model and risk limits, journaling every order
/// before it is sent. After a crash it replays the bars already processed without trading (the
/// result is deterministic), checks that against the journal, and resumes after the last bar; a
/// fill already journaled is never written again, so no order is sent twice.
public final class TradingEngine: Service, Sendable {
    public let settings: EngineSettings
    public let journal: any TradingJournal
    public let dataFile: String
    public let metrics: EngineMetrics
    private let logger: Logger
    /// Operator requests (pause, resume) for the loop to apply at the next bar; `wakeups` tells
    /// an engine that finished its replay that one arrived.
    private let requests = Mutex<[OperatorRequest]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let published = Mutex(TradingStatus(state: "starting", reason: nil, bar: 0, bars: 0, equity: 0))

    public enum OperatorRequest: Sendable { case pause(String), resume(String) }

    public struct TradingStatus: Sendable, Codable {
        /// starting, trading, halted, paused or finished.
        public var state: String
        public var reason: String?
        public var bar: Int
        public var bars: Int
        public var equity: Double
    }

    public init(settings: EngineSettings, journal: any TradingJournal, dataFile: String, logger: Logger) {
        self.settings = settings
        self.journal = journal
        self.dataFile = dataFile
        self.logger = logger
        metrics = EngineMetrics(symbol: settings.symbol)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func status() -> TradingStatus { published.withLock { $0 } }

    public func request(_ request: OperatorRequest) {
        requests.withLock { $0.append(request) }
        wake.yield()
    }

    final class Slot {
        let name: String
        let id: Int64
        var strategy: any Strategy
        var book: StrategyBook
        /// The client order id of the order waiting for the next open.
        var pendingOrder: String?

        init(name: String, id: Int64, strategy: any Strategy, cash: Double) {
            self.name = name
            self.id = id
            self.strategy = strategy
            book = StrategyBook(cash: cash)
        }

        func decide(_ candle: Candle) -> Decision { strategy.update(candle) }
    }

    struct Account {
        var slots: [Slot]
        var risk: RiskGuard
        var paused: String?

        var equityAtClose: (Candle) -> Double {
            { candle in slots.reduce(0) { $0 + $1.book.cash + $1.book.quantity * candle.close } }
        }
    }

    public func run() async throws {
        // The journal's connections (PostgreSQL's pool) live exactly as long as the replay.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.journal.run() }
            defer { group.cancelAll() }
            try await replay()
        }
    }

    private func replay() async throws {
        let notifier = SystemdNotifier()
        let candles: [Candle]
        let interval: Int64
        do {
            let loaded = try CandleFile.load(dataFile)
            candles = loaded.candles
            interval = loaded.interval
        } catch let error as CandleFile.Problems {
            throw WardenError(.configuration, "market data file is unusable: \(error)", location: dataFile)
        }
        let fills = FillModel(feeRate: settings.exchange.feeRate, slippageBps: settings.exchange.slippageBps)
        let allocation = settings.exchange.startingBalance / Double(settings.strategies.count)
        let ids = try await journal.strategyIDs(settings.strategies.map(\.name), now: Int64(Date().timeIntervalSince1970 * 1000))
        var slots: [Slot] = []
        for entry in settings.strategies {
            slots.append(Slot(name: entry.name, id: ids[entry.name]!, strategy: try StrategyCatalog.make(entry.name, overrides: entry.params), cash: allocation))
        }
        var account = Account(slots: slots, risk: RiskGuard(limits: settings.risk, startingEquity: settings.exchange.startingBalance))

        // Recovery: replay the processed bars without journaling, then check against the journal.
        let recovered = try await journal.recover()
        var start = 0
        if let last = recovered.lastBar {
            start = candles.firstIndex { $0.openTime > last } ?? candles.count
            // Operators' pauses and resumes are replayed at the bars they were applied to.
            var actions = try await journal.operatorActions()[...]
            var equity = settings.exchange.startingBalance
            for index in 0..<start {
                while let action = actions.first, action.at <= candles[index].openTime {
                    actions.removeFirst()
                    if action.action == "trading.pause" {
                        account.paused = "paused by \(action.actor)"
                    } else if action.action == "trading.resume" {
                        account.paused = nil
                        account.risk.resume(equity: equity)
                    }
                }
                equity = step(&account, candles: candles, index: index, fills: fills, live: false).equity
            }
            for action in actions {
                account.paused = action.action == "trading.pause" ? "paused by \(action.actor)" : nil
                if action.action == "trading.resume" { account.risk.resume(equity: equity) }
            }
            try verifyAgainstJournal(account, recovered, lastBar: last)
            logger.info("engine resumed from its journal", metadata: [
                "after_bar": "\(last)", "bars_done": "\(start)", "fills": "\(recovered.fills.count)",
                "pending_orders": "\(recovered.pending.count)",
            ])
        }
        notifier.status("engine: replaying \(candles.count - start) bars of \(settings.symbol) at \(settings.marketData.speed == 0 ? "full speed" : "\(IndicatorSpec.shortest(settings.marketData.speed))×")")

        let clock = ContinuousClock()
        let begin = clock.now
        let pace = settings.marketData.speed > 0 ? Duration.milliseconds(Double(interval) / settings.marketData.speed) : .zero
        var lastStatus = clock.now
        var unflushed = 0
        var lastFlush = clock.now
        for index in start..<candles.count {
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let candle = candles[index]
            if pace > .zero {
                let due = begin + pace * (index - start)
                if due > clock.now {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(until: due, clock: clock) }
                    } catch { break }
                }
            } else if index % 2000 == 0 {
                await Task.yield()
            }
            try await applyOperatorRequests(&account, at: candle.openTime, notifier: notifier)
            let decided = clock.now
            let outcome = step(&account, candles: candles, index: index, fills: fills, live: true)
            metrics.observeDecision(seconds: (clock.now - decided).seconds)
            try await journalFills(outcome, at: candle.openTime)
            if let reason = outcome.halted {
                try await journal.recordTradingState("trading.halt", actor: "risk", reason: reason, at: candle.openTime)
                logger.critical("trading halted by a risk limit: new entries stop until `warden trading resume`", metadata: ["reason": "\(reason)"])
                notifier.status("engine: HALTED: \(reason)")
            }
            unflushed += 1
            // Bars without orders may be journaled in batches: if lost in a crash they are replayed identically.
            if !outcome.orders.isEmpty || unflushed >= 1000 || clock.now - lastFlush > .seconds(1) || index + 1 == candles.count {
                try await journal.recordBar(
                    candle.openTime, orders: outcome.orders, equity: outcome.equity,
                    cash: account.slots.reduce(0) { $0 + $1.book.cash }, drawdown: 1 - outcome.equity / account.risk.peak)
                for order in outcome.orders {
                    metrics.update { $0.orders["\(order.side.rawValue)/sent", default: 0] += 1 }
                    logger.info("order sent", metadata: ["client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)"])
                }
                unflushed = 0
                lastFlush = clock.now
            }
            let state = account.risk.halted ? "halted" : account.paused != nil ? "paused" : "trading"
            metrics.update { m in
                m.equity = outcome.equity
                m.drawdown = 1 - outcome.equity / account.risk.peak
                m.dailyPnL = account.risk.dailyPnLRatio
                m.haltKind = account.paused != nil ? "operator"
                    : account.risk.haltReason.map { $0.hasPrefix("daily loss") ? "daily_loss" : "max_drawdown" }
                m.progress = Double(index + 1) / Double(candles.count)
                m.lastBarWallTime = Date()
                for slot in account.slots { m.positions[slot.name] = slot.book.quantity }
            }
            published.withLock {
                $0 = TradingStatus(
                    state: state, reason: account.risk.haltReason ?? account.paused, bar: index + 1, bars: candles.count, equity: outcome.equity)
            }
            if clock.now - lastStatus > .seconds(1) {
                lastStatus = clock.now
                let suffix = state == "trading" ? "" : ", \(state.uppercased()): \(account.risk.haltReason ?? account.paused ?? "")"
                notifier.status(String(format: "engine: bar %d of %d, equity %.2f", index + 1, candles.count, outcome.equity) + suffix)
            }
        }
        if !(Task.isShuttingDownGracefully || Task.isCancelled) {
            let equity = status().equity
            published.withLock { $0.state = account.risk.halted ? "halted" : "finished" }
            notifier.status(String(format: "engine: replay finished, equity %.2f", equity))
            logger.info("replay finished", metadata: ["bars": "\(candles.count)", "equity": "\(equity)"])
            // Stays up (and ready, answering trading requests) until told to stop.
            for await _ in wakeups.cancelOnGracefulShutdown() {
                try await applyOperatorRequests(&account, at: candles.last?.openTime ?? 0, notifier: notifier)
                published.withLock { $0.state = account.risk.halted ? "halted" : account.paused != nil ? "paused" : "finished" }
            }
        }
    }

    struct StepOutcome {
        var orders: [JournalOrder] = []
        var fills: [(clientOrderID: String, strategyID: Int64, fill: StrategyBook.Fill)] = []
        var cancelled: [String] = []
        var equity = 0.0
        var halted: String?
    }

    /// One bar: pending orders fill at its open, then every strategy decides at its close. Live,
    /// the fills, cancellations and new orders are returned to be journaled (orders before they
    /// are sent); replaying after a crash, nothing is.
    private func step(_ account: inout Account, candles: [Candle], index: Int, fills: FillModel, live: Bool) -> StepOutcome {
        let candle = candles[index]
        var outcome = StepOutcome()
        for slot in account.slots {
            let others = account.slots.filter { $0 !== slot }.reduce(0) { $0 + $1.book.entryExposure }
            guard let clientOrderID = slot.pendingOrder else { continue }
            slot.pendingOrder = nil
            guard let fill = slot.book.fillPending(open: candle.open, fills: fills, risk: account.risk, otherExposure: others) else {
                if live { outcome.cancelled.append(clientOrderID) }
                continue
            }
            if live { outcome.fills.append((clientOrderID, slot.id, fill)) }
        }
        let decisions = account.slots.map { $0.decide(candle) }
        outcome.equity = account.equityAtClose(candle)
        outcome.halted = account.risk.observe(candle, equity: outcome.equity)
        var blocked = account.risk
        if account.paused != nil { blocked.halt(account.paused!) }
        for (slot, decision) in zip(account.slots, decisions) {
            if live {
                if decision.enter { metrics.update { $0.signals["\(slot.name)/entry", default: 0] += 1 } }
                if decision.exit { metrics.update { $0.signals["\(slot.name)/exit", default: 0] += 1 } }
            }
            let quantity = slot.book.quantity
            guard let order = slot.book.decide(decision, close: candle.close, risk: blocked, isLastBar: index + 1 == candles.count) else { continue }
            let intent = order.side == .buy ? "entry" : "exit"
            let id = "\(slot.name)-\(candle.openTime)-\(intent)"
            slot.pendingOrder = id
            outcome.orders.append(.init(
                clientOrderID: id, strategyID: slot.id, side: order.side,
                quantity: order.side == .sell ? quantity : fills.affordableQuantity(cash: slot.book.cash, price: candle.close)))
        }
        return outcome
    }

    /// A bar's fills (each written once: a fill already journaled before a crash is skipped) and
    /// cancellations. A journal that cannot be written ends the worker with that error; the
    /// supervisor restarts it and the replay resumes from what the journal holds.
    private func journalFills(_ outcome: StepOutcome, at time: Int64) async throws {
        for clientOrderID in outcome.cancelled { try await journal.cancel(clientOrderID: clientOrderID, at: time) }
        for (clientOrderID, strategyID, fill) in outcome.fills {
            guard try await journal.recordFill(clientOrderID: clientOrderID, strategyID: strategyID, fill: fill, at: time) else { continue }
            metrics.update { $0.fills += 1; $0.orders["\(fill.side.rawValue)/filled", default: 0] += 1 }
            logger.info("order filled", metadata: [
                "client_order_id": "\(clientOrderID)", "side": "\(fill.side.rawValue)", "price": "\(fill.price)",
                "quantity": "\(fill.quantity)", "fee": "\(fill.fee)",
            ])
        }
    }

    private func applyOperatorRequests(_ account: inout Account, at time: Int64, notifier: SystemdNotifier) async throws {
        let pending = requests.withLock { queue in defer { queue.removeAll() }; return queue }
        for request in pending {
            switch request {
            case .pause(let by):
                account.paused = "paused by \(by)"
                try await journal.recordTradingState("trading.pause", actor: by, reason: "paused by \(by)", at: time)
                logger.warning("trading paused by an operator", metadata: ["by": "\(by)"])
                notifier.status("engine: PAUSED by \(by)")
            case .resume(let by):
                account.paused = nil
                account.risk.resume(equity: status().equity)
                try await journal.recordTradingState("trading.resume", actor: by, reason: "resumed by \(by)", at: time)
                logger.warning("trading resumed by an operator", metadata: ["by": "\(by)"])
            }
        }
    }

    /// The replay must land where the journal says: same positions, same pending orders.
    private func verifyAgainstJournal(_ account: Account, _ recovered: JournalRecovery, lastBar: Int64) throws {
        var journaled: [Int64: Double] = [:]
        // A fill at the open of the bar after the last journaled one is applied again (idempotently) on resume.
        for fill in recovered.fills where fill.at <= lastBar { journaled[fill.strategyID] = fill.side == .buy ? fill.quantity : 0 }
        for slot in account.slots {
            let expected = journaled[slot.id] ?? 0
            guard abs(slot.book.quantity - expected) <= 1e-12 * max(1, expected) else {
                throw WardenError(
                    .configuration,
                    "the journal does not match a replay of this configuration (strategy \(slot.name): position \(expected) journaled, \(slot.book.quantity) replayed); the strategies, parameters, exchange settings or data changed since these trades: restore them or start on a new database",
                    location: journal.location)
            }
            if let order = recovered.pending[slot.id], order.clientOrderID != slot.pendingOrder, !recovered.fills.contains(where: { $0.at > lastBar }) {
                throw WardenError(.configuration, "the journal's pending order \(order.clientOrderID) is not what a replay decides (\(slot.pendingOrder ?? "none")); the configuration changed", location: journal.location)
            }
        }
    }
}
