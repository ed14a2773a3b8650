import Foundation
import WardenCore

extension LoopState {
    /// One batch of bars sharing an open time: fills at the opens, decisions at the closes.
    /// Synchronous: returns the new orders, which the loop journals and sends.
    mutating func step(time: Int64, bars: Range<Int>, of chunk: FeedChunk, isLast: Bool, loop: LoopContext, batch: inout JournalBatch) throws -> [Order] {
        // Flags looked up once per loop: the common bar touches no existential.
        // Nanoseconds as a plain integer: an optional clock instant costs generic calls every bar.
        let started = loop.wantsSummaries ? chunk.arrivedAt ?? DispatchTime.now().uptimeNanoseconds : 0
        // Every order on the venue is one this loop sent and still follows: none, nothing to fill.
        if loop.isSimulated, !lifecycles.isEmpty {
            for bar in bars {
                let (reports, fills) = try loop.simulated!.open(chunk.candles[bar], market: markets[Int(chunk.markets[bar])])
                if !reports.isEmpty || !fills.isEmpty { try settle(reports: reports, fills: fills, loop: loop, batch: &batch) }
            }
        }
        for bar in bars {
            let market = Int(chunk.markets[bar]), candle = chunk.candles[bar]
            advance(market: market, with: candle)
            for index in slotMarkets.indices where slotMarkets[index] == market {
                let decision = update(slot: index, with: candle)
                if loop.hasObserver { loop.observer?.decided(strategy: slots[index].name, market: slots[index].symbol, decision: decision, at: time) }
            }
        }
        equity = markedEquity()
        let portfolio = loop.configuration.portfolio
        valueAtRisk = measureValueAtRisk()
        refreshAllocation(time: time)
        switch risk.observe(time: time, equity: equity, exposure: equity - cash, valueAtRisk: valueAtRisk) {
        case .halted(let reason):
            haltedAt = haltedAt ?? time
            batch.audit.append(AuditEntry(time: time, actor: "risk", action: "trading.halt", target: "trading", detail: reason))
            loop.observer?.halted(reason, at: time)
        case .reducing(let reason):
            batch.audit.append(AuditEntry(time: time, actor: "risk", action: "risk.reducing", target: "trading", detail: reason))
        case .recovered(let reason):
            batch.audit.append(AuditEntry(time: time, actor: "risk", action: "risk.active", target: "trading", detail: reason))
        case nil: break
        }
        var orders: [Order] = []
        if !isLast {
            for bar in bars {
                let market = Int(chunk.markets[bar])
                for index in slotMarkets.indices where slotMarkets[index] == market {
                    // Most bars decide nothing: no order is built for them.
                    let decision = decisions[index]
                    guard decision.enter || decision.exit || watched[index] else { continue }
                    if let order = decide(slots[index], close: chunk.candles[bar].close, time: time, feeRate: loop.configuration.feeRate) { orders.append(order) }
                }
            }
            if risk.mode == .reducing, let trim = trimOrder(time: time) { orders.append(trim) }
            if let rebalance = portfolio.rebalance { orders += rebalanceOrders(time: time, feeRate: loop.configuration.feeRate, settings: rebalance) }
        }
        if held.contains(where: { $0 > 0 }) { barsInMarket += 1 }
        lastTime = time
        if loop.keepsCandles { for bar in bars { batch.candles.append((markets[Int(chunk.markets[bar])], chunk.candles[bar])) } }
        batch.equity.append(EquityPoint(time: time, equity: equity, cash: cash, drawdown: 1 - equity / risk.peak))
        if loop.wantsSummaries, let observer = loop.observer {
            observer.barProcessed(BarSummary(
                time: time, equity: equity, cash: cash, drawdown: 1 - equity / risk.peak, dailyPnLRatio: risk.dailyPnLRatio,
                haltReason: risk.haltReason, reducingReason: risk.reducingReason, monthlyPnLRatio: risk.monthlyPnLRatio, paused: paused,
                failedClosed: failedClosed, positions: slots.map { ($0.name, $0.symbol, $0.held) },
                decisionSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, unknownOrders: unknownOrders,
                candles: bars.map { (markets[Int(chunk.markets[$0])], chunk.candles[$0]) }, weights: weights, valueAtRisk: valueAtRisk))
        }
        return orders
    }

