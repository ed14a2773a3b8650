import Foundation

/// An operator's order (the seed's manual trade), asked through the engine's socket. The loop
/// places it from its market's `manual` slot, so its position is journaled, reconciled and marked
/// to market like a strategy's; a manual sell sells only what manual buys bought (a strategy's
/// position is its strategy's to close).
public struct ManualRequest: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// A market order, or a limit order (good till cancelled) when `price` is given.
        case place(market: String, side: Side, quantity: Double, price: Double?)
        case cancel(clientOrderID: String)
    }

    public var action: Action
    public var by: String

    public init(_ action: Action, by: String) {
        self.action = action
        self.by = by
    }
}

/// What the loop did with a manual request: the order's id and what the venue answered
/// (`accepted`, `filled`, `rejected`, `cancelled`, or `unknown`: sent, no answer yet, asked about
/// until its fate is known); `ok` false when it was refused before reaching the venue.
public struct ManualAnswer: Sendable, Hashable, Codable {
    public var ok: Bool
    public var clientOrderID: String?
    public var state: String
    public var message: String

    public init(ok: Bool, clientOrderID: String?, state: String, message: String) {
        self.ok = ok
        self.clientOrderID = clientOrderID
        self.state = state
        self.message = message
    }

    static func refused(_ message: String, id: String? = nil) -> ManualAnswer { ManualAnswer(ok: false, clientOrderID: id, state: "refused", message: message) }
}

/// The `manual` slot's strategy: it never decides anything.
struct ManualHold: Strategy {
    static let name = "manual"
    static let parameters: [ParameterSpec] = []
    init(parameters: [String: Double]) {}
    mutating func update(_ candle: Candle) -> Decision { .none }
    static let make: @Sendable ([String: Double]) throws -> any Strategy = { ManualHold(parameters: $0) }
}

extension LoopState {
    /// Manual requests, one after the other; each order journaled before it is sent.
    mutating func manual(_ request: ManualRequest, loop: LoopContext, batch: inout JournalBatch) async throws -> ManualAnswer {
        // Nothing is journaled before the first bar (the checkpoint needs one): no order either.
        guard let time = lastTime else { return .refused("the engine is not trading yet (no bar read); ask again") }
        switch request.action {
        case .place(let market, let side, let quantity, let price):
            guard let index = markets.firstIndex(of: market) else {
                return .refused("\(market) is not traded here (markets: \(markets.joined(separator: ", ")))")
            }
            let (slot, created) = try manualSlot(index)
            if created { loop.observer?.slotsChanged(views) }
            if let open = slot.pendingOrder { return .refused("the manual order \(open) on \(market) is still open: cancel it or let it finish first", id: open) }
            if side == .buy, let reason = failedClosed ?? risk.blockReason {
                return .refused("no new entries while trading is stopped (\(reason)); sells and cancels still go")
            }
            if side == .sell, Decimal(quantity) > slot.quantity {
                return .refused("a manual sell sells what manual buys bought: \(slot.quantity) \(instruments[index].base) on \(market); a strategy's position is its strategy's to close")
            }
            // Wall-clock milliseconds, never the same twice: no two manual orders share an id.
            manualStamp = max(Int64(Date().timeIntervalSince1970 * 1000), manualStamp + 1)
            let id = Self.orderID(slot, manualStamp, side.rawValue)
            let instrument = instruments[index]
            let order: Order
            do {
                if let price {
                    order = try Order.limit(side, instrument, quantity: quantity, price: price, id: id, strategy: slot.name, at: time)
                } else {
                    order = try Order.market(side, instrument, quantity: quantity, id: id, strategy: slot.name, at: time)
                }
                try VenueRules.check(order, instrument)
            } catch {
                return .refused("\(error)")
            }
            slot.pendingOrder = id
            slot.pendingSide = side
            slot.pendingBudget = side == .buy ? quantity * (price ?? lastClose[index]) : 0
            let what = "\(side.rawValue) \(order.quantity!) \(market) " + (order.price.map { "limit \($0)" } ?? "at market")
            batch.orders.append(order)
            batch.audit.append(AuditEntry(time: time, actor: request.by, action: "order.place", target: "order:\(id)", detail: what))
            try await loop.write(&batch, self)  // journaled before the venue sees it
            let reports = try await submitted([order], loop: loop, batch: &batch)
            loop.observer?.ordersSent([order], reports: reports)
            try await loop.write(&batch, self)
            let state = reports.first?.status ?? lifecycles[id]?.status ?? .unknown
            let reason = reports.first?.reason.map { ": \($0)" } ?? ""
            return ManualAnswer(ok: state != .rejected, clientOrderID: id, state: state.rawValue, message: "\(what), by \(request.by): \(state.rawValue)\(reason)")
        case .cancel(let id):
            guard let slot = slot(placing: id), lifecycles[id] != nil else {
                return .refused("no open order \(id) (warden order list shows the open ones)", id: id)
            }
            let outcome: Result<ExecutionReport, any Error>
            do { outcome = .success(try await loop.venue.cancel(clientOrderID: id, market: slot.symbol)) } catch { outcome = .failure(error) }
            switch outcome {
            case .success(let report):
                batch.audit.append(AuditEntry(time: time, actor: request.by, action: "order.cancel", target: "order:\(id)", detail: "cancelled on \(slot.symbol): \(report.status.rawValue)"))
                try settle(reports: [report], fills: [], loop: loop, batch: &batch)
                try await loop.write(&batch, self)
                return ManualAnswer(ok: true, clientOrderID: id, state: report.status.rawValue, message: "\(id) \(report.status.rawValue), by \(request.by)")
            case .failure(let error):
                // Filled meanwhile, or the venue did not answer: the order stays watched as before.
                return ManualAnswer(ok: false, clientOrderID: id, state: lifecycles[id]?.status.rawValue ?? "unknown", message: "the venue did not cancel \(id): \(error)")
            }
        }
    }

    /// The market's `manual` slot, made on first use (inactive: no strategy runs in it); whether it was made now.
    mutating func manualSlot(_ market: Int) throws -> (LoopSlot, created: Bool) {
        if let slot = slots.first(where: { $0.name == ManualHold.name && $0.market == market }) { return (slot, false) }
        let slot = LoopSlot(index: slots.count, name: ManualHold.name, market: market, symbol: markets[market], parameters: [:], active: false, make: ManualHold.make)
        try add(slot)
        return (slot, true)
    }
}
