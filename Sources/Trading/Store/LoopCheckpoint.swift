import Foundation

/// The trading loop's state after a bar, written with that bar's journal so a restart resumes
/// exactly there. Indicators are not in it: they are warmed again from the stored candles.
public struct LoopCheckpoint: Sendable, Codable, Hashable {
    /// Open time of the last bar fully processed.
    public var time: Int64
    public var cash: Double
    public var slots: [Slot]
    public var risk: RiskGuard.State
    public var paused: String?
    /// A simulated venue's own state (the paper account), opaque to the loop.
    public var venue: Data?
    /// The allocation's targets when not `equal` (older journals have none: estimated again).
    public var allocation: Allocation?

    public struct Allocation: Sendable, Codable, Hashable {
        public var method: String
        public var period: Int64?
        public var targets: [Double]
        /// The slots (`STRATEGY@MARKET`, "" for those outside the shares) they were estimated for.
        public var slots: [String]
    }

    public struct Slot: Sendable, Codable, Hashable {
        public var name: String
        public var market: String
        public var active: Bool
        /// The parameters in effect (the configuration's, or an operator's since).
        public var parameters: [String: Double]
        /// What the configuration said when it was last applied: a restart with the same file keeps
        /// an operator's changes; a changed file is applied as a new event.
        public var configured: [String: Double]?
        public var quantity: Decimal
        public var entryPrice: Double
        public var entryCost: Double
        public var openedAt: Int64?
        public var stop: Double?
        public var target: Double?
        public var pendingOrder: String?
        public var pendingSide: Side?
        public var atrAtDecision: Double?
        /// Who created the slot at run time; nil for the configuration's (older journals have neither field).
        public var createdBy: String?
        public var archived: Bool?
        /// Closed trades' returns (the last few, for Kelly) and the open trade's sales so far.
        public var tradeReturns: [Double]?
        public var proceeds: Double?
        /// The stop-loss resting at the venue for the open position (a swap account), by client id.
        public var guardOrder: String? = nil
        public var guardQuantity: Decimal? = nil
        public var guardSerial: Int? = nil
    }

    public init(time: Int64, cash: Double, slots: [Slot], risk: RiskGuard.State, paused: String?, venue: Data?, allocation: Allocation? = nil) {
        self.allocation = allocation
        self.time = time
        self.cash = cash
        self.slots = slots
        self.risk = risk
        self.paused = paused
        self.venue = venue
    }
}
