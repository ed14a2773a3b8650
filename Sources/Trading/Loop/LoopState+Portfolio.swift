import Foundation
import WardenCore

extension LoopState {
    /// The share of equity a slot's entry may spend: 1/n of the strategy slots (computed as it
    /// always was), or the allocator's target.
    func entryShare(_ slot: LoopSlot) -> Double {
        guard let allocator else { return equity / Double(max(1, strategySlotCount)) }
        return equity * allocator.target(slot.index)
    }

    /// A slot's target weight (what the metrics and the rebalancer compare its weight with).
    func targetWeight(_ slot: LoopSlot) -> Double {
        guard Allocator.eligible(slot) else { return 0 }
        return allocator?.target(slot.index) ?? 1 / Double(max(1, strategySlotCount))
    }

    /// The allocator's targets for this bar: estimated again at a new period (from the closes up
    /// to this bar) or when the slots changed.
    mutating func refreshAllocation(time: Int64) {
        guard allocator != nil else { return }
        _ = allocator!.refresh(time: time, slots: slots, history: history)
    }

    /// Historical VaR of the positions held at the last close, as a share of equity, over the
    /// portfolio's horizon; nil without the limit, without positions or with too short a window.
    func measureValueAtRisk(adding extra: Double = 0, in market: Int? = nil) -> Double? {
        guard risk.limits.maxValueAtRisk != nil, equity > 0 else { return nil }
        var exposure = [Double](repeating: 0, count: markets.count)
        for index in held.indices where held[index] > 0 { exposure[slotMarkets[index]] += held[index] * lastClose[slotMarkets[index]] }
        for slot in slots where slot.pendingSide == .buy { exposure[slot.market] += slot.pendingBudget }
        if let market { exposure[market] += extra }
        let chosen = exposure.indices.filter { exposure[$0] > 0 }
        guard !chosen.isEmpty else { return nil }
        let returns = history.portfolioReturns(chosen, weights: chosen.map { exposure[$0] / equity }, count: varWindow + varHorizon - 1)
        guard returns.count >= 30 + varHorizon - 1 else { return nil }
        return ValueAtRisk.historical(ValueAtRisk.compounded(returns, horizon: varHorizon), alpha: 1 - risk.limits.varConfidence)?.0
    }

    /// An entry's budget cut so the positions' VaR stays under 90 % of the limit (the margin keeps
    /// the next bars' moves from tipping it straight into REDUCING and a trim); 0 when the positions
    /// already use it. Bisection on the share of the budget (ten halvings: within 0.1 % of it); the VaR grows with it.
    func fitToValueAtRisk(_ budget: Double, market: Int) -> Double {
        guard let limit = risk.limits.maxValueAtRisk.map({ $0 * 0.9 }), budget > 0 else { return budget }
        guard let full = measureValueAtRisk(adding: budget, in: market), full > limit else { return budget }
        if let now = measureValueAtRisk(), now >= limit { return 0 }
        var low = 0.0, high = 1.0
        for _ in 0..<10 {
            let middle = (low + high) / 2
            if (measureValueAtRisk(adding: budget * middle, in: market) ?? 0) > limit { high = middle } else { low = middle }
        }
        return budget * low
    }

    /// Orders bringing held slots back to their targets: when a slot's weight is further than the
    /// drift band from its target (at least twice the fee rate, so a round trip's fees never exceed
    /// what it corrects), or at a scheduled boundary. Only while ACTIVE and trading; never below the
    /// minimum order or the exchange's minimums; never the whole position (that is an exit's job).
    /// Ids are deterministic (`…-rebalance`), so a bar decided again after a crash journals the same order.
    mutating func rebalanceOrders(time: Int64, feeRate: Double, settings: RebalanceSettings) -> [Order] {
        guard risk.mode == .active, paused == nil, failedClosed == nil, equity > 0 else { return [] }
        let scheduled = settings.every.map { every -> Bool in
            let length = every.components.seconds * 1000
            return lastTime.map { $0 / length != time / length } ?? false
        } ?? false
        let band = max(settings.drift, 2 * feeRate)
        var orders: [Order] = []
        var committed = slots.reduce(0.0) { $0 + $1.pendingBudget }
        for slot in slots where Allocator.eligible(slot) && slot.active && slot.held > 0 && !slot.isPending {
            let close = lastClose[slot.market]
            let drift = slot.held * close / equity - targetWeight(slot)
            guard abs(drift) > band || (scheduled && drift != 0) else { continue }
            let instrument = instruments[slot.market]
            let smallest = max(settings.minOrder, instrument.minimumNotional)
            let notional = abs(drift) * equity
            guard notional >= smallest else { continue }
            let id = Self.orderID(slot, time, "rebalance")
            if drift > 0 {
                let quantity = instrument.quantity(notional / close)
                guard quantity > 0, quantity >= instrument.minQuantity, quantity < slot.quantity, quantity.double * close >= smallest else { continue }
                let order = Order(
                    clientOrderID: id, market: instrument.symbol, side: .sell, type: .market, quantity: quantity, quoteQuantity: nil, price: nil,
                    stopPrice: nil, timeInForce: .ioc, reduceOnly: false, strategy: slot.name, decidedAt: time)
                slot.pendingOrder = id
                slot.pendingSide = .sell
                orders.append(order)
            } else {
                let others = slots.reduce(0.0) { $1 === slot ? $0 : $0 + $1.held * $1.entryPrice + $1.pendingBudget / (1 + feeRate) }
                var budget = risk.entryBudget(
                    cash: min(cash - committed, notional) * (1 - 1e-9), feeRate: feeRate, otherExposure: others + slot.held * slot.entryPrice)
                // The position cap holds for the position after the purchase.
                if let cap = risk.limits.maxPositionNotional { budget = min(budget, max(0, cap - slot.held * slot.entryPrice) * (1 + feeRate)) }
                guard budget >= smallest, let order = try? marketBuy(instrument, spending: budget, close: close, id: id, strategy: slot.name, at: time) else { continue }
                slot.pendingOrder = id
                slot.pendingSide = .buy
                slot.pendingBudget = budget
                committed += budget
                orders.append(order)
            }
        }
        return orders
    }

    /// Each strategy slot's weight now and its target, for the metrics.
    var weights: [SlotWeight] {
        slots.filter(Allocator.eligible).map { slot in
            SlotWeight(strategy: slot.name, market: slot.symbol, weight: equity > 0 ? slot.held * lastClose[slot.market] / equity : 0, target: targetWeight(slot))
        }
    }
}

/// A strategy slot's share of equity at the close and the share it is allocated.
public struct SlotWeight: Sendable, Hashable, Codable {
    public var strategy: String
    public var market: String
    public var weight: Double
    public var target: Double
}
