/// The loop's open orders by client id, each held as its order state machine. Counts the ones
/// whose outcome is unknown as they change, so the check before every bar costs nothing.
struct OpenOrders {
    private var byID: [String: OrderLifecycle] = [:]
    private(set) var unknownCount = 0
    /// Orders that finished lately: a late or duplicated report about one is refused, not taken
    /// for a new order (it would double a position).
    private var finished: Set<String> = []
    private var finishedOrder: [String] = []
    static let rememberedFinished = 1000

    var isEmpty: Bool { byID.isEmpty }

    subscript(id: String) -> OrderLifecycle? {
        get { byID[id] }
        set {
            if byID[id]?.status == .unknown { unknownCount -= 1 }
            if newValue?.status == .unknown { unknownCount += 1 }
            byID[id] = newValue
        }
    }

    /// Applies `event` to the order, or to one the venue reports that this loop saw accepted; an
    /// order the event finishes is no longer open. Returns its new status.
    @discardableResult
    mutating func apply(_ event: OrderEvent, to id: String) throws -> OrderStatus {
        guard byID[id] != nil || !finished.contains(id) else {
            throw OrderLifecycle.IllegalTransition(from: .filled, event: "take \(OrderLifecycle.verb(event)) for \(id), which already finished")
        }
        var lifecycle = byID.removeValue(forKey: id) ?? OrderLifecycle(quantity: nil, status: .accepted)
        let before = lifecycle
        do {
            try lifecycle.apply(event)
        } catch {
            byID[id] = before
            throw error
        }
        if before.status == .unknown { unknownCount -= 1 }
        guard !lifecycle.status.isTerminal else {
            remember(id)
            return lifecycle.status
        }
        if lifecycle.status == .unknown { unknownCount += 1 }
        byID[id] = lifecycle
        return lifecycle.status
    }

    private mutating func remember(_ id: String) {
        guard finished.insert(id).inserted else { return }
        finishedOrder.append(id)
        if finishedOrder.count > Self.rememberedFinished * 2 {
            for old in finishedOrder.prefix(Self.rememberedFinished) { finished.remove(old) }
            finishedOrder.removeFirst(Self.rememberedFinished)
        }
    }

    /// The orders waiting for an answer, by client id.
    var unknown: [(id: String, lifecycle: OrderLifecycle)] {
        guard unknownCount > 0 else { return [] }
        return byID.filter { $0.value.status == .unknown }.map { ($0.key, $0.value) }.sorted { $0.id < $1.id }
    }
}