    /// An exit first (signal, stop-loss, take-profit); no entry on a bar that decided an exit, while
    /// halted or paused, or for a deactivated slot. An entry spends the slot's share of equity.
    mutating func decide(_ slot: LoopSlot, close: Double, time: Int64, feeRate: Double) -> Order? {
        guard !slot.isPending else { return nil }
        let decision = decisions[slot.index]
        if slot.held > 0 {
            let exits = decision.exit || (slot.stop.map { close <= $0 } ?? false) || (slot.target.map { close >= $0 } ?? false)
            guard exits else { return nil }
            return exitOrder(slot, time: time, intent: "exit")
        }
        guard decision.enter, slot.active, risk.mode == .active, paused == nil, failedClosed == nil else { return nil }
        let instrument = instruments[slot.market]
        let committed = slots.reduce(0.0) { $0 + $1.pendingBudget }
        let others = slots.reduce(0.0) { $1 === slot ? $0 : $0 + $1.held * $1.entryPrice + $1.pendingBudget / (1 + feeRate) }
        let share = entryShare(slot)
        // A billionth is kept back: the Double view of cash may sit a rounding above the venue's exact balance.
        var budget = risk.entryBudget(cash: min(cash - committed, share) * (1 - 1e-9), feeRate: feeRate, otherExposure: others)
        if risk.limits.maxValueAtRisk != nil { budget = fitToValueAtRisk(budget, market: slot.market) }
        guard budget > 0, let order = try? marketBuy(instrument, spending: budget, close: close, id: Self.orderID(slot, time, "entry"), strategy: slot.name, at: time)
        else { return nil }
        slot.pendingOrder = order.clientOrderID
        slot.pendingSide = .buy
        slot.pendingBudget = budget
        slot.atrAtDecision = currentATR[slot.market]
        return order
    }

    /// Margin kept when a budget is turned into a quantity at the last close: what the price may
    /// move before the order fills without the fill costing more than the budget.
    static let quantityMargin = 0.005

    /// A market buy spending `budget`: as a quote amount, or on a venue that takes none the
    /// quantity it buys at `close`, less `quantityMargin`.
    func marketBuy(_ instrument: Instrument, spending budget: Double, close: Double, id: String, strategy: String, at time: Int64) throws -> Order {
        guard buysByQuantity else { return try Order.market(.buy, instrument, spending: budget, id: id, strategy: strategy, at: time) }
        return try Order.market(.buy, instrument, quantity: budget / (close * (1 + Self.quantityMargin)), id: id, strategy: strategy, at: time)
    }

    /// The whole position of `slot`, sold at market.
    mutating func exitOrder(_ slot: LoopSlot, time: Int64, intent: String) -> Order {
        let instrument = instruments[slot.market]
        // The exact position, not a Double's rounding of it; cut to the step when a fee taken in
        // the base asset left it off the step (the rest is dust the exchange keeps).
        let quantity = instrument.isOnStep(slot.quantity) ? slot.quantity : Instrument.rounded(slot.quantity, to: instrument.stepSize, .down)
        let order = Order(
            clientOrderID: Self.orderID(slot, time, intent), market: instrument.symbol, side: .sell, type: .market, quantity: quantity,
            quoteQuantity: nil, price: nil, stopPrice: nil, timeInForce: .ioc, reduceOnly: false, strategy: slot.name, decidedAt: time)
        slot.pendingOrder = order.clientOrderID
        slot.pendingSide = .sell
        return order
    }

    /// REDUCING: the largest strategy position not already being sold, exited at market, one a
    /// bar, until exposure is back under its cap (the next bars' closes decide). An operator's
    /// manual holdings are left to the operator. Deterministic, so a bar decided again after a
    /// crash makes the same order id and the journal holds it once.
    mutating func trimOrder(time: Int64) -> Order? {
        let candidates = slots.filter { $0.name != ManualHold.name && $0.held > 0 && !$0.isPending && $0.quantity > 0 }
        guard let largest = candidates.max(by: { a, b in
            let x = a.held * lastClose[a.market], y = b.held * lastClose[b.market]
            return x != y ? x < y : a.index > b.index
        }) else { return nil }
        return exitOrder(largest, time: time, intent: "trim")
    }

