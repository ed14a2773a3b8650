import Foundation
import WardenCore

/// One strategy on one market inside the loop: its parameters, long position and pending order.
/// Its strategy instance and latest decision live in `LoopState`'s per-slot arrays at `index`, so
/// the per-bar path touches plain arrays, not a class.
final class LoopSlot {
    let index: Int
    let name: String
    let market: Int
    let symbol: String
    /// What its client order ids start with: the name and the symbol without its dash (`cci-BTCUSDT-`).
    let orderPrefix: String
    let make: @Sendable ([String: Double]) throws -> any Strategy
    var parameters: [String: Double]
    /// The configuration's parameters, as last applied.
    var configured: [String: Double]
    var active: Bool
    /// Created by an operator at run time (kept across restarts by the journal, not the configuration).
    var createdBy: String?
    /// Set aside: inactive and out of the equity shares until activated again.
    var archived = false
    var quantity: Decimal = 0
    /// `quantity` as a Double, for marking to market every bar.
    var held = 0.0
    var entryPrice = 0.0
    var entryCost = 0.0
    var openedAt: Int64?
    var stop: Double?
    var target: Double?
    var pendingOrder: String? {
        didSet { isPending = pendingOrder != nil }
    }
    /// `pendingOrder != nil`, kept as a flag: the per-bar path reads it without copying a string.
    private(set) var isPending = false
    var pendingSide: Side?
    var pendingBudget = 0.0
    var atrAtDecision: Double?
    /// The market's base asset (`BTC`): a buy's fee charged in it is not received.
    var baseAsset = ""
    /// The market's quantity step: what is left below it after a sell is dust, not a position.
    var step: Decimal = 0
    /// What the open trade's sales brought in so far (a rebalance sells part of a position).
    var proceeds = 0.0
    /// Returns of the last closed trades (net of fees), newest last: the Kelly allocation's statistics.
    var tradeReturns: [Double] = []
    static let tradesKept = 500
    /// The reduce-only stop-market sell resting at the venue for the open position (a venue that
    /// holds positions): it closes the position at `stop` even while Warden is down.
    var guardOrder: String?
    /// The quantity the guard covers, and how many guards this slot has placed (each a new id).
    var guardQuantity: Decimal?
    var guardSerial = 0
    /// What the venue last refused to guard (quantity and stop): not asked again until either changes.
    var guardRefused: (quantity: Decimal, stop: Double)?

    init(index: Int, name: String, market: Int, symbol: String, parameters: [String: Double], active: Bool,
         make: @escaping @Sendable ([String: Double]) throws -> any Strategy) {
        self.index = index
        self.name = name
        self.market = market
        self.symbol = symbol
        orderPrefix = "\(name)-\(String(symbol.filter { $0 != "-" }))-"
        self.parameters = parameters
        configured = parameters
        self.active = active
        self.make = make
    }

    /// Applies a fill of this slot's order to its position; returns the change in cash.
    func apply(_ fill: Fill, limits: RiskLimits) -> Double {
        let q = fill.quantity.double, price = fill.price.double, fee = fill.fee.double
        // BingX spot charges a buy's fee in what it buys: the position is what arrived.
        let feeInBase = fill.side == .buy && !baseAsset.isEmpty && fill.feeAsset == baseAsset
        if fill.side == .buy {
            let received = feeInBase ? fill.quantity - fill.fee : fill.quantity
            let cost = q * price + (feeInBase ? 0 : fee)
            if held == 0 {
                entryPrice = price
                entryCost = cost
                openedAt = fill.time
            } else {
                entryPrice = (entryPrice * held + price * received.double) / (held + received.double)
                entryCost += cost
            }
            quantity += received
            held = quantity.double
            stop = both(limits.stopLossATR, atrAtDecision).map { entryPrice - $0.0 * $0.1 }
            target = both(limits.takeProfitATR, atrAtDecision).map { entryPrice + $0.0 * $0.1 }
            return -cost
        }
        quantity -= fill.quantity
        proceeds += q * price - fee
        // Below the step nothing can be sold: the position is closed, the dust stays on the account.
        if quantity <= 0 || quantity < step {
            if entryCost > 0 { tradeReturns.append(proceeds / entryCost - 1) }
            if tradeReturns.count > Self.tradesKept { tradeReturns.removeFirst(tradeReturns.count - Self.tradesKept) }
            proceeds = 0
            quantity = 0
            held = 0
            entryPrice = 0
            entryCost = 0
            openedAt = nil
            stop = nil
            target = nil
        } else {
            held = quantity.double
        }
        return q * price - fee
    }

    var checkpoint: LoopCheckpoint.Slot {
        LoopCheckpoint.Slot(
            name: name, market: symbol, active: active, parameters: parameters, configured: configured, quantity: quantity, entryPrice: entryPrice, entryCost: entryCost,
            openedAt: openedAt, stop: stop, target: target, pendingOrder: pendingOrder, pendingSide: pendingSide, atrAtDecision: atrAtDecision,
            createdBy: createdBy, archived: archived ? true : nil, tradeReturns: tradeReturns.isEmpty ? nil : tradeReturns,
            proceeds: proceeds == 0 ? nil : proceeds, guardOrder: guardOrder, guardQuantity: guardQuantity, guardSerial: guardSerial == 0 ? nil : guardSerial)
    }

    func restore(_ saved: LoopCheckpoint.Slot) {
        active = saved.active
        createdBy = saved.createdBy
        archived = saved.archived ?? false
        quantity = saved.quantity
        held = saved.quantity.double
        entryPrice = saved.entryPrice
        entryCost = saved.entryCost
        openedAt = saved.openedAt
        stop = saved.stop
        target = saved.target
        pendingOrder = saved.pendingOrder
        pendingSide = saved.pendingSide
        atrAtDecision = saved.atrAtDecision
        tradeReturns = saved.tradeReturns ?? []
        proceeds = saved.proceeds ?? 0
        guardOrder = saved.guardOrder
        guardQuantity = saved.guardQuantity
        guardSerial = saved.guardSerial ?? 0
    }

    /// Guards this slot had lately: a fill of one may still arrive after it was cancelled or
    /// replaced (a partial fill reported late), and is still this slot's sale.
    var formerGuards: [String] = []

    /// The guard `id` is gone (cancelled, filled, refused, never arrived); a later one is kept.
    func retireGuard(_ id: String) {
        guard guardOrder == id else { return }
        formerGuards.append(id)
        if formerGuards.count > 8 { formerGuards.removeFirst() }
        guardOrder = nil
        guardQuantity = nil
    }

    func clearPending() {
        pendingOrder = nil
        pendingSide = nil
        pendingBudget = 0
    }
}

private func both(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
