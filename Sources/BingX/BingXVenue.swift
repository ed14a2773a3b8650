import Crypto
import Foundation
import NIOHTTP1
import Synchronization
import Trading
import WardenCore

/// BingX spot or perpetual swap as a `Venue`. Orders carry Warden's deterministic client order id
/// (BingX takes letters, digits and `_`: see `venueID`); a submit without an answer leaves the
/// order unknown and it is asked about, never sent again. Order changes and
/// fills are read over REST (`takeEvents`) for the orders this process follows: those the user
/// data stream says changed (`BingXUserStream`), every order while that stream is down.
public final class BingXVenue: LiveVenue {
    public let name = "bingx"
    public var isRemote: Bool { true }

    let client: BingXClient
    let api: any BingXMarketAPI
    let markets: [String]
    let instruments = Mutex<[String: Instrument]>([:])
    let followed = Mutex<[String: Followed]>([:])
    /// When this process started: an order it did not send itself may still be in flight until
    /// then plus the receive window (BingX refuses a request that arrives later).
    let startedAt: Int64

    /// What the venue knows of one order it follows, keyed by Warden's client order id.
    struct Followed: Sendable {
        var market: String
        var side: Side
        var sentAt: Int64?
        /// A reduce-only stop guarding a position: it can only take risk off.
        var protective = false
        var exchangeOrderID: String?
        var last: ExecutionReport?
        /// The last state handed to the loop by `takeEvents`.
        var reported: ExecutionReport?
        var tradeIDs: Set<String> = []
        var filled: Decimal = 0
        /// When `takeEvents` last asked BingX about it.
        var polledAt: ContinuousClock.Instant?
    }

    /// While the user data stream is up, an order is asked about when the stream says it changed,
    /// and at least this often (what the stream might miss); while it is down, at every chance.
    static let pollWhileStreaming: Duration = .seconds(15)
    /// Whether the user data stream is up, and the orders it said changed (BingX's ids, and the
    /// client ids as BingX spells them) since they were last asked about.
    let streaming = Mutex(false)
    let pushes = Mutex<Set<String>>([])

    /// The user stream came up (subscribed) or went down.
    public func userStream(up: Bool) { streaming.withLock { $0 = up } }

    /// The user stream says an order of the account changed.
    public func pushed(orderID: String, clientOrderID: String?) {
        pushes.withLock { pushed in
            pushed.insert(orderID)
            if let clientOrderID { pushed.insert(clientOrderID) }
        }
    }

    /// The account's positions changed in `markets` (swap's `ACCOUNT_UPDATE`): every order this
    /// process follows there is asked about at the next chance.
    public func positionsChanged(in markets: [String]) {
        let ids = followed.withLock { followed in
            followed.compactMap { id, known in markets.contains(known.market) ? (known.exchangeOrderID ?? Self.venueID(id)) : nil }
        }
        pushes.withLock { $0.formUnion(ids) }
    }

    /// Whether `takeEvents` should ask about a followed order now.
    func due(_ id: String, _ known: Followed) -> Bool {
        guard streaming.withLock({ $0 }) else { return true }
        guard let polled = known.polledAt, known.exchangeOrderID != nil else { return true }
        if polled.duration(to: .now) >= Self.pollWhileStreaming { return true }
        return pushes.withLock { $0.contains(known.exchangeOrderID!) || $0.contains(Self.venueID(id)) }
    }

    /// The dead-man switch's timeout in seconds (nil: off), and when it was last refreshed.
    let cancelAfter: Int?
    let armedAt = Mutex<ContinuousClock.Instant?>(nil)

    public init(client: BingXClient, market: ExchangeSettings.Market = .spot, markets: [String], cancelAfter: Duration? = nil) {
        self.client = client
        api = market.api
        self.markets = markets
        self.cancelAfter = cancelAfter.map { Int($0.seconds) }.flatMap { $0 > 0 ? $0 : nil }
        startedAt = client.serverNow
    }

    // MARK: Dead-man switch

    /// Refreshes BingX's `cancelAllAfter` a third of its timeout after the last refresh: if this
    /// process hangs or dies, BingX cancels every open order when the timeout runs out. A refresh
    /// that fails is retried at the next heartbeat; BingX's timer keeps running meanwhile.
    public func heartbeat() async {
        guard let cancelAfter else { return }
        // Only positions' guards open: nothing left unwatched can add risk, and BingX's switch
        // would cancel the stops along with everything else. The timer stays closed meanwhile.
        let (guards, others) = followed.withLock { followed in
            let open = followed.values.filter { $0.last.map { !$0.status.isTerminal } ?? true }
            return (open.contains { $0.protective }, open.contains { !$0.protective })
        }
        if guards, !others {
            if armedAt.withLock({ $0 }) != nil {
                _ = try? await api.cancelAllAfter(client, timeout: nil)
                armedAt.withLock { $0 = nil }
                client.metrics.armed(until: nil)
            }
            return
        }
        let due = armedAt.withLock { last in last.map { ContinuousClock.now - $0 >= .seconds(cancelAfter) / 3 } ?? true }
        guard due else { return }
        guard let trigger = try? await api.cancelAllAfter(client, timeout: cancelAfter) else { return }
        armedAt.withLock { $0 = .now }
        client.metrics.armed(until: trigger)
    }