    /// Deterministic: strategy, market, the deciding bar and the intent (at most 40 characters, as exchanges allow).
    static func orderID(_ slot: LoopSlot, _ time: Int64, _ intent: String) -> String {
        slot.orderPrefix + String(time) + "-" + intent
    }

    /// The venue's answer to orders just sent.
    mutating func submitted(_ orders: [Order], loop: LoopContext, batch: inout JournalBatch, decided: UInt64? = nil) async throws -> [ExecutionReport] {
        var reports: [ExecutionReport] = []
        for order in orders {
            var lifecycle = OrderLifecycle(quantity: order.quantity)
            try lifecycle.apply(.send)
            let slot = slot(placing: order.clientOrderID)
            if let decided, loop.hasObserver {
                loop.observer?.sending(order, secondsSinceDecision: Double(DispatchTime.now().uptimeNanoseconds - decided) / 1e9)
            }
            do {
                let report = try await loop.venue.submit(order)
                try lifecycle.apply(.accept)
                lifecycles[order.clientOrderID] = lifecycle
                batch.orderUpdates.append(OrderUpdate(clientOrderID: order.clientOrderID, status: .accepted, exchangeOrderID: report.exchangeOrderID, time: order.decidedAt))
                reports.append(report)
            } catch let error as VenueError where error.code != .unknown {
                try lifecycle.apply(.reject(error.message))
                slot?.clearPending()
                batch.orderUpdates.append(OrderUpdate(clientOrderID: order.clientOrderID, status: .rejected, exchangeOrderID: nil, reason: error.message, time: order.decidedAt))
                reports.append(ExecutionReport(
                    clientOrderID: order.clientOrderID, exchangeOrderID: nil, market: order.market, side: order.side, status: .rejected,
                    reason: error.message, time: order.decidedAt))
            } catch {
                // Sent, answer unknown: the order may exist. It stays pending until the venue says.
                try lifecycle.apply(.lose)
                lifecycles[order.clientOrderID] = lifecycle
                batch.orderUpdates.append(OrderUpdate(clientOrderID: order.clientOrderID, status: .unknown, exchangeOrderID: nil, reason: "\(error)", time: order.decidedAt))
            }
        }
        return reports
    }

    /// Orders whose submit had no answer: asked about, never sent again. One the venue never saw is
    /// cancelled here (its slot may decide anew); one it holds continues as the venue says.
    mutating func resolveUnknown(loop: LoopContext, batch: inout JournalBatch, at time: Int64) async throws {
        for (id, lifecycle) in lifecycles.unknown {
            let guarded = slot(guarding: id)
            guard let slot = slot(placing: id) ?? guarded else { continue }
            let report: ExecutionReport?
            do {
                report = try await loop.venue.order(clientOrderID: id, market: slot.symbol)
            } catch {
                continue  // still unknown: asked again at the next bar; nothing new is sent meanwhile
            }
            guard let report else {
                lifecycles[id] = nil
                if let guarded { guarded.retireGuard(id) } else { slot.clearPending() }
                batch.orderUpdates.append(OrderUpdate(clientOrderID: id, status: .cancelled, exchangeOrderID: nil, reason: "never reached the venue", time: time))
                continue
            }
            var resolved = lifecycle
            switch report.status {
            case .accepted, .partiallyFilled: try resolved.apply(.accept)
            case .rejected: try resolved.apply(.reject(report.reason ?? "rejected"))
            case .cancelled: try resolved.apply(.cancel)
            case .expired: try resolved.apply(.expire)
            default: break  // filled: its fill arrives with the venue's fills
            }
            lifecycles[id] = resolved.status.isTerminal ? nil : resolved
            if resolved.status.isTerminal { if let guarded { guarded.retireGuard(id) } else { slot.clearPending() } }
            batch.orderUpdates.append(OrderUpdate(clientOrderID: id, status: report.status, exchangeOrderID: report.exchangeOrderID, reason: report.reason, time: time))
        }
    }

