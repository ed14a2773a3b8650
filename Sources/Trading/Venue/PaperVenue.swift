import Foundation
import Synchronization

/// The paper exchange: a venue in its own right. It holds the account (a balance per asset), takes
/// orders as an exchange does (refusing what one would refuse, with the same kind of error), mints
/// its own exchange order ids, and fills at the next bar's open ± slippage with fees. Limit orders
/// fill when a bar trades through their price, stop-market orders when a bar reaches their stop.
public final class PaperVenue: SimulatedVenue {
    public let name = "paper"
    public let isRemote = false
    private let reports = ReportBroadcast()
    private let model: FillModel
    private let instruments: [String: Instrument]
    private let state: Mutex<Account>

    /// Everything the paper exchange knows, so a restart continues from it (kept in the journal).
    /// Balances are simulated money that never leaves the machine: kept as Doubles (the loop's own
    /// arithmetic), shown as exact decimals at the venue's interface.
    public struct Account: Sendable, Codable, Hashable {
        public var holdings: [String: Holding]
        /// Orders waiting for a bar, oldest first.
        public var open: [Order]
        public var openReports: [String: ExecutionReport]
        /// The last terminal reports, newest last (what `order(clientOrderID:)` still answers).
        public var recent: [ExecutionReport]
        /// Their client ids, for the duplicate check.
        public var recentIDs: Set<String>
        public var sequence: Int64
        /// Fills kept for `fills(since:)`, newest last.
        public var fills: [Fill]

        public init(quote: String, balance: Decimal) {
            holdings = [quote: Holding(free: balance.double, locked: 0)]
            open = []
            openReports = [:]
            recent = []
            recentIDs = []
            sequence = 0
            fills = []
        }
    }

    public struct Holding: Sendable, Codable, Hashable {
        public var free: Double
        public var locked: Double
    }

    /// The codes BingX answers these refusals with (as ccxt's BingX exception map lists them), so a
    /// paper refusal reads like the live one.
    enum BingXCode {
        static let insufficientBalance = "100202"
        static let invalidParameter = "100400"
        static let orderNotFound = "80016"
    }

    static let keptReports = 100
    static let keptFills = 100

