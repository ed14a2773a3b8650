import Foundation
import Synchronization
import Testing
import WardenCore
@testable import Backtest
@testable import Trading

@Suite("The order state machine")
struct OrderLifecycleTests {
    @Test("the legal path new → submitted → accepted → partially filled → filled")
    func happyPath() throws {
        var order = OrderLifecycle(quantity: 2)
        try order.apply(.send)
        try order.apply(.accept)
        try order.apply(.fill(1))
        #expect(order.status == .partiallyFilled)
        try order.apply(.fill(1))
        #expect(order.status == .filled && order.filled == 2)
    }

    @Test("every event from every state: legal ones move, illegal ones throw and change nothing")
    func everyTransition() throws {
        let events: [OrderEvent] = [.send, .accept, .fill(1), .cancel, .reject("no"), .expire, .lose]
        let legal: [OrderStatus: Set<String>] = [
            .new: ["be sent"],
            .submitted: ["be accepted", "fill 1", "be cancelled", "be rejected", "expire", "become unknown"],
            .accepted: ["fill 1", "be cancelled", "expire", "become unknown"],
            .partiallyFilled: ["fill 1", "be cancelled", "expire", "become unknown"],
            .unknown: ["be accepted", "fill 1", "be cancelled", "be rejected", "expire"],
            .filled: [], .cancelled: [], .rejected: [], .expired: [],
        ]
        for status in OrderStatus.allCases {
            for event in events {
                var order = OrderLifecycle(quantity: 3, status: status, filled: status == .partiallyFilled ? 1 : 0)
                let allowed = legal[status]!.contains(OrderLifecycle.verb(event))
                if allowed {
                    try order.apply(event)
                } else {
                    #expect(throws: OrderLifecycle.IllegalTransition.self, "\(status) then \(event)") { try order.apply(event) }
                    #expect(order.status == status)
                }
            }
        }
    }

    @Test("a fill beyond the ordered quantity is an error, not an overfill")
    func overfill() throws {
        var order = OrderLifecycle(quantity: 1, status: .accepted)
        #expect(throws: OrderLifecycle.IllegalTransition.self) { try order.apply(.fill(2)) }
        #expect(order.filled == 0)
    }
}

@Suite("Instruments and the paper venue's refusals")
struct PaperVenueTests {
    let btc = try! Instrument(symbol: "BTCUSDT", tickSize: Decimal(string: "0.01")!, stepSize: Decimal(string: "0.0001")!,
                              minQuantity: Decimal(string: "0.0001")!, minNotional: 5)

    func venue(_ balance: Decimal = 1_000) -> PaperVenue {
        PaperVenue(instruments: [btc], model: FillModel(feeRate: 0.001), account: .init(quote: "USDT", balance: balance))
    }

    @Test("symbols are stored in one form; amounts are rounded at creation to step and tick")
    func rounding() throws {
        #expect(btc.symbol == "BTC-USDT" && btc.base == "BTC" && btc.quote == "USDT")
        #expect(try Instrument.canonical("eth/usdt") == "ETH-USDT")
        #expect(throws: Instrument.SymbolError.self) { try Instrument.canonical("not a symbol") }
        let order = try Order.limit(.buy, btc, quantity: 0.123456, price: 50_000.005, id: "a", strategy: "s", at: 0)
        #expect(order.quantity == Decimal(string: "0.1234") && order.price == Decimal(string: "50000.01"))
    }

