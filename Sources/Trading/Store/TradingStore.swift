import Foundation

/// The trading journal and its reads: one protocol for the loop's writes and everyone's reads
/// (the engine, `warden trades | positions | strategies`, the API), one implementation per
/// database engine plus an in-memory one for backtests.
public protocol TradingStore: Sendable {
    /// Where it is, for messages.
    var location: String { get }
    /// Whether the loop hands it every candle (for a restart's warm-up); a backtest's journal needs none.
    var keepsCandles: Bool { get }
    /// Writes one batch atomically: after a crash either all of it is there or none.
    func write(_ batch: JournalBatch) async throws
    /// The loop's state at the last batch written; nil on a new journal.
    func checkpoint() async throws -> LoopCheckpoint?
    /// Stored candles of `market` up to `time` inclusive, oldest first (indicator warm-up).
    func candles(market: String, through time: Int64) async throws -> [Candle]
    /// The last `count` stored candles of `market` up to `time` inclusive, oldest first (a chart's window and its warm-up).
    func candles(market: String, through time: Int64, last count: Int) async throws -> [Candle]
    /// Orders in the journal that may still be open on the venue (submitted, accepted, partly filled, unknown).
    func openOrders() async throws -> [JournaledOrder]
    /// Every fill, oldest first.
    func fills() async throws -> [RecordedFill]
    /// One page of the fills a query keeps, oldest first, and how many it keeps in all.
    func fills(_ query: FillQuery) async throws -> (fills: [RecordedFill], total: Int)
    /// The equity curve between two times (inclusive, either open), oldest first: the last point
    /// of each `every`-millisecond bucket (1 keeps every point), so a chart of a year asks for a
    /// few hundred points, not half a million.
    func equity(_ query: EquityQuery) async throws -> [EquityPoint]
    /// The times of the first and last equity points; nil before the first bar.
    func equitySpan() async throws -> (first: Int64, last: Int64)?
    /// A number that changes whenever a fill is journaled (the last fill's id): what a cache of
    /// history pages is checked against.
    func fillsStamp() async throws -> Int64
    /// Open positions per strategy slot.
    func positions() async throws -> [Position]
    /// Strategy activations, deactivations and parameter changes, oldest first.
    func strategyEvents() async throws -> [StrategyEvent]
    /// The audit trail of trading actions (pauses, resumes, halts, strategy changes), oldest first.
    func audit(target: String) async throws -> [AuditEntry]
}

extension TradingStore {
    public var keepsCandles: Bool { true }

    public func fillsStamp() async throws -> Int64 { Int64(try await fills().count) }

    public func candles(market: String, through time: Int64, last count: Int) async throws -> [Candle] {
        Array(try await candles(market: market, through: time).suffix(count))
    }

    public func equitySpan() async throws -> (first: Int64, last: Int64)? {
        let points = try await equity(EquityQuery())
        guard let first = points.first, let last = points.last else { return nil }
        return (first.time, last.time)
    }

    /// Filters every fill in memory: for journals without a query engine (the backtest's).
    public func fills(_ query: FillQuery) async throws -> (fills: [RecordedFill], total: Int) {
        let kept = try await fills().filter(query.keeps)
        let start = min(query.offset, kept.count)
        return (Array(kept[start..<min(start + query.limit, kept.count)]), kept.count)
    }
}

/// Which stretch of the equity curve to read, and how finely.
public struct EquityQuery: Sendable, Hashable {
    public var from: Int64?
    public var to: Int64?
    /// Bucket width in milliseconds; the last point of each bucket is kept.
    public var every: Int64

    public init(from: Int64? = nil, to: Int64? = nil, every: Int64 = 1) {
        self.from = from
        self.to = to
        self.every = max(1, every)
    }

    public func keeps(_ time: Int64) -> Bool { (from.map { time >= $0 } ?? true) && (to.map { time <= $0 } ?? true) }

    /// The last point of each bucket among points already in time order.
    public func thin(_ points: some Sequence<EquityPoint>) -> [EquityPoint] {
        var kept: [EquityPoint] = []
        for point in points where keeps(point.time) {
            if let last = kept.last, last.time / every == point.time / every { kept[kept.count - 1] = point } else { kept.append(point) }
        }
        return kept
    }
}

/// Which fills a history page shows: each filter optional (times are epoch ms, inclusive), then
/// `offset` and `limit` in journal order.
public struct FillQuery: Sendable, Hashable {
    public var market: String?
    public var strategy: String?
    public var from: Int64?
    public var to: Int64?
    public var offset: Int
    public var limit: Int

    public init(market: String? = nil, strategy: String? = nil, from: Int64? = nil, to: Int64? = nil, offset: Int = 0, limit: Int = 100) {
        self.market = market
        self.strategy = strategy
        self.from = from
        self.to = to
        self.offset = offset
        self.limit = limit
    }

