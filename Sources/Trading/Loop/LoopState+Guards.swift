import Foundation
import WardenCore

/// Stops that survive Warden being down. On a venue that holds positions (BingX swap) each slot
/// holding with a stop-loss keeps a reduce-only stop-market sell for its whole position resting at
/// the venue, at the slot's stop: if the engine dies, hangs or loses its connection, the venue
/// still closes the position there. The close-based stop of the backtester still runs as well;
/// whichever comes first exits, and reduce-only means the other can never open a short.
extension LoopState {
    /// The guard's client id: the slot, its open trade (the entry's fill time) and the guard's
    /// serial number, so every guard is a new id (BingX never takes one twice) and a restart
    /// computes the same one from the checkpoint.
    static func guardID(_ slot: LoopSlot, serial: Int) -> String {
        slot.orderPrefix + String(slot.openedAt ?? 0) + "-sl" + String(serial)
    }

    /// The quantity a slot's guard should cover now (its position cut to the step); nil for none
    /// (flat, or no stop-loss).
    func guardedQuantity(_ slot: LoopSlot) -> Decimal? {
        let step = instruments[slot.market].stepSize
        guard slot.held > 0, slot.stop != nil else { return nil }
        let quantity = Instrument.rounded(slot.quantity, to: step, .down)
        return quantity > 0 ? quantity : nil
    }

    /// Cancels guards no longer right (the position closed or changed), then places the missing
    /// ones: journaled durably before they are sent, like every order. A cancel that fails is
    /// tried again at the next bar; a guard the venue refused is asked for again only once its
    /// quantity or stop changes (the close-based stop runs meanwhile).
    mutating func guardPositions(loop: LoopContext, batch: inout JournalBatch, at time: Int64) async throws {
        var orders: [Order] = []
        for slot in slots {
            let wanted = guardedQuantity(slot)
            if let current = slot.guardOrder, slot.guardQuantity != wanted {
                do {
                    let report = try await loop.venue.cancel(clientOrderID: current, market: slot.symbol)
                    // Cancelled before any fill: done. Part filled: its fills and its end arrive
                    // together with the venue's events (settled here, its fills would come late).
                    guard report.status == .cancelled, report.filledQuantity == 0 else { continue }
                    try settle(reports: [report], fills: [], loop: loop, batch: &batch)
                } catch let error as VenueError where error.code == .orderNotFound {
                    lifecycles[current] = nil
                    slot.retireGuard(current)
                    batch.orderUpdates.append(OrderUpdate(clientOrderID: current, status: .cancelled, exchangeOrderID: nil, reason: "not at the venue", time: time))
                } catch {
                    continue  // filled meanwhile, or no answer: its fate arrives with the venue's events
                }
            }
            guard let wanted, slot.guardOrder == nil, !slot.isPending, let stop = slot.stop else { continue }
            if let refused = slot.guardRefused, refused.quantity == wanted, refused.stop == stop { continue }
            let instrument = instruments[slot.market]
            slot.guardSerial += 1
            let order = Order(
                clientOrderID: Self.guardID(slot, serial: slot.guardSerial), market: instrument.symbol, side: .sell, type: .stopMarket, quantity: wanted,
                quoteQuantity: nil, price: nil, stopPrice: instrument.price(stop), timeInForce: .gtc, reduceOnly: true, strategy: slot.name, decidedAt: time)
            guard order.stopPrice! > 0 else { continue }
            slot.guardOrder = order.clientOrderID
            slot.guardQuantity = wanted
            orders.append(order)
        }
        guard !orders.isEmpty else { return }
        batch.orders += orders
        try await loop.write(&batch, self)
        let reports = try await submitted(orders, loop: loop, batch: &batch)
        for report in reports where report.status == .rejected {
            guard let slot = slot(guarding: report.clientOrderID), let quantity = slot.guardQuantity, let stop = slot.stop else { continue }
            slot.retireGuard(report.clientOrderID)
            slot.guardRefused = (quantity, stop)
            batch.audit.append(AuditEntry(
                time: time, actor: "engine", action: "order.guard.refused", target: "order:\(report.clientOrderID)",
                detail: "the venue refused the stop at \(IndicatorSpec.shortest(stop)) for \(slot.name) on \(slot.symbol): \(report.reason ?? "no reason"); the close-based stop still runs"))
        }
        loop.observer?.ordersSent(orders, reports: reports)
    }

    /// Before a guarded slot sells, its guard is cancelled: the account's position is one for all
    /// slots, so a stop that fills as the exit also fills would sell another slot's share. The
    /// sell goes only once BingX says the guard is cancelled; otherwise (it is filling, or no
    /// answer) the sell is not sent, the slot decides again at the next bar, and a fill of the
    /// guard arrives with the venue's events.
    mutating func releaseGuards(for orders: [Order], loop: LoopContext, batch: inout JournalBatch) async -> [Order] {
        var kept: [Order] = []
        for order in orders {
            guard order.side == .sell, let slot = slot(placing: order.clientOrderID), let current = slot.guardOrder else {
                kept.append(order)
                continue
            }
            var released = false
            do {
                let report = try await loop.venue.cancel(clientOrderID: current, market: slot.symbol)
                // Released only when nothing of it filled; a part fill arrives with the venue's events.
                released = report.status == .cancelled && report.filledQuantity == 0
                if released { try settle(reports: [report], fills: [], loop: loop, batch: &batch) }
            } catch let error as VenueError where error.code == .orderNotFound {
                lifecycles[current] = nil
                slot.retireGuard(current)
                released = true
            } catch {
                // Filling, or no answer: not released.
            }
            if released { kept.append(order) } else { slot.clearPending() }
        }
        return kept
    }
}