    @Test("below the minimum notional, a quantity off the step, more than the balance: refused as an exchange would")
    func refusals() throws {
        let paper = venue()
        var offStep = try Order.limit(.buy, btc, quantity: 0.01, price: 100, id: "x1", strategy: "s", at: 0)
        offStep.quantity = Decimal(string: "0.01005")
        #expect { try paper.submit(offStep) } throws: { ($0 as? VenueError)?.code == .invalidParameter }
        let tiny = try Order.limit(.buy, btc, quantity: 0.0001, price: 100, id: "x2", strategy: "s", at: 0)
        #expect { try paper.submit(tiny) } throws: { ($0 as? VenueError)?.message.contains("minimum notional") == true }
        let big = try Order.market(.buy, btc, spending: 5_000, id: "x3", strategy: "s", at: 0)
        #expect { try paper.submit(big) } throws: { ($0 as? VenueError)?.code == .insufficientBalance && ($0 as? VenueError)?.venueCode == "100202" }
        let sell = try Order.market(.sell, btc, quantity: 1, id: "x4", strategy: "s", at: 0)
        #expect { try paper.submit(sell) } throws: { ($0 as? VenueError)?.code == .insufficientBalance }
    }

    @Test("a market buy fills at the next open with the fee, mints the venue's own id, and a client id is never taken twice")
    func fills() throws {
        let paper = venue()
        let order = try Order.market(.buy, btc, spending: 500, id: "b1", strategy: "s", at: 0)
        let accepted = try paper.submit(order)
        #expect(accepted.status == .accepted && accepted.exchangeOrderID?.count == 19)
        #expect { try paper.submit(order) } throws: { ($0 as? VenueError)?.code == .duplicateOrder }
        let (reports, fills) = try paper.open(Candle(openTime: 60_000, open: 100, high: 101, low: 99, close: 100, volume: 1), market: "BTC-USDT")
        #expect(reports.map(\.status) == [.filled] && fills.count == 1)
        #expect(fills[0].quantity == Decimal(string: "4.995") && fills[0].price == 100)
        let usdt = paper.balances().first { $0.asset == "USDT" }!
        #expect(usdt.total == 1_000 - Decimal(string: "499.5")! - Decimal(string: "0.4995")!)
        #expect(paper.order(clientOrderID: "b1", market: "BTC-USDT")?.status == .filled)
    }
}

extension PaperVenueTests {
    @Test("a limit buy fills when a bar trades through its price, a stop-market sell when a bar reaches its stop, a cancel releases the lock")
    func limitsAndStops() throws {
        let paper = venue(10_000)
        _ = try paper.submit(try Order.limit(.buy, btc, quantity: 1, price: 95, id: "l1", strategy: "s", at: 0))
        #expect(abs(paper.balances().first { $0.asset == "USDT" }!.locked.double - 95.095) < 1e-9, "price × quantity × (1 + fee) locked")
        var (reports, fills) = try paper.open(Candle(openTime: 1, open: 100, high: 101, low: 96, close: 99, volume: 1), market: "BTC-USDT")
        #expect(fills.isEmpty && reports.isEmpty, "96 never reached 95")
        (reports, fills) = try paper.open(Candle(openTime: 2, open: 99, high: 99, low: 94, close: 95, volume: 1), market: "BTC-USDT")
        #expect(fills.first?.price == 95 && fills.first?.quantity == 1)
        #expect(paper.balances().first { $0.asset == "USDT" }!.locked == 0, "the lock is spent, the rest freed")
        _ = try paper.submit(try Order.stopMarket(.sell, btc, quantity: 1, stopPrice: 90, id: "s1", strategy: "s", at: 2))
        (reports, fills) = try paper.open(Candle(openTime: 3, open: 92, high: 93, low: 89, close: 90, volume: 1), market: "BTC-USDT")
        #expect(fills.first?.price == 90 && reports.first?.status == .filled)
        _ = try paper.submit(try Order.limit(.buy, btc, quantity: 1, price: 50, id: "l2", strategy: "s", at: 3))
        #expect(try paper.cancel(clientOrderID: "l2", market: "BTC-USDT").status == .cancelled)
        #expect(paper.balances().first { $0.asset == "USDT" }!.locked == 0)
        #expect { try paper.cancel(clientOrderID: "l2", market: "BTC-USDT") } throws: { ($0 as? VenueError)?.code == .orderNotFound }
    }
}

