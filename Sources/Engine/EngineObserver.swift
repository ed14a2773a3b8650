import Foundation
import Synchronization
import Logging
import Systemd
import Trading
import WardenProtocol

/// How far through its feed the engine is: a replay's position among its bars, or a live feed's
/// count of bars seen (no end).
struct FeedProgress: Sendable {
    var markets: [String]
    /// Bars in a replay; nil for a live feed.
    var count: Int?
    var position: @Sendable (Int64) -> Int

    static func replay(_ feed: ReplayFeed<ContinuousClock>) -> FeedProgress {
        FeedProgress(markets: feed.markets, count: feed.count, position: { feed.position(through: $0) })
    }
}

/// Turns what the loop does into the engine's metrics, status, STATUS= lines and logs.
final class EngineObserver: TradingObserver {
    let engine: TradingEngine
    let feed: FeedProgress
    let notifier: SystemdNotifier
    private let lastStatus = Mutex(ContinuousClock.now - .seconds(10))
    private let lastFigures = Mutex(ContinuousClock.now - .seconds(10))
    /// Bars seen in this run, the position of a live feed.
    private let seen = Mutex(0)
    private let marketIndex: [String: Int]

    init(engine: TradingEngine, feed: FeedProgress, notifier: SystemdNotifier) {
        self.engine = engine
        self.feed = feed
        self.notifier = notifier
        let portfolio = engine.settings.portfolio
        let horizon = max(1, Int(portfolio.horizon.seconds * 1000) / Int(max(engine.interval, 1)))
        engine.metrics.portfolio.withLock {
            $0 = PortfolioMeter(watch: PortfolioWatch(markets: feed.markets, settings: .init(
                window: portfolio.window(horizon: horizon), horizon: horizon, paths: portfolio.monteCarloPaths, monteCarloEvery: portfolio.monteCarloEvery)))
        }
        marketIndex = Dictionary(feed.markets.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The bar's closes into the returns window and the positions held at them (the figures are
    /// computed when the metrics are read).
    private func measure(_ bar: BarSummary) {
        engine.metrics.portfolio.withLock { meter in
            guard var watch = meter?.watch else { return }
            meter = nil  // the watch held once, so observing does not copy its window
            var closes = [Double?](repeating: nil, count: watch.markets.count)
            for (market, candle) in bar.candles { if let index = marketIndex[market] { closes[index] = candle.close } }
            watch.observe(closes: closes)
            var values = [Double](repeating: 0, count: watch.markets.count)
            let last = watch.closes
            for position in bar.positions where position.quantity > 0 {
                if let index = marketIndex[position.market], let close = last[index] { values[index] += position.quantity * close }
            }
            meter = PortfolioMeter(watch: watch, values: values, equity: bar.equity)
        }
    }

    func position(_ time: Int64) -> Int { feed.count == nil ? seen.withLock { $0 } : feed.position(time) }

    func started(resumedFrom time: Int64?) {
        guard let time else { return }
        engine.logger.info("engine resumed from its journal", metadata: ["bar": "\(time)", "bars_done": "\(position(time))"])
    }

    func decided(strategy: String, market: String, decision: Decision, at time: Int64) {
        if decision.enter { engine.metrics.update { $0.signals["\(strategy)/entry", default: 0] += 1 } }
        if decision.exit { engine.metrics.update { $0.signals["\(strategy)/exit", default: 0] += 1 } }
    }

    func barProcessed(_ bar: BarSummary) {
        if feed.count == nil { seen.withLock { $0 += 1 } }
        let done = position(bar.time)
        let state = bar.failedClosed != nil ? "fail_closed" : bar.haltReason != nil ? "halted" : bar.paused != nil ? "paused"
            : bar.reducingReason != nil ? "reducing" : "trading"
        engine.metrics.observeDecision(seconds: bar.decisionSeconds)
        measure(bar)
        // The portfolio's figures cost up to a tenth of a second (Monte Carlo, the worst week): at
        // most every five seconds, and at the last bar of a replay, never on a scrape's clock.
        let now = ContinuousClock.now
        let figuresDue = lastFigures.withLock { last in
            guard now - last >= .seconds(5) || feed.count == done else { return false }
            last = now
            return true
        }
        if figuresDue { engine.metrics.refreshPortfolioFigures() }
        engine.metrics.update { m in
            m.equity = bar.equity
            m.drawdown = bar.drawdown
            m.unknownOrders = bar.unknownOrders
            m.dailyPnL = bar.dailyPnLRatio
            m.haltKind = bar.paused != nil ? "operator" : bar.haltReason.map {
                $0.hasPrefix("daily loss") ? "daily_loss" : $0.hasPrefix("monthly loss") ? "monthly_loss" : "max_drawdown"
            }
            m.riskState = bar.haltReason != nil ? 2 : bar.reducingReason != nil ? 1 : 0
            m.monthlyPnL = bar.monthlyPnLRatio
            m.weights = bar.weights
            m.loopValueAtRisk = bar.valueAtRisk
            m.progress = feed.count.map { Double(done) / Double(max($0, 1)) } ?? 0
            m.lastBarWallTime = Date()
            for position in bar.positions { m.positions[EngineMetrics.Slot(strategy: position.strategy, market: position.market)] = position.quantity }

            for market in feed.markets { m.markets.insert(market) }
        }
        engine.publish { $0 = TradingStatus(state: state, reason: bar.failedClosed ?? bar.haltReason ?? bar.paused ?? bar.reducingReason, bar: done, bars: self.feed.count ?? done, equity: bar.equity) }
        if engine.events.hasReaders {
            engine.events.publish(.equity, time: bar.time, EquityEvent(equity: bar.equity, cash: bar.cash, drawdown: bar.drawdown))
            engine.events.publish(.positions, time: bar.time, bar.positions.map { PositionEvent(strategy: $0.strategy, market: $0.market, quantity: $0.quantity) })
            for (market, candle) in bar.candles {
                engine.events.publish(.candles, time: bar.time, CandleEvent(
                    market: market, openTime: candle.openTime, open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume))
            }
        }
        let due = lastStatus.withLock { last in
            guard now - last > .seconds(1) else { return false }
            last = now
            return true
        }
        if due {
            let suffix = state == "trading" ? "" : ", \(state.uppercased()): \(bar.failedClosed ?? bar.haltReason ?? bar.paused ?? bar.reducingReason ?? "")"
            let progress = feed.count.map { String(format: "bar %d of %d", done, $0) } ?? "live, \(done) bars"
            notifier.status("engine: \(progress), equity \(String(format: "%.2f", bar.equity))" + suffix)
        }
    }

    func sending(_ order: Order, secondsSinceDecision: Double) { engine.metrics.observeSend(seconds: secondsSinceDecision) }

    func ordersSent(_ orders: [Order], reports: [ExecutionReport]) {
        for order in orders {
            let result = reports.first { $0.clientOrderID == order.clientOrderID }?.status == .rejected ? "rejected" : "sent"
            engine.metrics.update { $0.orders["\(order.side.rawValue)/\(result)", default: 0] += 1 }
            engine.logger.info("order sent", metadata: ["client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)", "market": "\(order.market)"])
            engine.events.publish(.orders, time: order.decidedAt, OrderEvent(
                clientOrderID: order.clientOrderID, market: order.market, side: order.side.rawValue, type: "\(order.type)", result: result))
        }
    }

    func filled(_ recorded: RecordedFill) {
        let fill = recorded.fill
        engine.metrics.update { $0.fills += 1; $0.orders["\(fill.side.rawValue)/filled", default: 0] += 1 }
        engine.events.publish(.fills, time: fill.time, recorded)
        engine.logger.info("order filled", metadata: [
            "client_order_id": "\(fill.clientOrderID)", "side": "\(fill.side.rawValue)", "price": "\(fill.price)", "quantity": "\(fill.quantity)",
            "fee": "\(fill.fee)",
        ])
    }

    func externalOrders(_ ids: [String]) {
        engine.metrics.update { $0.externalOrders = ids.count }
        if !ids.isEmpty {
            engine.logger.warning("the exchange holds open orders Warden did not place; they are left alone", metadata: ["exchange_order_ids": "\(ids.joined(separator: ","))"])
        }
    }

    func failedClosed(_ reason: String?, at time: Int64) {
        engine.metrics.update { m in
            m.failedClosed = reason != nil
            if reason != nil { m.mismatches += 1 }
        }
        if let reason {
            engine.logger.critical("trading fails closed: no new entries until balances agree or `warden trading resume --by NAME` after checking", metadata: ["reason": "\(reason)"])
            notifier.status("engine: FAIL_CLOSED: \(reason)")
            engine.publish { $0.state = "fail_closed"; $0.reason = reason }
        } else {
            engine.logger.warning("balances agree with the journal again; new entries resume")
        }
    }

    func halted(_ reason: String, at time: Int64) {
        engine.logger.critical("trading halted by a risk limit: new entries stop until `warden trading resume`", metadata: ["reason": "\(reason)"])
        notifier.status("engine: HALTED: \(reason)")
    }

    /// Audit entries once they are durable (the `audit` category), and a slow journal write (the
    /// `performance` category: a journal slower than the bars arrive falls behind the market).
    func journaled(audit: [AuditEntry], bars: Int, seconds: Double) {
        for entry in audit {
            Self.audit.info("\(entry.action)", metadata: [
                "actor": "\(entry.actor)", "target": "\(entry.target)", "detail": "\(entry.detail)", "bar": "\(entry.time)",
            ])
        }
        if seconds > Self.slowWrite {
            Self.performance.warning("slow journal write", metadata: [
                "seconds": "\(String(format: "%.3f", seconds))", "bars": "\(bars)", "database": "\(engine.store.location)",
            ])
        }
    }

    static let audit = Logger(label: "warden.audit")
    static let performance = Logger(label: "warden.performance")
    /// A write slower than this is reported.
    static let slowWrite = 0.5

    func commandApplied(_ command: TradingControl.Command, message: String, at time: Int64) {
        engine.logger.warning("operator command applied", metadata: ["message": "\(message)", "bar": "\(time)"])
        engine.publish { status in
            switch command {
            case .pause(let by):
                status.state = "paused"
                status.reason = "paused by \(by)"
            case .resume:
                if status.state == "paused" || status.state == "halted" { status.state = status.bar >= status.bars ? "finished" : "trading" }
                status.reason = nil
            default: break
            }
        }
        if case .pause(let by) = command { notifier.status("engine: PAUSED by \(by)") }
        engine.events.publish(.status, time: time, engine.status())
    }

    func slotsChanged(_ slots: [SlotView]) { engine.slotViews.withLock { $0 = slots } }

    func feedEnded(equity: Double, at time: Int64?) {
        // Also after a restart whose checkpoint was already the last bar (no bar processed in this run).
        let done = time.map(position) ?? 0
        engine.metrics.update { m in
            m.equity = equity
            m.progress = feed.count.map { Double(done) / Double(max($0, 1)) } ?? 0
            // A finished replay expects no more bars: its data is not stale, so no age is exported
            // (WardenMarketDataStale would fire forever after every replay).
            m.lastBarWallTime = nil
        }
        engine.publish { status in
            status.equity = equity
            status.bar = done
            status.bars = self.feed.count ?? done
            if status.state == "trading" || status.state == "starting" { status.state = "finished" }
        }
        notifier.status(String(format: "engine: replay finished, equity %.2f", equity))
        engine.logger.info("replay finished", metadata: ["bars": "\(feed.count ?? done)", "equity": "\(equity)"])
    }
}