    public init(instruments: [Instrument], model: FillModel, account: Account) {
        self.instruments = Dictionary(instruments.map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
        self.model = model
        state = Mutex(account)
    }

    /// Reports from now on; nothing is buffered for a venue nobody listens to.
    public var executionReports: AsyncStream<ExecutionReport> { reports.subscribe() }

    public var account: Account { state.withLock { $0 } }

    public func snapshot() throws -> Data { try JSONEncoder().encode(account) }

    public func restore(_ snapshot: Data) throws {
        let restored = try JSONDecoder().decode(Account.self, from: snapshot)
        state.withLock { $0 = restored }
    }

    public func instrument(_ market: String) throws -> Instrument {
        guard let instrument = instruments[market] else { throw VenueError(.invalidParameter, "unknown market \(market)", venueCode: BingXCode.invalidParameter) }
        return instrument
    }

    public func submit(_ order: Order) throws -> ExecutionReport {
        let instrument = try instrument(order.market)
        let report = try state.withLock { account throws(VenueError) -> ExecutionReport in
            guard account.openReports[order.clientOrderID] == nil, !account.recentIDs.contains(order.clientOrderID) else {
                throw VenueError(.duplicateOrder, "client order id \(order.clientOrderID) was already used")
            }
            try VenueRules.check(order, instrument)
            // Reserve what the order may spend or sell, as an exchange locks it.
            let (asset, amount) = Self.reservation(order, instrument, model)
            var holding = account.holdings[asset] ?? Holding(free: 0, locked: 0)
            guard holding.free >= amount else {
                throw VenueError(.insufficientBalance, "\(order.clientOrderID): needs \(amount) \(asset), \(holding.free) free", venueCode: BingXCode.insufficientBalance)
            }
            holding.free -= amount
            holding.locked += amount
            account.holdings[asset] = holding
            account.sequence += 1
            let report = ExecutionReport(
                clientOrderID: order.clientOrderID, exchangeOrderID: String(1_000_000_000_000_000_000 + account.sequence), market: order.market,
                side: order.side, status: .accepted, time: order.decidedAt)
            account.open.append(order)
            account.openReports[order.clientOrderID] = report
            return report
        }
        reports.send(report)
        return report
    }

    public func cancel(clientOrderID: String, market: String) throws -> ExecutionReport {
        let report = try state.withLock { account throws(VenueError) -> ExecutionReport in
            guard let index = account.open.firstIndex(where: { $0.clientOrderID == clientOrderID }) else {
                throw VenueError(.orderNotFound, "no open order \(clientOrderID) on \(market)", venueCode: BingXCode.orderNotFound)
            }
            let order = account.open.remove(at: index)
            return Self.close(order, &account, status: .cancelled, reason: "cancelled", instrument: instruments[order.market]!, model: model)
        }
        reports.send(report)
        return report
    }

    public func order(clientOrderID: String, market: String) -> ExecutionReport? {
        state.withLock { $0.openReports[clientOrderID] ?? $0.recent.last { $0.clientOrderID == clientOrderID } }
    }

    public func openOrders() -> [ExecutionReport] { state.withLock { a in a.open.compactMap { a.openReports[$0.clientOrderID] } } }
    public func fills(since time: Int64) -> [Fill] { state.withLock { $0.fills.filter { $0.time >= time } } }
    public func balances() -> [Balance] {
        state.withLock { account in
            account.holdings.sorted { $0.key < $1.key }.map { Balance(asset: $0.key, free: Decimal(exactly: $0.value.free), locked: Decimal(exactly: $0.value.locked)) }
        }
    }

    /// Spot has no positions of its own: each non-quote balance is a long position on its market.
    public func positions() -> [Position] {
        state.withLock { account in
            instruments.values.sorted { $0.symbol < $1.symbol }.compactMap { instrument in
                guard let held = account.holdings[instrument.base], held.free + held.locked > 0 else { return nil }
                return Position(strategy: "", market: instrument.symbol, quantity: Decimal(exactly: held.free + held.locked), entryPrice: 0, openedAt: 0)
            }
        }
    }

    public func open(_ candle: Candle, market: String) throws -> (reports: [ExecutionReport], fills: [Fill]) {
        guard let instrument = instruments[market] else { throw VenueError(.invalidParameter, "unknown market \(market)", venueCode: BingXCode.invalidParameter) }
        let model = model
        let (done, fills) = state.withLock { account -> ([ExecutionReport], [Fill]) in
            var done: [ExecutionReport] = []
            var fills: [Fill] = []
            var index = 0
            while index < account.open.count {
                let order = account.open[index]
                guard order.market == market, let price = Self.triggerPrice(order, candle, model) else {
                    index += 1
                    continue
                }
                account.open.remove(at: index)
                switch Self.execute(order, at: price, time: candle.openTime, &account, instrument: instrument, model: model) {
                case .success(let fill):
                    fills.append(fill)
                    done.append(Self.close(order, &account, status: .filled, reason: nil, instrument: instrument, model: model, fill: fill))
                case .failure(let refusal):
                    done.append(Self.close(order, &account, status: .expired, reason: refusal.message, instrument: instrument, model: model))
                }
            }
            account.fills.append(contentsOf: fills)
            if account.fills.count > Self.keptFills * 2 { account.fills.removeFirst(account.fills.count - Self.keptFills) }
            return (done, fills)
        }
        for report in done { reports.send(report) }
        return (done, fills)
    }

    // MARK: - Exchange rules

    /// What a new order locks: a buy its quote (a limit buy at its price with the fee; a market buy
    /// by quantity cannot be priced yet, so it locks nothing and is checked when it fills); a sell its base.
    static func reservation(_ order: Order, _ instrument: Instrument, _ model: FillModel) -> (asset: String, amount: Double) {
        switch order.side {
        case .sell: return (instrument.base, order.quantity?.double ?? 0)
        case .buy:
            if let quote = order.quoteQuantity { return (instrument.quote, quote.double) }
            if let quantity = order.quantity, let price = order.price {
                return (instrument.quote, quantity.double * price.double * (1 + model.feeRate))
            }
            return (instrument.quote, 0)
        }
    }

    /// The price this bar fills `order` at, or nil when it does not trade.
    static func triggerPrice(_ order: Order, _ candle: Candle, _ model: FillModel) -> Double? {
        switch order.type {
        case .market: return model.price(open: candle.open, side: order.side)
        case .limit:
            let limit = order.price!.double
            if order.side == .buy { return candle.open <= limit ? candle.open : candle.low <= limit ? limit : nil }
            return candle.open >= limit ? candle.open : candle.high >= limit ? limit : nil
        case .stopMarket:
            let stop = order.stopPrice!.double
            if order.side == .sell {
                return candle.open <= stop ? model.price(open: candle.open, side: .sell) : candle.low <= stop ? model.price(open: stop, side: .sell) : nil
            }
            return candle.open >= stop ? model.price(open: candle.open, side: .buy) : candle.high >= stop ? model.price(open: stop, side: .buy) : nil
        }
    }

    static func execute(
        _ order: Order, at price: Double, time: Int64, _ account: inout Account, instrument: Instrument, model: FillModel
    ) -> Result<Fill, VenueError> {
        let quantity: Decimal
        if let quote = order.quoteQuantity {
            quantity = instrument.quantity(model.affordableQuantity(cash: quote.double, price: price))
        } else {
            quantity = order.quantity!
        }
        let q = quantity.double
        guard q > 0, q >= instrument.minimumQuantity else {
            return .failure(VenueError(.invalidParameter, "quantity \(quantity) at \(price) is below the minimum \(instrument.minQuantity) of \(instrument.symbol)", venueCode: BingXCode.invalidParameter))
        }
        guard q * price >= instrument.minimumNotional else {
            return .failure(VenueError(.invalidParameter, "order value \(q * price) is below the minimum notional \(instrument.minNotional)", venueCode: BingXCode.invalidParameter))
        }
        // Reported to 1e-10, as an exchange reports average prices and fees with bounded precision.
        let price = (price * 1e10).rounded() / 1e10
        let fee = (model.fee(quantity: q, price: price) * 1e10).rounded() / 1e10
        let notional = q * price
        let reserved = reservation(order, instrument, model).amount
        var quoteHolding = account.holdings[instrument.quote] ?? Holding(free: 0, locked: 0)
        var baseHolding = account.holdings[instrument.base] ?? Holding(free: 0, locked: 0)
        if order.side == .buy {
            let cost = notional + fee
            guard quoteHolding.free + reserved >= cost else {
                return .failure(VenueError(
                    .insufficientBalance, "\(order.clientOrderID): costs \(cost) \(instrument.quote), \(quoteHolding.free + reserved) available",
                    venueCode: BingXCode.insufficientBalance))
            }
            quoteHolding.locked -= reserved
            quoteHolding.free += reserved - cost
            baseHolding.free += q
        } else {
            baseHolding.locked -= reserved
            baseHolding.free += reserved - q
            quoteHolding.free += notional - fee
        }
        account.holdings[instrument.quote] = quoteHolding
        account.holdings[instrument.base] = baseHolding
        let exchangeID = account.openReports[order.clientOrderID]?.exchangeOrderID ?? ""
        return .success(Fill(
            clientOrderID: order.clientOrderID, exchangeOrderID: exchangeID, tradeID: exchangeID + "-1", market: order.market, side: order.side,
            price: Decimal(exactly: price), quantity: quantity, fee: Decimal(exactly: fee), feeAsset: instrument.quote, time: time))
    }

    /// Takes a finished order off the book, releasing what it still had locked.
    static func close(
        _ order: Order, _ account: inout Account, status: OrderStatus, reason: String?, instrument: Instrument, model: FillModel, fill: Fill? = nil
    ) -> ExecutionReport {
        if fill == nil, case let (asset, amount) = reservation(order, instrument, model), amount > 0, var holding = account.holdings[asset] {
            holding.locked -= amount
            holding.free += amount
            account.holdings[asset] = holding
        }
        var report = account.openReports.removeValue(forKey: order.clientOrderID)
            ?? ExecutionReport(clientOrderID: order.clientOrderID, exchangeOrderID: nil, market: order.market, side: order.side, status: .accepted, time: 0)
        report.status = status
        report.reason = reason
        if let fill {
            report.filledQuantity = fill.quantity
            report.averagePrice = fill.price
            report.time = fill.time
        }
        account.recent.append(report)
        account.recentIDs.insert(report.clientOrderID)
        if account.recent.count > keptReports * 2 {
            for old in account.recent.prefix(account.recent.count - keptReports) { account.recentIDs.remove(old.clientOrderID) }
            account.recent.removeFirst(account.recent.count - keptReports)
        }
        return report
    }
}

/// Execution reports to every current subscriber; with none (a backtest), sending costs a lock.
final class ReportBroadcast: Sendable {
    private let subscribers = Mutex<(next: Int, all: [Int: AsyncStream<ExecutionReport>.Continuation])>((0, [:]))

    func subscribe() -> AsyncStream<ExecutionReport> {
        let (stream, continuation) = AsyncStream.makeStream(of: ExecutionReport.self, bufferingPolicy: .bufferingNewest(1000))
        let id = subscribers.withLock { s in
            defer { s.next += 1 }
            s.all[s.next] = continuation
            return s.next
        }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.all.removeValue(forKey: id) } }
        return stream
    }

    func send(_ report: ExecutionReport) {
        let current = subscribers.withLock { $0.all.isEmpty ? [] : Array($0.all.values) }
        for continuation in current { continuation.yield(report) }
    }
}