@Suite("One trading loop: backtester and engine path, restarts, strategy events")
struct TradingLoopTests {
    static func market(_ file: String, _ symbol: String) throws -> Backtester.Market {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/\(file)").path
        return Backtester.Market(instrument: try .replay(symbol), candles: try CandleFile.load(path).candles)
    }

    static let markets = { () -> [Backtester.Market] in
        (try? [market("BTCUSDT-1h-2023-01-01_2024-01-10.csv", "BTC-USDT"), market("ETHUSDT-1h-2023-01-01_2024-01-10.csv", "ETH-USDT")]) ?? []
    }()

    static func slots() -> [SlotSettings] {
        ["cci", "rsi_macd", "bollinger"].flatMap { name in markets.map { .init(strategy: name, market: $0.instrument.symbol) } }
    }

    /// The engine's path: the same loop over a journal that keeps candles, stopped after `stop` bars and restarted from the journal.
    static func engineRun(
        stopAt stops: [Int], commands: [Int: TradingControl.Command] = [:], slots: [SlotSettings] = slots()
    ) async throws -> (trades: [SlotTrades], store: MemoryTradingStore) {
        let store = MemoryTradingStore(keepsCandles: true)
        let feed = ReplayFeed(markets: markets.map { ($0.instrument.symbol, $0.candles) }, interval: 3_600_000)
        var venue = PaperVenue(instruments: markets.map(\.instrument), model: FillModel(feeRate: 0.001, slippageBps: 2), account: .init(quote: "USDT", balance: 30_000))
        for stop in stops + [Int.max] {
            let control = TradingControl()
            let observer = StopAfter(bars: stop, commands: commands, control: control)
            let loop = TradingLoop(
                configuration: .init(slots: slots, startingBalance: 30_000, feeRate: 0.001, batchBars: 7),
                feed: feed, venue: venue, store: store, control: control, observer: observer)
            let task = Task { try await loop.run() }
            observer.task.withLock { $0 = task }
            _ = try await task.value
            // A crash loses the process: the next run gets a new, empty paper venue restored from the journal.
            venue = PaperVenue(instruments: markets.map(\.instrument), model: FillModel(feeRate: 0.001, slippageBps: 2), account: .init(quote: "USDT", balance: 0))
        }
        return (SlotTrades.pair(store.fills()), store)
    }

    @Test("the backtester and the engine path give identical trades on the two shared 1h markets, three strategies together")
    func parity() async throws {
        try #require(Self.markets.count == 2, "../shared/data has the BTC and ETH 1h files")
        let backtest = try await Backtester(fills: FillModel(feeRate: 0.001, slippageBps: 2), cash: 30_000).run(Self.slots(), markets: Self.markets)
        let engine = try await Self.engineRun(stopAt: [])
        let closed = { (slots: [SlotTrades]) in slots.map { "\($0.strategy)@\($0.market): \($0.trades.filter { $0.exitTime != nil })" }.sorted() }
        #expect(backtest.slots.count == 6 && backtest.trades.count > 100)
        #expect(closed(engine.trades) == closed(backtest.slots))
    }

    @Test("stopped at random bars and resumed from the journal, the final trades are the same and no client order id is journaled twice")
    func recovery() async throws {
        try #require(Self.markets.count == 2)
        let reference = try await Self.engineRun(stopAt: [])
        var generator = SystemRandomNumberGenerator()
        let stops = (0..<3).map { _ in Int.random(in: 50..<2_000, using: &generator) }
        let resumed = try await Self.engineRun(stopAt: stops)
        #expect(resumed.trades.map(\.trades) == reference.trades.map(\.trades), "stopped after \(stops) bars")
        #expect(resumed.store.orderCount == reference.store.orderCount)
    }