    /// Finished orders and their fills, applied to the slots that placed them.
    mutating func settle(reports: [ExecutionReport], fills: [Fill], loop: LoopContext, batch: inout JournalBatch) throws {
        for fill in fills {
            // A stop resting at the venue that triggered: the position's exit, decided by the venue.
            guard let slot = slot(placing: fill.clientOrderID) ?? slot(guarding: fill.clientOrderID) else {
                throw WardenError(.runtime, "the venue filled \(fill.clientOrderID), which no strategy has pending; trading stops rather than guess")
            }
            try lifecycles.apply(.fill(fill.quantity), to: fill.clientOrderID)
            cash += slot.apply(fill, limits: risk.limits)
            refresh(slot)
            let recorded = RecordedFill(strategy: slot.name, fill: fill)
            batch.fills.append(recorded)
            loop.observer?.filled(recorded)
        }
        for report in reports where report.status.isTerminal {
            let id = report.clientOrderID
            if report.status != .filled {
                try lifecycles.apply(report.status == .cancelled ? .cancel : .expire, to: id)
            }
            lifecycles[id] = nil  // filled: normally gone with its fill already
            if let guarded = slot(guarding: id) { guarded.retireGuard(id) } else { slot(placing: id)?.clearPending() }
            batch.orderUpdates.append(OrderUpdate(clientOrderID: id, status: report.status, exchangeOrderID: report.exchangeOrderID, reason: report.reason, time: report.time))
        }
    }
}

extension LoopState {
    /// Operator commands at the bar `time`, each journaled (audit, strategy events) with the batch.
    mutating func apply(_ commands: [TradingControl.Command], at time: Int64, loop: LoopContext, batch: inout JournalBatch) async throws {
        for command in commands {
            let message: String
            switch command {
            case .pause(let by):
                paused = "paused by \(by)"
                message = "new entries paused by \(by) (exits and stops still run)"
                batch.audit.append(AuditEntry(time: time, actor: by, action: "trading.pause", target: "trading", detail: paused!))
            case .resume(let by):
                paused = nil
                // Resolved by a person who checked; the next balance check says whether they agree.
                if let reason = failedClosed {
                    failedClosed = nil
                    batch.audit.append(AuditEntry(time: time, actor: by, action: "trading.fail_closed.resolve", target: "trading", detail: "was: \(reason)"))
                }
                risk.resume(equity: equity)
                message = "trading resumed by \(by)"
                batch.audit.append(AuditEntry(time: time, actor: by, action: "trading.resume", target: "trading", detail: "resumed by \(by)"))
            case .activate(let name, let market, let by), .deactivate(let name, let market, let by):
                let on: Bool
                if case .activate = command { on = true } else { on = false }
                let matching = slots.filter { $0.name == name && (market == nil || $0.symbol == market) }
                guard !matching.isEmpty else {
                    loop.observer?.commandApplied(command, message: "no strategy \(name)\(market.map { " on \($0)" } ?? "") runs here", at: time)
                    continue
                }
                for slot in matching {
                    slot.active = on
                    if on { slot.archived = false }
                    batch.strategyEvents.append(StrategyEvent(time: time, strategy: name, market: slot.symbol, kind: on ? .activate : .deactivate, actor: by))
                }
                message = "\(name)\(market.map { " on \($0)" } ?? "") \(on ? "activated" : "deactivated") by \(by)"
                batch.audit.append(AuditEntry(time: time, actor: by, action: on ? "strategy.activate" : "strategy.deactivate", target: "strategy:\(name)", detail: message))
            case .setParameters(let name, let market, let changes, let by):
                let matching = slots.filter { $0.name == name && (market == nil || $0.symbol == market) }
                guard !matching.isEmpty else {
                    loop.observer?.commandApplied(command, message: "no strategy \(name)\(market.map { " on \($0)" } ?? "") runs here", at: time)
                    continue
                }
                var rebuilt: [(LoopSlot, any Strategy, [String: Double])] = []
                do {
                    for slot in matching {
                        let merged = slot.parameters.merging(changes) { _, new in new }
                        rebuilt.append((slot, try slot.make(merged), merged))
                    }
                } catch {
                    loop.observer?.commandApplied(command, message: "refused: \(error)", at: time)
                    continue
                }
                // The new instance is warmed over every candle so far, as if it had always had these parameters.
                try await loop.write(&batch, self)
                for (slot, strategy, merged) in rebuilt {
                    strategies[slot.index] = strategy
                    slot.parameters = merged
                    if let last = lastTime {
                        for candle in try await loop.store.candles(market: slot.symbol, through: last) { _ = update(slot: slot.index, with: candle) }
                    }
                    batch.strategyEvents.append(StrategyEvent(time: time, strategy: name, market: slot.symbol, kind: .setParameters, parameters: merged, actor: by))
                }
                let text = changes.sorted { $0.key < $1.key }.map { "\($0.key)=\(IndicatorSpec.shortest($0.value))" }.joined(separator: " ")
                message = "\(name)\(market.map { " on \($0)" } ?? ""): \(text) set by \(by)"
                batch.audit.append(AuditEntry(time: time, actor: by, action: "strategy.set", target: "strategy:\(name)", detail: message))
            case .create(let name, let market, let parameters, let active, let by):
                do {
                    message = try await create(name, on: market, parameters: parameters, active: active, by: by, at: time, loop: loop, batch: &batch)
                } catch {
                    loop.observer?.commandApplied(command, message: "refused: \(error)", at: time)
                    continue
                }
            case .archive(let name, let market, let by):
                let matching = slots.filter { $0.name == name && (market == nil || $0.symbol == market) && !$0.archived }
                guard !matching.isEmpty else {
                    loop.observer?.commandApplied(command, message: "no strategy \(name)\(market.map { " on \($0)" } ?? "") runs here unarchived", at: time)
                    continue
                }
                for slot in matching {
                    slot.active = false
                    slot.archived = true
                    batch.strategyEvents.append(StrategyEvent(time: time, strategy: name, market: slot.symbol, kind: .archive, actor: by))
                }
                message = "\(name)\(market.map { " on \($0)" } ?? "") archived by \(by)" + (matching.contains { $0.held > 0 } ? " (its open position still exits)" : "")
                batch.audit.append(AuditEntry(time: time, actor: by, action: "strategy.archive", target: "strategy:\(name)", detail: message))
            }
            loop.observer?.commandApplied(command, message: message, at: time)
        }
        loop.observer?.slotsChanged(views)
    }

