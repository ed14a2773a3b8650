import Foundation

/// Where orders go: the paper exchange or a live one. Every call may fail with a `VenueError`;
/// a call that times out after sending leaves the order `unknown`, to be resolved by `order(clientOrderID:)`.
public protocol Venue: Sendable {
    /// For logs and the journal (`paper`, `bingx`).
    var name: String { get }
    /// True when the venue is outside this process: the journal must be durable before each submit.
    var isRemote: Bool { get }
    func instrument(_ market: String) async throws -> Instrument
    func submit(_ order: Order) async throws -> ExecutionReport
    func cancel(clientOrderID: String, market: String) async throws -> ExecutionReport
    /// The venue's view of one order; nil when it never saw it.
    func order(clientOrderID: String, market: String) async throws -> ExecutionReport?
    func openOrders() async throws -> [ExecutionReport]
    /// Fills at or after `time` (Unix ms), oldest first.
    func fills(since time: Int64) async throws -> [Fill]
    func balances() async throws -> [Balance]
    func positions() async throws -> [Position]
    /// Every change to an order, as the venue reports it.
    var executionReports: AsyncStream<ExecutionReport> { get }
}

/// A venue that simulates fills from the bars themselves (the paper exchange): the loop shows it
/// each bar as the bar opens, before strategies see its close.
public protocol SimulatedVenue: Venue {
    /// Fills what was waiting for this bar (at its open, or within its range for limits and
    /// stops); returns the finished orders and their fills.
    func open(_ candle: Candle, market: String) throws -> (reports: [ExecutionReport], fills: [Fill])
    /// Its whole state, kept in the loop's checkpoint: a simulated venue has no other memory.
    func snapshot() throws -> Data
    func restore(_ snapshot: Data) throws
}

/// A venue outside this process whose order changes arrive by themselves (a stream, or polling
/// while it is down): the loop takes what arrived before each batch of bars.
public protocol LiveVenue: Venue {
    /// Changes to the orders this process follows, and their fills, since the last call, oldest first.
    func takeEvents() async throws -> (reports: [ExecutionReport], fills: [Fill])
    /// Called by the loop every few seconds while it runs (the dead-man switch's refresh): a loop
    /// that hangs stops calling, and the venue cancels what is open by itself.
    func heartbeat() async
    /// Whether the account holds positions (a perpetual swap) rather than the assets bought (spot):
    /// reconciliation then compares positions, and buys are sized in the base asset.
    var holdsPositions: Bool { get }
}

extension LiveVenue {
    public var holdsPositions: Bool { false }
}

/// An order's state on the venue.
public struct ExecutionReport: Sendable, Hashable, Codable {
    public var clientOrderID: String
    public var exchangeOrderID: String?
    public var market: String
    public var side: Side
    public var status: OrderStatus
    public var filledQuantity: Decimal
    public var averagePrice: Decimal?
    /// Why it was rejected, cancelled or expired.
    public var reason: String?
    public var time: Int64

    public init(
        clientOrderID: String, exchangeOrderID: String?, market: String, side: Side, status: OrderStatus, filledQuantity: Decimal = 0,
        averagePrice: Decimal? = nil, reason: String? = nil, time: Int64
    ) {
        self.clientOrderID = clientOrderID
        self.exchangeOrderID = exchangeOrderID
        self.market = market
        self.side = side
        self.status = status
        self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice
        self.reason = reason
        self.time = time
    }
}

/// A venue's refusal, typed the way exchanges' error envelopes are, so the loop can tell a
/// refusal (nothing happened) from an unknown outcome (ask again).
public struct VenueError: Error, CustomStringConvertible, Hashable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let authentication = Code(name: "authentication")
        public static let insufficientBalance = Code(name: "insufficient_balance")
        public static let rateLimited = Code(name: "rate_limited")
        public static let orderNotFound = Code(name: "order_not_found")
        public static let invalidParameter = Code(name: "invalid_parameter")
        public static let duplicateOrder = Code(name: "duplicate_order")
        /// Refused for a reason with no code of its own here (the venue's message says which).
        public static let rejected = Code(name: "rejected")
        /// The request may or may not have taken effect (a timeout, a 5xx).
        public static let unknown = Code(name: "unknown")
    }

    public var code: Code
    public var message: String
    /// The venue's own error code, when it has one.
    public var venueCode: String?

    public init(_ code: Code, _ message: String, venueCode: String? = nil) {
        self.code = code
        self.message = message
        self.venueCode = venueCode
    }

    public var description: String { "\(code): \(message)" + (venueCode.map { " (venue code \($0))" } ?? "") }
}