    /// A clean stop: the timer is closed, so orders left open on purpose stay.
    public func disarm() async {
        guard cancelAfter != nil else { return }
        _ = try? await api.cancelAllAfter(client, timeout: nil)
        client.metrics.armed(until: nil)
    }

    /// Warden's id as BingX takes it: lower case (swap lowers it anyway), `_` for anything but
    /// letters and digits, at most 40; a longer one keeps its start and ends in a digest of the
    /// whole, so two ids never meet in one.
    public static func venueID(_ clientOrderID: String) -> String {
        let plain = String(clientOrderID.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        guard plain.count > 40 else { return plain }
        let digest = SHA256.hash(data: Data(clientOrderID.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return String(plain.prefix(23)) + "_" + digest
    }

    // MARK: Start

    /// The clock checked and every market's rules loaded: called before the loop starts.
    public func prepare() async throws(VenueError) {
        try await client.syncClock(path: api.serverTimePath)
        try await api.prepare(client)
        let loaded = try await api.instruments(client, markets: markets)
        instruments.withLock { $0 = loaded }
        await heartbeat()
    }

    /// Whether the account holds positions (swap) rather than assets (spot).
    public var holdsPositions: Bool { api.holdsPositions }

    public func instrument(_ market: String) async throws -> Instrument {
        guard let instrument = instruments.withLock({ $0[market] }) else { throw VenueError(.invalidParameter, "unknown market \(market) (not loaded from BingX)") }
        return instrument
    }

    // MARK: Orders

    public func submit(_ order: Order) async throws -> ExecutionReport {
        let instrument = try await instrument(order.market)
        try VenueRules.check(order, instrument)
        // Followed before it is sent: an answer lost on the way still has its order watched.
        followed.withLock {
            $0[order.clientOrderID] = Followed(
                market: order.market, side: order.side, sentAt: client.serverNow, protective: order.type == .stopMarket && order.reduceOnly)
        }
        let answer: Result<BingXOrder, VenueError>
        do { answer = .success(try await api.place(client, order, id: Self.venueID(order.clientOrderID))) } catch { answer = .failure(error) }
        switch answer {
        case .success(let placed):
            return remember(placed.report(clientOrderID: order.clientOrderID, market: order.market))
        case .failure(let error) where error.venueCode == "101481" || error.message.lowercased().contains("cannot be repeated"):
            // "clientOrderID cannot be repeated": it exists already; say what it is.
            if let report = try await self.order(clientOrderID: order.clientOrderID, market: order.market) { return report }
            throw VenueError(.unknown, "\(order.clientOrderID): BingX says the id is taken but does not find the order")
        case .failure(let error):
            throw error
        }
    }

    public func cancel(clientOrderID: String, market: String) async throws -> ExecutionReport {
        let cancelled = try await api.cancel(client, id: Self.venueID(clientOrderID), market: market)
        return remember(cancelled.report(clientOrderID: clientOrderID, market: market))
    }

    public func order(clientOrderID: String, market: String) async throws -> ExecutionReport? {
        if let found = try await query(clientOrderID: clientOrderID, market: market) { return found }
        // Not there yet is not never: a request in flight is accepted until its timestamp's window
        // closes (one sent before this process started, by then at the latest). Wait for it, ask once more.
        let sentAt = followed.withLock { $0[clientOrderID]?.sentAt } ?? startedAt
        let deadline = sentAt + client.recvWindow + 1000
        let wait = deadline - client.serverNow
        if wait > 0 {
            try await Task.sleep(for: .milliseconds(wait))
            if let found = try await query(clientOrderID: clientOrderID, market: market) { return found }
        }
        followed.withLock { _ = $0.removeValue(forKey: clientOrderID) }
        return nil
    }

    /// The order as BingX has it now; nil when BingX does not know it (yet).
    func query(clientOrderID: String, market: String) async throws -> ExecutionReport? {
        let answer: Result<BingXOrder, VenueError>
        do { answer = .success(try await api.query(client, id: Self.venueID(clientOrderID), market: market)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let found):
            if followed.withLock({ $0[clientOrderID] == nil }) {
                // Learnt from BingX (after a restart): a position's guard stays one, so the switch keeps off it.
                followed.withLock { $0[clientOrderID] = Followed(market: market, side: found.isBuy ? .buy : .sell, protective: found.isProtective) }
            }
            return remember(found.report(clientOrderID: clientOrderID, market: market))
        case .failure(let error) where error.code == .orderNotFound || error.venueCode == "109414":
            return nil
        case .failure(let error):
            throw error
        }
    }

    public func openOrders() async throws -> [ExecutionReport] {
        let open = try await api.openOrders(client)
        let known = followed.withLock { Dictionary($0.keys.map { (Self.venueID($0), $0) }, uniquingKeysWith: { a, _ in a }) }
        return open.map { order in
            // An order this process did not send keeps BingX's id: the caller reports it as external.
            let id = order.clientOrderID.flatMap { $0.isEmpty ? nil : known[$0] ?? $0 } ?? order.orderID
            return order.report(clientOrderID: id, market: order.symbol)
        }
    }

    public func fills(since time: Int64) async throws -> [Fill] {
        var all: [Fill] = []
        let byExchangeID = followed.withLock { Dictionary($0.compactMap { key, value in value.exchangeOrderID.map { ($0, key) } }, uniquingKeysWith: { a, _ in a }) }
        for market in markets {
            for trade in try await api.trades(client, market: market, orderID: nil, since: time) {
                guard let id = byExchangeID[trade.orderID] else { continue }
                all.append(fill(trade, clientOrderID: id, market: market))
            }
        }
        // Handed out here (a reconciliation), so `takeEvents` does not hand them out again.
        followed.withLock { entry in
            for fill in all where entry[fill.clientOrderID]?.tradeIDs.insert(fill.tradeID).inserted == true {
                entry[fill.clientOrderID]?.filled += fill.quantity
            }
        }
        return all.sorted { $0.time < $1.time }
    }

    public func balances() async throws -> [Balance] {
        try await api.balances(client)
    }

    /// Swap's open positions (a short negative); none on spot, which holds assets.
    public func positions() async throws -> [Position] { try await api.positions(client) }

    public var executionReports: AsyncStream<ExecutionReport> { AsyncStream { $0.finish() } }

    // MARK: Events

    /// Polls each followed order that is not finished; new fills are read by the order's trades.
    /// A change is handed out only with its fills: an order whose trades cannot be read now (a 429,
    /// no answer, trades not listed yet) is skipped and asked again next time, never reported
    /// filled without them.
    public func takeEvents() async throws -> (reports: [ExecutionReport], fills: [Fill]) {
        var reports: [ExecutionReport] = []
        var fills: [Fill] = []
        // Orders not finished, and finished ones whose fills are not all read yet (a market order
        // is often filled in its submit's answer).
        let open = followed.withLock {
            $0.filter { _, known in known.last.map { !$0.status.isTerminal || $0.filledQuantity > known.filled } ?? true }
        }
        for (id, known) in open.sorted(by: { $0.key < $1.key }) {
            let report: ExecutionReport
            if let last = known.last, last.status.isTerminal {
                report = last
            } else {
                guard due(id, known) else { continue }
                pushes.withLock { pushed in
                    if let exchangeID = known.exchangeOrderID { pushed.remove(exchangeID) }
                    pushed.remove(Self.venueID(id))
                }
                followed.withLock { $0[id]?.polledAt = .now }
                guard let asked = try? await query(clientOrderID: id, market: known.market) else { continue }
                report = asked
            }
            var filled = known.filled
            if report.filledQuantity > filled, let exchangeID = report.exchangeOrderID {
                guard let trades = try? await api.trades(client, market: known.market, orderID: exchangeID, since: nil) else { continue }
                let new = trades.filter { !known.tradeIDs.contains($0.id) }.map { fill($0, clientOrderID: id, market: known.market) }
                filled += new.reduce(0) { $0 + $1.quantity }
                followed.withLock { entry in
                    entry[id]?.tradeIDs.formUnion(new.map(\.tradeID))
                    entry[id]?.filled = filled
                }
                fills += new
                // BingX lists a trade a moment after the order shows it: the order waits for it.
                if filled < report.filledQuantity { continue }
            }
            if report.status != known.reported?.status || report.filledQuantity != known.reported?.filledQuantity {
                reports.append(report)
                followed.withLock { $0[id]?.reported = report }
            }
        }
        return (reports, fills.sorted { $0.time < $1.time })
    }

    func fill(_ trade: BingXTrade, clientOrderID: String, market: String) -> Fill {
        let side = followed.withLock { $0[clientOrderID]?.side } ?? (trade.isBuyer == false ? .sell : .buy)
        return Fill(
            clientOrderID: clientOrderID, exchangeOrderID: trade.orderID, tradeID: trade.id, market: market, side: side, price: trade.price,
            quantity: trade.quantity, fee: trade.fee, feeAsset: trade.feeAsset, time: trade.time)
    }

    @discardableResult
    func remember(_ report: ExecutionReport) -> ExecutionReport {
        followed.withLock { entry in
            entry[report.clientOrderID]?.last = report
            entry[report.clientOrderID]?.exchangeOrderID = report.exchangeOrderID
        }
        return report
    }
}