    /// A new slot, warmed over the market's stored candles as if it had always run, then journaled
    /// with who made it; a restart rebuilds it from the checkpoint.
    private mutating func create(
        _ name: String, on market: String, parameters: [String: Double], active: Bool, by: String, at time: Int64, loop: LoopContext, batch: inout JournalBatch
    ) async throws -> String {
        guard let index = markets.firstIndex(of: market) else {
            throw WardenError(.usage, "the market data carries \(markets.joined(separator: ", ")), not \(market)")
        }
        guard !slots.contains(where: { $0.name == name && $0.symbol == market }) else {
            throw WardenError(.usage, "\(name) already runs on \(market) (activate it, or set its parameters)")
        }
        let resolved = try StrategyRegistry.resolve(name, overrides: parameters)
        // The batch's candles go to the store first, so the warm-up reads every candle so far.
        try await loop.write(&batch, self)
        let slot = LoopSlot(
            index: slots.count, name: name, market: index, symbol: market, parameters: resolved, active: active,
            make: { try StrategyRegistry.make(name, overrides: $0) })
        slot.createdBy = by
        try add(slot)
        if let last = lastTime {
            for candle in try await loop.store.candles(market: market, through: last) { _ = update(slot: slot.index, with: candle) }
        }
        batch.strategyEvents.append(StrategyEvent(time: time, strategy: name, market: market, kind: .create, parameters: resolved, actor: by))
        let text = resolved.sorted { $0.key < $1.key }.map { "\($0.key)=\(IndicatorSpec.shortest($0.value))" }.joined(separator: " ")
        let message = "\(name) on \(market) created by \(by)\(active ? "" : ", inactive"): \(text)"
        batch.audit.append(AuditEntry(time: time, actor: by, action: "strategy.create", target: "strategy:\(name)", detail: message))
        return message
    }
}
