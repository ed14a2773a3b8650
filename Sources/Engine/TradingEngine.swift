import Foundation
import Logging
import ServiceLifecycle
import Systemd
import Trading
import WardenCore

/// The engine worker's work: replays candles through the configured strategies onto the paper
/// exchange, with the backtester's fill model, journaling every order before it is sent. After a
/// crash it rebuilds cash, positions and pending orders from the journal, warms the strategies up
/// on the bars already processed, and resumes after the last one; an order is never sent twice.
public final class TradingEngine: Service, Sendable {
    public let settings: EngineSettings
    public let databasePath: String
    public let dataFile: String
    public let metrics: EngineMetrics
    private let logger: Logger

    public init(settings: EngineSettings, databasePath: String, dataFile: String, logger: Logger) {
        self.settings = settings
        self.databasePath = databasePath
        self.dataFile = dataFile
        self.logger = logger
        metrics = EngineMetrics(symbol: settings.symbol)
    }

    final class Slot {
        let name: String
        let id: Int64
        var strategy: any Strategy
        var cash: Double
        var quantity = 0.0
        var pending: EngineJournal.PendingOrder?

        init(name: String, id: Int64, strategy: any Strategy, cash: Double) {
            self.name = name
            self.id = id
            self.strategy = strategy
            self.cash = cash
        }

        func decide(_ candle: Candle) -> Decision { strategy.update(candle) }
    }

