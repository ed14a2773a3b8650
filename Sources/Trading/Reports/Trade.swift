/// A round trip of one strategy slot: entry fills, then the exit fills that close it.
public struct Trade: Sendable, Hashable, Encodable {
    /// Open time of the bar whose open filled the entry (Unix ms).
    public var entryTime: Int64
    public var entryPrice: Double
    public var exitTime: Int64?
    public var exitPrice: Double?
    public var quantity: Double
    public var fees: Double
    /// Closed: net of both fees. Still open: marked at the last close when known, entry fee only.
    public var pnl: Double
    public var `return`: Double

    public init(
        entryTime: Int64, entryPrice: Double, exitTime: Int64? = nil, exitPrice: Double? = nil, quantity: Double, fees: Double, pnl: Double,
        return: Double
    ) {
        self.entryTime = entryTime
        self.entryPrice = entryPrice
        self.exitTime = exitTime
        self.exitPrice = exitPrice
        self.quantity = quantity
        self.fees = fees
        self.pnl = pnl
        self.return = `return`
    }

    enum CodingKeys: String, CodingKey {
        case quantity, fees, pnl, `return`
        case entryTime = "entry_time", entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entryTime, forKey: .entryTime)
        try c.encode(entryPrice, forKey: .entryPrice)
        try c.encode(exitTime, forKey: .exitTime)  // null while open
        try c.encode(exitPrice, forKey: .exitPrice)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(fees, forKey: .fees)
        try c.encode(pnl, forKey: .pnl)
        try c.encode(`return`, forKey: .return)
    }
}

/// Trades per (strategy, market) slot, built from fills: the same pairing for a backtest's
/// memory journal and the engine's database, so the two compare field by field.
public struct SlotTrades: Sendable, Encodable {
    public var strategy: String
    public var market: String
    public var trades: [Trade]

    public init(strategy: String, market: String, trades: [Trade]) {
        (self.strategy, self.market, self.trades) = (strategy, market, trades)
    }

    public static func pair(_ fills: [RecordedFill]) -> [SlotTrades] {
        var slots: [SlotTrades] = []
        // Per slot: the open trade's cost and what of it is sold; slots mutated in place (no copies).
        var costs: [Double] = [], sold: [Double] = []
        var index: [String: Int] = [:]
        for recorded in fills {
            let key = "\(recorded.strategy)\u{1}\(recorded.fill.market)"
            let at: Int
            if let known = index[key] {
                at = known
            } else {
                at = slots.count
                index[key] = at
                slots.append(SlotTrades(strategy: recorded.strategy, market: recorded.fill.market, trades: []))
                costs.append(0)
                sold.append(0)
            }
            let fill = recorded.fill
            let q = fill.quantity.double, price = fill.price.double, fee = fill.fee.double
            let last = slots[at].trades.indices.last
            if fill.side == .buy {
                if let last, slots[at].trades[last].exitTime == nil {
                    // Another fill of the same entry: one trade at the average price.
                    let trade = slots[at].trades[last]
                    slots[at].trades[last].entryPrice = (trade.entryPrice * trade.quantity + price * q) / (trade.quantity + q)
                    slots[at].trades[last].quantity += q
                    slots[at].trades[last].fees += fee
                    costs[at] += q * price + fee
                } else {
                    slots[at].trades.append(Trade(entryTime: fill.time, entryPrice: price, quantity: q, fees: fee, pnl: 0, return: 0))
                    costs[at] = q * price + fee
                    sold[at] = 0
                }
            } else if let last, slots[at].trades[last].exitTime == nil {
                let trade = slots[at].trades[last]
                let exitPrice = sold[at] == 0 ? price : ((trade.exitPrice ?? price) * sold[at] + price * q) / (sold[at] + q)
                sold[at] += q
                slots[at].trades[last].fees += fee
                slots[at].trades[last].pnl += q * price - fee
                slots[at].trades[last].exitPrice = exitPrice
                if sold[at] >= trade.quantity * (1 - 1e-12) {
                    slots[at].trades[last].exitTime = fill.time
                    slots[at].trades[last].pnl -= costs[at]
                    slots[at].trades[last].return = slots[at].trades[last].pnl / costs[at]
                }
            }
        }
        return slots
    }
}