    @Test("a parameter change journaled at bar N is applied at bar N and replayed there after a restart")
    func parameterEvent() async throws {
        try #require(Self.markets.count == 2)
        let change = TradingControl.Command.setParameters(strategy: "bollinger", market: nil, parameters: ["period": 40], by: "alice")
        let uninterrupted = try await Self.engineRun(stopAt: [], commands: [1_000: change])
        let restarted = try await Self.engineRun(stopAt: [1_500], commands: [1_000: change])
        let unchanged = try await Self.engineRun(stopAt: [])
        #expect(uninterrupted.store.strategyEvents().map(\.kind) == [.setParameters, .setParameters])
        #expect(restarted.trades.map(\.trades) == uninterrupted.trades.map(\.trades))
        #expect(uninterrupted.trades.map(\.trades) != unchanged.trades.map(\.trades), "the change made a difference")
        #expect(uninterrupted.store.audit(target: "strategy").first?.actor == "alice")
    }

    @Test("a slot created at run time trades from its bar on, is rebuilt from the journal after a restart, and once archived opens nothing more")
    func createdSlot() async throws {
        try #require(Self.markets.count == 2)
        let configured = Self.slots().filter { !($0.name == "bollinger" && $0.market == "ETH-USDT") }
        let create = TradingControl.Command.create(strategy: "bollinger", market: "ETH-USDT", parameters: ["period": 30], active: true, by: "carol")
        let archive = TradingControl.Command.archive(strategy: "bollinger", market: "ETH-USDT", by: "dave")
        let commands = [1_000: create, 5_000: archive]
        let uninterrupted = try await Self.engineRun(stopAt: [], commands: commands, slots: configured)
        let restarted = try await Self.engineRun(stopAt: [1_500, 6_000], commands: commands, slots: configured)
        let created = try #require(uninterrupted.trades.first { $0.strategy == "bollinger" && $0.market == "ETH-USDT" })
        let times = Self.markets[1].candles.map(\.openTime)
        #expect(!created.trades.isEmpty)
        #expect(created.trades.allSatisfy { $0.entryTime >= times[1_000] && $0.entryTime <= times[5_001] }, "entries only between creation and archive")
        #expect(restarted.trades.map(\.trades) == uninterrupted.trades.map(\.trades), "a restart rebuilds the created slot from the journal")
        #expect(restarted.store.orderCount == uninterrupted.store.orderCount)
        let events = uninterrupted.store.strategyEvents()
        #expect(events.map(\.kind) == [.create, .archive])
        #expect(events.first?.parameters["period"] == 30 && events.first?.actor == "carol")
        let checkpoint = try #require(try await restarted.store.checkpoint())
        let saved = try #require(checkpoint.slots.first { $0.name == "bollinger" && $0.market == "ETH-USDT" })
        #expect(saved.createdBy == "carol" && saved.archived == true && !saved.active)
    }
}

/// Cancels the loop after a number of bars (a stop or a crash), and sends commands at given bars.
final class StopAfter: TradingObserver, @unchecked Sendable {
    // Safe: the loop calls the observer from its one task; `task` is behind a Mutex.
    let bars: Int
    let commands: [Int: TradingControl.Command]
    let control: TradingControl
    let task = Mutex<Task<TradingLoop<ReplayFeed<ContinuousClock>>.Summary, any Error>?>(nil)
    private var seen = 0
    private var offset: Int?

    init(bars: Int, commands: [Int: TradingControl.Command], control: TradingControl) {
        self.bars = bars
        self.commands = commands
        self.control = control
    }

    var wantsBarSummaries: Bool { true }

    func started(resumedFrom time: Int64?) {
        offset = time.map { t in TradingLoopTests.markets[0].candles.firstIndex { $0.openTime > t } ?? 0 } ?? 0
    }

    func barProcessed(_ bar: BarSummary) {
        seen += 1
        let index = (offset ?? 0) + seen
        if let command = commands[index] { control.send(command) }
        if seen >= bars { task.withLock { $0?.cancel() } }
    }
}