    public func run() async throws {
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
        let journal = try EngineJournal(path: databasePath, symbol: settings.symbol)
        let fills = FillModel(feeRate: settings.exchange.feeRate, slippageBps: settings.exchange.slippageBps)
        let allocation = settings.exchange.startingBalance / Double(settings.strategies.count)
        let ids = try journal.strategyIDs(settings.strategies.map(\.name), now: Int64(Date().timeIntervalSince1970 * 1000))
        var slots: [Slot] = []
        for entry in settings.strategies {
            let strategy = try StrategyCatalog.make(entry.name, overrides: entry.params)
            slots.append(Slot(name: entry.name, id: ids[entry.name]!, strategy: strategy, cash: allocation))
        }

        // Recovery: cash and positions from the fills, pending orders, and where to resume.
        let recovered = try journal.recover()
        for fill in recovered.fills {
            guard let slot = slots.first(where: { $0.id == fill.strategyID }) else { continue }
            if fill.side == .buy {
                slot.cash -= fill.quantity * fill.price + fill.fee
                slot.quantity = fill.quantity
            } else {
                slot.cash += fill.quantity * fill.price - fill.fee
                slot.quantity = 0
            }
        }
        for slot in slots { slot.pending = recovered.pending[slot.id] }
        var start = 0
        if let last = recovered.lastBar {
            start = candles.firstIndex { $0.openTime > last } ?? candles.count
            for candle in candles[..<start] { for slot in slots { _ = slot.decide(candle) } }
            logger.info("engine resumed from its journal", metadata: [
                "after_bar": "\(last)", "bars_done": "\(start)", "fills": "\(recovered.fills.count)",
                "pending_orders": "\(recovered.pending.count)",
            ])
        }
        var peak = settings.exchange.startingBalance
        notifier.status("engine: replaying \(candles.count - start) bars of \(settings.symbol) at \(settings.marketData.speed == 0 ? "full speed" : "\(IndicatorSpec.shortest(settings.marketData.speed))×")")

        let clock = ContinuousClock()
        let begin = clock.now
        let step = settings.marketData.speed > 0 ? Duration.milliseconds(Double(interval) / settings.marketData.speed) : .zero
        var lastStatus = clock.now
        var unflushed = 0
        var lastFlush = clock.now
        for index in start..<candles.count {
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let candle = candles[index]
            if step > .zero {
                let due = begin + step * (index - start)
                if due > clock.now {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(until: due, clock: clock) }
                    } catch { break }
                }
            }
            // Orders decided at the previous close fill at this bar's open.
            for slot in slots {
                guard let order = slot.pending else { continue }
                let price = fills.price(open: candle.open, side: order.side)
                let quantity = order.side == .buy ? fills.affordableQuantity(cash: slot.cash, price: price) : slot.quantity
                let fee = fills.fee(quantity: quantity, price: price)
                try journal.recordFill(orderID: order.orderID, strategyID: slot.id, side: order.side, price: price, quantity: quantity, fee: fee, at: candle.openTime)
                if order.side == .buy {
                    slot.cash -= quantity * price + fee
                    slot.quantity = quantity
                } else {
                    slot.cash += quantity * price - fee
                    slot.quantity = 0
                }
                slot.pending = nil
                metrics.update { $0.fills += 1; $0.orders["\(order.side.rawValue)/filled", default: 0] += 1 }
                logger.info("order filled", metadata: [
                    "client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)", "price": "\(price)",
                    "quantity": "\(quantity)", "fee": "\(fee)",
                ])
            }
            let decided = clock.now
            var orders: [EngineJournal.NewOrder] = []
            for slot in slots {
                let decision = slot.decide(candle)
                if decision.enter { metrics.update { $0.signals["\(slot.name)/entry", default: 0] += 1 } }
                if decision.exit { metrics.update { $0.signals["\(slot.name)/exit", default: 0] += 1 } }
                // An exit is checked first; no entry on the bar that decided an exit. A decision on the last bar cannot fill.
                guard index + 1 < candles.count else { continue }
                if slot.quantity > 0, decision.exit {
                    orders.append(.init(clientOrderID: "\(slot.name)-\(candle.openTime)-exit", strategyID: slot.id, side: .sell, quantity: slot.quantity))
                } else if slot.quantity == 0, decision.enter {
                    orders.append(.init(
                        clientOrderID: "\(slot.name)-\(candle.openTime)-entry", strategyID: slot.id, side: .buy,
                        quantity: fills.affordableQuantity(cash: slot.cash, price: candle.close)))
                }
            }
            metrics.observeDecision(seconds: (clock.now - decided).seconds)
            let cash = slots.reduce(0) { $0 + $1.cash }
            let equity = slots.reduce(0) { $0 + $1.cash + $1.quantity * candle.close }
            peak = max(peak, equity)
            let drawdown = 1 - equity / peak
            unflushed += 1
            // Bars without orders may be journaled in batches: if lost in a crash they are replayed identically.
            if !orders.isEmpty || unflushed >= 1000 || clock.now - lastFlush > .seconds(1) || index + 1 == candles.count {
                let rows = try journal.recordBar(candle.openTime, orders: orders, equity: equity, cash: cash, drawdown: drawdown)
                for order in orders {
                    let slot = slots.first { $0.id == order.strategyID }!
                    slot.pending = EngineJournal.PendingOrder(orderID: rows[order.clientOrderID]!, clientOrderID: order.clientOrderID, side: order.side)
                    metrics.update { $0.orders["\(order.side.rawValue)/sent", default: 0] += 1 }
                    logger.info("order sent", metadata: ["client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)"])
                }
                unflushed = 0
                lastFlush = clock.now
            }
            metrics.update { state in
                state.equity = equity
                state.drawdown = drawdown
                state.progress = Double(index + 1) / Double(candles.count)
                state.lastBarWallTime = Date()
                for slot in slots { state.positions[slot.name] = slot.quantity }
            }
            if clock.now - lastStatus > .seconds(1) {
                lastStatus = clock.now
                notifier.status(String(format: "engine: bar %d of %d, equity %.2f", index + 1, candles.count, equity))
            }
        }
        if !(Task.isShuttingDownGracefully || Task.isCancelled) {
            let equity = metrics.families().first { $0.name == "warden_engine_equity" }?.samples.first?.value ?? 0
            notifier.status(String(format: "engine: replay finished, equity %.2f", equity))
            logger.info("replay finished", metadata: ["bars": "\(candles.count)", "equity": "\(equity)"])
            // Stays up (and ready) until told to stop.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(86_400 * 365)) }
        }
    }
}
