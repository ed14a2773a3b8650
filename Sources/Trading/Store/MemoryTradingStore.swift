import Foundation
import Synchronization

/// The journal of a backtest: the same writes as the engine's database, kept in memory.
public final class MemoryTradingStore: TradingStore {
    public let location = "memory"
    private let state: Mutex<Contents>

    struct Contents {
        var orders: [String: JournaledOrder] = [:]
        var fills: [RecordedFill] = []
        var candles: [String: [Candle]] = [:]
        var equity: [EquityPoint] = []
        var events: [StrategyEvent] = []
        var audit: [AuditEntry] = []
        var checkpoint: LoopCheckpoint?
    }

    /// Keeps candles only when a restart may need them (the engine's tests); a backtest does not.
    public let keepsCandles: Bool
    /// Keeps orders only when something reads them back (a restart's reconciliation, tests).
    let keepsOrders: Bool

    /// A backtest's journal keeps what its report needs (fills, equity); a restartable one keeps everything.
    public init(keepsCandles: Bool = false, keepsOrders: Bool = true) {
        self.keepsCandles = keepsCandles
        self.keepsOrders = keepsOrders
        state = Mutex(Contents())
    }

    public func write(_ batch: JournalBatch) {
        let keepsOrders = keepsOrders, keepsCandles = keepsCandles
        state.withLock { s in
            // Each order stored once with its last state in the batch, as the database stores do.
            let updates = keepsOrders ? batch.finalUpdates : [:]
            for order in batch.orders where keepsOrders && s.orders[order.clientOrderID] == nil {
                let final = updates[order.clientOrderID]
                s.orders[order.clientOrderID] = JournaledOrder(order: order, status: final?.status ?? .new, exchangeOrderID: final?.exchangeOrderID)
            }
            let inserted = keepsOrders ? Set(batch.orders.map(\.clientOrderID)) : []
            for update in updates.values where !inserted.contains(update.clientOrderID) {
                s.orders[update.clientOrderID]?.status = update.status
                if let id = update.exchangeOrderID { s.orders[update.clientOrderID]?.exchangeOrderID = id }
            }
            s.fills += batch.fills
            if keepsCandles { for (market, candle) in batch.candles { s.candles[market, default: []].append(candle) } }
            s.equity += batch.equity
            s.events += batch.strategyEvents
            s.audit += batch.audit
            if let checkpoint = batch.checkpoint { s.checkpoint = checkpoint }
        }
    }

    public func checkpoint() -> LoopCheckpoint? { state.withLock { $0.checkpoint } }
    public func candles(market: String, through time: Int64) -> [Candle] { state.withLock { $0.candles[market, default: []].filter { $0.openTime <= time } } }
    public func openOrders() -> [JournaledOrder] { state.withLock { $0.orders.values.filter { $0.status.isOpen || $0.status == OrderStatus.new }.sorted { $0.order.clientOrderID < $1.order.clientOrderID } } }
    public func fills() -> [RecordedFill] { state.withLock { $0.fills } }
    public func equity(_ query: EquityQuery) -> [EquityPoint] { query.thin(state.withLock { $0.equity }) }
    public func positions() -> [Position] {
        state.withLock { s in
            (s.checkpoint?.slots ?? []).filter { $0.quantity > 0 }.map {
                Position(strategy: $0.name, market: $0.market, quantity: $0.quantity, entryPrice: Decimal(exactly: $0.entryPrice), openedAt: $0.openedAt ?? 0)
            }
        }
    }
    public func strategyEvents() -> [StrategyEvent] { state.withLock { $0.events } }
    public func audit(target: String) -> [AuditEntry] { state.withLock { $0.audit.filter { $0.target == target || $0.target.hasPrefix(target + ":") } } }
    public var equity: [EquityPoint] { state.withLock { $0.equity } }
    public var orderCount: Int { state.withLock { $0.orders.count } }
}
