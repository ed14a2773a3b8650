import Trading

/// The engine's record in the database: every order written (with its deterministic client order
/// id) before the exchange sees it, every fill with its order's status and the position in one
/// transaction, and one equity snapshot per processed bar, which also marks the bar as done.
/// After a crash this is all the engine needs to resume. One implementation per database engine.
public protocol TradingJournal: Sendable {
    /// Where the journal is, for messages.
    var location: String { get }
    /// Keeps the journal's connections while the engine runs (PostgreSQL's pool).
    func run() async
    /// The strategies table's id for each running strategy, created on first use.
    func strategyIDs(_ names: [String], now: Int64) async throws -> [String: Int64]
    func recover() async throws -> JournalRecovery
    /// One bar's decisions and its equity snapshot, atomically. An order whose client id is
    /// already journaled is not written again.
    func recordBar(_ time: Int64, orders: [JournalOrder], equity: Double, cash: Double, drawdown: Double) async throws
    /// A fill, its order marked filled and the strategy's position set, atomically; false when the
    /// order was already filled (a replay after a crash), and nothing is written then.
    func recordFill(clientOrderID: String, strategyID: Int64, fill: StrategyBook.Fill, at time: Int64) async throws -> Bool
    /// An order decided but never filled (the exchange had no room for it): cancelled.
    func cancel(clientOrderID: String, at time: Int64) async throws
    /// Trading halts, pauses and resumes, kept in the audit log.
    func recordTradingState(_ action: String, actor: String, reason: String, at time: Int64) async throws
    /// Operators' pauses and resumes in the order they happened, with the bar they applied to.
    func operatorActions() async throws -> [(at: Int64, action: String, actor: String)]
}

extension TradingJournal {
    public func run() async {}
}

/// What a journal holds after a crash.
public struct JournalRecovery: Sendable {
    /// The last bar fully processed (its decisions journaled), if any.
    public var lastBar: Int64?
    /// Orders decided but not yet filled, by strategy id.
    public var pending: [Int64: PendingOrder]
    /// Fills in time order, to rebuild each strategy's cash and position.
    public var fills: [JournalFill]
}

public struct PendingOrder: Sendable {
    public var orderID: Int64
    public var clientOrderID: String
    public var side: FillModel.Side
}

public struct JournalFill: Sendable {
    public var strategyID: Int64
    public var side: FillModel.Side
    public var price: Double
    public var quantity: Double
    public var fee: Double
    public var at: Int64
}

public struct JournalOrder: Sendable {
    public var clientOrderID: String
    public var strategyID: Int64
    public var side: FillModel.Side
    public var quantity: Double
}

public struct JournalError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