/// A venue whose answers to some submits are lost: the order either reached it (and exists) or did not.
final class LossyVenue: SimulatedVenue {
    let paper: PaperVenue
    let lostAfterSending: Set<String>
    let lostBeforeSending: Set<String>
    let submitted = Mutex<[String]>([])

    init(_ paper: PaperVenue, lostAfterSending: Set<String>, lostBeforeSending: Set<String>) {
        self.paper = paper
        self.lostAfterSending = lostAfterSending
        self.lostBeforeSending = lostBeforeSending
    }

    struct Timeout: Error {}

    var name: String { "lossy" }
    var isRemote: Bool { false }
    var executionReports: AsyncStream<ExecutionReport> { paper.executionReports }
    func instrument(_ market: String) throws -> Instrument { try paper.instrument(market) }
    func submit(_ order: Order) throws -> ExecutionReport {
        submitted.withLock { $0.append(order.clientOrderID) }
        if lostBeforeSending.contains(order.clientOrderID) { throw Timeout() }
        let report = try paper.submit(order)
        if lostAfterSending.contains(order.clientOrderID) { throw Timeout() }
        return report
    }
    func cancel(clientOrderID: String, market: String) throws -> ExecutionReport { try paper.cancel(clientOrderID: clientOrderID, market: market) }
    func order(clientOrderID: String, market: String) -> ExecutionReport? { paper.order(clientOrderID: clientOrderID, market: market) }
    func openOrders() -> [ExecutionReport] { paper.openOrders() }
    func fills(since time: Int64) -> [Fill] { paper.fills(since: time) }
    func balances() -> [Balance] { paper.balances() }
    func positions() -> [Position] { paper.positions() }
    func open(_ candle: Candle, market: String) throws -> (reports: [ExecutionReport], fills: [Fill]) { try paper.open(candle, market: market) }
    func snapshot() throws -> Data { try paper.snapshot() }
    func restore(_ snapshot: Data) throws { try paper.restore(snapshot) }
}

@Suite("Unknown outcomes are resolved by asking the venue, never by sending again")
struct UnknownOutcomeTests {
    @Test("an order that reached the venue fills as usual; one that did not is cancelled; no client order id is sent twice")
    func lostAnswers() async throws {
        let closes: [Double] = [100, 100, 100, 100, 100, 100, 100, 100]
        let series = rangedCandles(closes)
        let script = closes.indices.map { Decision(enter: $0 == 1 || $0 == 4, exit: $0 == 2) }
        let instrument = try Instrument.replay("BTC-USDT")
        let paper = PaperVenue(instruments: [instrument], model: FillModel(feeRate: 0), account: .init(quote: "USDT", balance: 1_000))
        let first = "scripted-BTCUSDT-\(1 * hour)-entry", second = "scripted-BTCUSDT-\(4 * hour)-entry"
        let venue = LossyVenue(paper, lostAfterSending: [first], lostBeforeSending: [second])
        let store = MemoryTradingStore()
        let loop = TradingLoop(
            configuration: .init(slots: [.init(name: "scripted", market: "BTC-USDT", strategy: Scripted(script))], startingBalance: 1_000, feeRate: 0),
            feed: ReplayFeed(markets: [("BTC-USDT", series)], interval: 3_600_000), venue: venue, store: store)
        _ = try await loop.run()
        let trades = SlotTrades.pair(store.fills()).flatMap(\.trades)
        #expect(trades.first?.entryTime == 2 * hour, "the order whose answer was lost still filled at the next open")
        #expect(trades.count == 1, "the order that never reached the venue was not filled")
        let sent = venue.submitted.withLock { $0 }
        #expect(Set(sent).count == sent.count, "sent: \(sent)")
        #expect(store.openOrders().isEmpty, "nothing is left open or unknown in the journal")
    }
}
