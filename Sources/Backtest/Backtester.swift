import Foundation
import Synchronization
import Trading
import WardenCore

/// A backtest is the trading loop over a replay feed, a paper venue and a memory journal: the
/// engine's own code path, so a backtest and the engine on the same data trade identically.
public struct Backtester: Sendable {
    public var fills: FillModel
    public var cash: Double
    public var risk: RiskLimits
    /// Times every bar's decisions in the loop itself (`Result.latencies`), at a small cost per bar.
    public var recordsLatency = false
    /// Keeps the first strategy's decision at every bar (`Result.decisions`, for look-ahead checks).
    public var recordsDecisions = false
    /// Called after each bar with its time (a job's progress), at the cost of a bar summary per bar.
    public var progress: (@Sendable (Int64) -> Void)?
    /// Allocation, rebalancing and the VaR limit's horizon, as `engine.portfolio` has them.
    public var portfolio = PortfolioSettings()

    public init(fills: FillModel = FillModel(), cash: Double = 10_000, risk: RiskLimits = .none, recordingDecisions: Bool = false) {
        self.fills = fills
        self.cash = cash
        self.risk = risk
        recordsDecisions = recordingDecisions
    }

    public typealias Trade = Trading.Trade

    /// One market's candles and the precision its orders are rounded to.
    public struct Market: Sendable {
        public var instrument: Instrument
        public var candles: [Candle]

        public init(instrument: Instrument, candles: [Candle]) {
            self.instrument = instrument
            self.candles = candles
        }
    }

    public struct Result: Sendable {
        /// Every slot's trades, in the order slots first traded.
        public var slots: [SlotTrades]
        /// Equity at each bar's close.
        public var equity: [Double]
        /// Bars that ended with a position held.
        public var barsInMarket: Int
        /// Each bar's decision of the first strategy, when recorded.
        public var decisions: [Decision]
        /// When a risk limit halted new entries, and why.
        public var haltedAt: Int64?
        public var haltReason: String?
        /// Seconds from each bar's arrival to every strategy's decision, when recorded.
        public var latencies: [Double]

        /// All trades of every slot, by entry time (one strategy on one market: its trades).
        public var trades: [Trade] { slots.flatMap(\.trades).sorted { $0.entryTime < $1.entryTime } }
    }

    /// One strategy on one market (the backtester's classic form).
    public func run(_ strategy: some Strategy, candles: [Candle]) async throws -> Result {
        let market = Market(instrument: try .replay("BTC-USDT"), candles: candles)
        return try await run([.init(name: type(of: strategy).name, market: "BTC-USDT", strategy: strategy)], markets: [market])
    }

    /// Several strategy slots on several markets sharing one account.
    public func run(_ slots: [SlotSettings], markets: [Market], interval: Int64? = nil) async throws -> Result {
        let spacing = interval ?? markets.first.map { Self.spacing($0.candles) } ?? 60_000
        let feed = ReplayFeed(markets: markets.map { ($0.instrument.symbol, $0.candles) }, interval: spacing)
        let quote = markets.first?.instrument.quote ?? "USDT"
        let venue = PaperVenue(instruments: markets.map(\.instrument), model: fills, account: .init(quote: quote, balance: Decimal(exactly: cash)))
        let store = MemoryTradingStore(keepsOrders: false)
        let recorder = DecisionRecorder(first: slots.first?.name, timing: recordsLatency, progress: progress)
        // Nothing watches a plain backtest: the loop then skips every per-bar report.
        let loop = TradingLoop(
            configuration: .init(
                slots: slots, risk: risk, startingBalance: cash, feeRate: fills.feeRate, batchBars: 1 << 30, batchInterval: .seconds(1 << 40),
                portfolio: LoopPortfolio(portfolio, barInterval: spacing)),
            feed: feed, venue: venue, store: store, observer: recordsLatency || recordsDecisions || progress != nil ? recorder : nil)
        let summary = try await loop.run()
        var trades = SlotTrades.pair(store.fills())
        // An open trade is marked at its market's last close, entry fee included.
        for index in trades.indices {
            guard let last = trades[index].trades.indices.last, trades[index].trades[last].exitTime == nil,
                  let close = markets.first(where: { $0.instrument.symbol == trades[index].market })?.candles.last?.close else { continue }
            let trade = trades[index].trades[last]
            let cost = trade.quantity * trade.entryPrice + trade.fees
            trades[index].trades[last].pnl = trade.quantity * close - cost
            trades[index].trades[last].return = trades[index].trades[last].pnl / cost
        }
        return Result(
            slots: trades, equity: store.equity.map(\.equity), barsInMarket: summary.barsInMarket, decisions: recorder.decisions,
            haltedAt: summary.haltedAt, haltReason: summary.haltReason, latencies: recorder.latencies)
    }

    /// The most common spacing between bars.
    static func spacing(_ candles: [Candle]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for index in candles.indices.dropFirst().prefix(1000) { counts[candles[index].openTime - candles[index - 1].openTime, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? 60_000
    }
}

/// Keeps the first strategy's decision at every bar, and each bar's decision time when timing.
final class DecisionRecorder: TradingObserver {
    let first: String?
    let timing: Bool
    let progress: (@Sendable (Int64) -> Void)?
    private let recorded = Mutex<[Decision]>([])
    private let timings = Mutex<[Double]>([])

    init(first: String?, timing: Bool, progress: (@Sendable (Int64) -> Void)?) {
        self.first = first
        self.timing = timing
        self.progress = progress
    }

    var wantsBarSummaries: Bool { timing || progress != nil }

    func barProcessed(_ bar: BarSummary) {
        if timing { timings.withLock { $0.append(bar.decisionSeconds) } }
        progress?(bar.time)
    }

    var latencies: [Double] { timings.withLock { $0 } }

    func decided(strategy: String, market: String, decision: Decision, at time: Int64) {
        guard strategy == first else { return }
        recorded.withLock { $0.append(decision) }
    }

    var decisions: [Decision] { recorded.withLock { $0 } }
}
