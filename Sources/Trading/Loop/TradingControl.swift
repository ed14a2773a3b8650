import Synchronization

/// Operator commands for a running loop, applied at the next bar (or at once when the feed has
/// ended) and journaled there, so a restart replays them at the same bar.
public final class TradingControl: Sendable {
    public enum Command: Sendable, Hashable {
        case pause(by: String)
        case resume(by: String)
        case activate(strategy: String, market: String?, by: String)
        case deactivate(strategy: String, market: String?, by: String)
        case setParameters(strategy: String, market: String?, parameters: [String: Double], by: String)
        /// A new slot of a registry strategy on a market the feed carries (refused when it exists).
        case create(strategy: String, market: String, parameters: [String: Double], active: Bool, by: String)
        /// Deactivated and set aside: out of the equity shares; its open position still exits.
        case archive(strategy: String, market: String?, by: String)
    }

    private let queue = Mutex<[Command]>([])
    public let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init() { (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }

    public func send(_ command: Command) {
        queue.withLock { $0.append(command) }
        wake.yield()
    }

    func take() -> [Command] { queue.withLock { q in defer { q.removeAll() }; return q } }
    var hasPending: Bool { queue.withLock { !$0.isEmpty } }

    typealias ManualWaiter = (request: ManualRequest, answer: CheckedContinuation<ManualAnswer, Never>)
    private let manualQueue = Mutex<[ManualWaiter]>([])
    /// Whether a loop runs to answer manual requests (false before it starts and after it ends).
    private let serving = Mutex(false)

    /// A manual order or cancel, answered once the loop has sent it and the venue replied (not
    /// journaled as a command: a restart never sends it again; its order is in the journal).
    public func manual(_ request: ManualRequest) async -> ManualAnswer {
        await withCheckedContinuation { answer in
            let queued = serving.withLock { serving in
                if serving { manualQueue.withLock { $0.append((request, answer)) } }
                return serving
            }
            if queued { wake.yield() } else { answer.resume(returning: .refused("the engine is not trading yet (starting, reconciling or stopped); ask again")) }
        }
    }

    func takeManual() -> [ManualWaiter] { manualQueue.withLock { q in defer { q.removeAll() }; return q } }
    var hasManual: Bool { manualQueue.withLock { !$0.isEmpty } }

    /// The loop takes requests from here on (true) or no longer (false: whatever waits is refused).
    func serve(_ on: Bool) {
        let left = serving.withLock { serving in
            serving = on
            return on ? [] : takeManual()
        }
        for waiter in left { waiter.answer.resume(returning: .refused("the engine stopped before placing it; nothing was sent")) }
    }
}

/// What the loop tells whoever watches it (the engine's metrics, status and logs; a backtest's recorder).
public protocol TradingObserver: Sendable {
    /// False skips building a `BarSummary` every bar (a backtest's recorder needs none).
    var wantsBarSummaries: Bool { get }
    /// Before the first bar: the time of the checkpoint resumed from, nil on a new journal.
    func started(resumedFrom time: Int64?)
    /// The feed has no more bars (a replay's end).
    func feedEnded(equity: Double, at time: Int64?)
    func decided(strategy: String, market: String, decision: Decision, at time: Int64)
    func barProcessed(_ bar: BarSummary)
    func ordersSent(_ orders: [Order], reports: [ExecutionReport])
    /// An order is about to go to the venue, this long after its strategy decided it.
    func sending(_ order: Order, secondsSinceDecision: Double)
    func filled(_ fill: RecordedFill)
    func halted(_ reason: String, at time: Int64)
    /// The venue's balances and the journal disagree (a reason) or agree again (nil).
    func failedClosed(_ reason: String?, at time: Int64)
    /// The venue's open orders the journal does not know changed: their exchange ids now.
    func externalOrders(_ ids: [String])
    func commandApplied(_ command: TradingControl.Command, message: String, at time: Int64)
    /// Every slot as it is now: at the start and after each command.
    func slotsChanged(_ slots: [SlotView])
    /// A batch is durable: its audit entries, how many bars it held, and how long the write took.
    func journaled(audit: [AuditEntry], bars: Int, seconds: Double)
}

extension TradingObserver {
    public var wantsBarSummaries: Bool { true }
    public func started(resumedFrom time: Int64?) {}
    public func feedEnded(equity: Double, at time: Int64?) {}
    public func decided(strategy: String, market: String, decision: Decision, at time: Int64) {}
    public func barProcessed(_ bar: BarSummary) {}
    public func ordersSent(_ orders: [Order], reports: [ExecutionReport]) {}
    public func sending(_ order: Order, secondsSinceDecision: Double) {}
    public func filled(_ fill: RecordedFill) {}
    public func halted(_ reason: String, at time: Int64) {}
    public func failedClosed(_ reason: String?, at time: Int64) {}
    public func externalOrders(_ ids: [String]) {}
    public func commandApplied(_ command: TradingControl.Command, message: String, at time: Int64) {}
    public func slotsChanged(_ slots: [SlotView]) {}
    public func journaled(audit: [AuditEntry], bars: Int, seconds: Double) {}
}

/// A strategy slot as the loop holds it.
public struct SlotView: Sendable, Hashable {
    public var name: String
    public var market: String
    public var active: Bool
    public var parameters: [String: Double]
    public var quantity: Double
    public var archived = false
    /// Who created it at run time (nil: the configuration's).
    public var createdBy: String?
}

/// The account after one bar.
public struct BarSummary: Sendable {
    public var time: Int64
    public var equity: Double
    public var cash: Double
    public var drawdown: Double
    public var dailyPnLRatio: Double
    public var haltReason: String?
    /// Why the risk layer is REDUCING (no entries, positions trimmed), nil otherwise.
    public var reducingReason: String?
    public var monthlyPnLRatio: Double = 0
    public var paused: String?
    /// Why entries are stopped after the venue's balances disagreed with the journal.
    public var failedClosed: String?
    public var positions: [(strategy: String, market: String, quantity: Double)]
    /// Seconds from the bar's arrival to every strategy's decision.
    public var decisionSeconds: Double
    /// Orders sent whose outcome the venue has not told yet.
    public var unknownOrders: Int = 0
    /// The closed bars this step decided on, per market (for live views).
    public var candles: [(market: String, candle: Candle)] = []
    /// Each strategy slot's weight and target at the close.
    public var weights: [SlotWeight] = []
    /// The positions' historical VaR at the close, when the VaR limit is set.
    public var valueAtRisk: Double?
}