    public func keeps(_ recorded: RecordedFill) -> Bool { keeps(strategy: recorded.strategy, market: recorded.fill.market, time: recorded.fill.time) }

    /// The same filters for anything with a strategy, a market and a time (a trade by its entry).
    public func keeps(strategy: String, market: String, time: Int64) -> Bool {
        (self.market.map { $0 == market } ?? true) && (self.strategy.map { $0 == strategy } ?? true)
            && (from.map { time >= $0 } ?? true) && (to.map { time <= $0 } ?? true)
    }
}

/// What one write holds.
public struct JournalBatch: Sendable {
    /// New orders, journaled before the venue sees them.
    public var orders: [Order] = []
    public var orderUpdates: [OrderUpdate] = []
    public var fills: [RecordedFill] = []
    public var candles: [(market: String, candle: Candle)] = []
    public var equity: [EquityPoint] = []
    public var strategyEvents: [StrategyEvent] = []
    public var audit: [AuditEntry] = []
    /// The loop's state after the last bar in this batch.
    public var checkpoint: LoopCheckpoint?

    public init() {}

    /// Empties the batch for the next one, keeping its arrays' room (a replay writes thousands of bars).
    public mutating func removeAll() {
        orders.removeAll(keepingCapacity: true)
        orderUpdates.removeAll(keepingCapacity: true)
        fills.removeAll(keepingCapacity: true)
        candles.removeAll(keepingCapacity: true)
        equity.removeAll(keepingCapacity: true)
        strategyEvents.removeAll(keepingCapacity: true)
        audit.removeAll(keepingCapacity: true)
        checkpoint = nil
    }

    public var isEmpty: Bool {
        orders.isEmpty && orderUpdates.isEmpty && fills.isEmpty && candles.isEmpty && equity.isEmpty && strategyEvents.isEmpty && audit.isEmpty
            && checkpoint == nil
    }
}

public struct OrderUpdate: Sendable, Hashable {
    public var clientOrderID: String
    public var status: OrderStatus
    public var exchangeOrderID: String?
    public var reason: String?
    public var time: Int64

    public init(clientOrderID: String, status: OrderStatus, exchangeOrderID: String?, reason: String? = nil, time: Int64) {
        self.clientOrderID = clientOrderID
        self.status = status
        self.exchangeOrderID = exchangeOrderID
        self.reason = reason
        self.time = time
    }
}

/// A fill with the strategy slot it belongs to.
public struct RecordedFill: Sendable, Hashable {
    public var strategy: String
    public var fill: Fill

    public init(strategy: String, fill: Fill) {
        self.strategy = strategy
        self.fill = fill
    }
}

public struct JournaledOrder: Sendable, Hashable {
    public var order: Order
    public var status: OrderStatus
    public var exchangeOrderID: String?

    public init(order: Order, status: OrderStatus, exchangeOrderID: String?) {
        self.order = order
        self.status = status
        self.exchangeOrderID = exchangeOrderID
    }
}

public struct EquityPoint: Sendable, Hashable, Codable {
    public var time: Int64
    public var equity: Double
    public var cash: Double
    public var drawdown: Double

    public init(time: Int64, equity: Double, cash: Double, drawdown: Double) {
        self.time = time
        self.equity = equity
        self.cash = cash
        self.drawdown = drawdown
    }
}

/// A change to a strategy slot, applied at the bar `time`.
public struct StrategyEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case activate, deactivate, setParameters = "set_parameters", create, archive }

    public var time: Int64
    public var strategy: String
    /// nil for every market the strategy runs on.
    public var market: String?
    public var kind: Kind
    public var parameters: [String: Double]
    public var actor: String

    public init(time: Int64, strategy: String, market: String?, kind: Kind, parameters: [String: Double] = [:], actor: String) {
        self.time = time
        self.strategy = strategy
        self.market = market
        self.kind = kind
        self.parameters = parameters
        self.actor = actor
    }
}

public struct AuditEntry: Sendable, Hashable, Codable {
    public var time: Int64
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String

    public init(time: Int64, actor: String, action: String, target: String, detail: String) {
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

extension JournalBatch {
    /// Each order's last known state in this batch (the last status, and the exchange id and
    /// reason when any update gave one), so a store writes it once.
    public var finalUpdates: [String: OrderUpdate] {
        var merged: [String: OrderUpdate] = [:]
        for update in orderUpdates {
            var next = update
            if let previous = merged[update.clientOrderID] {
                next.exchangeOrderID = update.exchangeOrderID ?? previous.exchangeOrderID
                next.reason = update.reason ?? previous.reason
            }
            merged[update.clientOrderID] = next
        }
        return merged
    }
}
