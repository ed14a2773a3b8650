import Foundation
import Synchronization
import Hummingbird
import Trading
import WardenProtocol

/// Trading: the engine's state, pause/resume, positions, orders, fills, trades, manual orders.
enum TradingRoutes {
    struct Page<Item: Encodable>: Encodable {
        var items: [Item]
        /// Pass as `cursor` for the next page; absent on the last one.
        var nextCursor: Int?
        var total: Int
        enum CodingKeys: String, CodingKey {
            case items, total
            case nextCursor = "next_cursor"
        }

        /// A page of `items` starting at `offset` of `total`; the next cursor is where the next page starts.
        init(items: [Item], offset: Int, total: Int) {
            self.items = items
            self.total = total
            let end = offset + items.count
            nextCursor = end < total ? end : nil
        }
    }

    struct Portfolio: Encodable {
        var equity: Double
        var positions: [PositionItem]
        /// Open positions at their entry prices, as a fraction of equity.
        var exposure: Double
        var openOrders: Int
        enum CodingKeys: String, CodingKey {
            case equity, positions, exposure
            case openOrders = "open_orders"
        }
    }

    struct PositionItem: Encodable {
        var strategy: String
        var market: String
        var quantity: Decimal
        var entryPrice: Decimal
        var openedAt: Int64
        enum CodingKeys: String, CodingKey {
            case strategy, market, quantity
            case entryPrice = "entry_price", openedAt = "opened_at"
        }
        init(_ position: Position) {
            strategy = position.strategy
            market = position.market
            quantity = position.quantity
            entryPrice = position.entryPrice
            openedAt = position.openedAt
        }
    }

    struct ManualOrder: Decodable {
        var market: String
        var side: String
        var quantity: Double
        var price: Double?
    }

    /// The engine's status for at most 50 ms: a dashboard polling it from many tabs costs the
    /// engine one socket call per 50 ms, and a pause or resume answers with the fresh status itself.
    final class StatusCache: Sendable {
        private let latest = Mutex<(reply: TradingReply, body: ByteBuffer, at: ContinuousClock.Instant)?>(nil)
        let engine: EngineClient

        init(engine: EngineClient) { self.engine = engine }

        func status() async throws -> TradingReply { try await current().reply }

        /// The status encoded once per refresh: every reader within the 50 ms gets the same bytes.
        func body() async throws -> ByteBuffer { try await current().body }

        private func current() async throws -> (reply: TradingReply, body: ByteBuffer) {
            let now = ContinuousClock.now
            if let cached = latest.withLock({ $0 }), now - cached.at < .milliseconds(50) { return (cached.reply, cached.body) }
            let reply = try await peerCall("engine") { try await engine.status() }
            let body = ByteBuffer(bytes: try JSON.encoder.encode(reply))
            latest.withLock { $0 = (reply, body, now) }
            return (reply, body)
        }

        func forget() { latest.withLock { $0 = nil } }
    }

    /// Fills pages as sent, each valid while no fill has been journaled since (`fillsStamp`): a
    /// dashboard's many readers of the same page cost one cheap read each, not a query and an
    /// encoding. At most `capacity` pages are kept; a full cache starts again empty. The stamp
    /// itself is read at most every `stampFreshness` ms (as the status is cached for 50 ms): a
    /// new fill shows that much later at worst, and a busy page costs no database read at all.
    final class PageCache: Sendable {
        static let capacity = 256
        static let stampFreshness: Int64 = 50
        private let pages = Mutex<[FillQuery: (stamp: Int64, body: ByteBuffer)]>([:])
        private let lastStamp = Mutex<(value: Int64, readAt: Int64)?>(nil)
        private let now: @Sendable () -> Int64

        init(now: @escaping @Sendable () -> Int64) { self.now = now }

        /// The journal's fill stamp, read again once the last reading is `stampFreshness` old.
        func stamp(read: () async throws -> Int64) async throws -> Int64 {
            let time = now()
            if let last = lastStamp.withLock({ $0 }), time - last.readAt < Self.stampFreshness, time >= last.readAt { return last.value }
            let value = try await read()
            lastStamp.withLock { $0 = (value, time) }
            return value
        }

        func page(_ query: FillQuery, stamp: Int64, make: () async throws -> ByteBuffer) async throws -> ByteBuffer {
            if let cached = pages.withLock({ $0[query] }), cached.stamp == stamp { return cached.body }
            let body = try await make()
            pages.withLock { pages in
                if pages.count >= Self.capacity { pages.removeAll(keepingCapacity: true) }
                pages[query] = (stamp, body)
            }
            return body
        }
    }

    static func routes(_ services: APIServices) -> [APIRoute] {
        let engine = services.engine
        let store = services.store
        let cache = StatusCache(engine: engine)
        let fillPages = PageCache(now: services.now)
        return [
            APIRoute(.get, "/trading/status", role: .viewer) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: try await cache.body()))
            },
            APIRoute(.post, "/trading/stop", role: .operator) { _, context in
                let by = try context.caller.actor
                defer { cache.forget() }
                return try JSON.response(try await peerCall("engine") { try await engine.pause(by: by) })
            },
            APIRoute(.post, "/trading/start", role: .operator) { _, context in
                let by = try context.caller.actor
                defer { cache.forget() }
                return try JSON.response(try await peerCall("engine") { try await engine.resume(by: by) })
            },
            APIRoute(.get, "/trading/positions", role: .viewer) { _, _ in try JSON.response(try await store.positions().map(PositionItem.init)) },
            APIRoute(.get, "/trading/portfolio", role: .viewer) { _, _ in
                let status = try await cache.status().status
                let positions = try await store.positions()
                let held = positions.reduce(0.0) { $0 + NSDecimalNumber(decimal: $1.quantity * $1.entryPrice).doubleValue }
                return try JSON.response(Portfolio(
                    equity: status.equity, positions: positions.map(PositionItem.init), exposure: status.equity > 0 ? held / status.equity : 0,
                    openOrders: try await store.openOrders().count))
            },
            APIRoute(.get, "/trading/orders", role: .viewer) { _, _ in
                try JSON.response(try await peerCall("engine") { try await engine.openOrders() })
            },
            APIRoute(.post, "/trading/orders", role: .operator) { request, context in
                let order = try await request.decode(as: ManualOrder.self, context: context)
                guard ["buy", "sell"].contains(order.side.lowercased()) else { throw APIError.invalid("side", "side must be buy or sell, found '\(order.side)'") }
                guard order.quantity > 0, order.quantity.isFinite else { throw APIError.invalid("quantity", "quantity must be a positive number") }
                if let price = order.price, !(price > 0 && price.isFinite) { throw APIError.invalid("price", "price must be a positive number") }
                let by = try context.caller.actor
                let reply = try await peerCall("engine") {
                    try await engine.place(OrderRequest(market: order.market, side: order.side.lowercased(), quantity: order.quantity, price: order.price), by: by)
                }
                return try JSON.response(reply, status: reply.ok ? .created : .conflict)
            },
            APIRoute(.post, "/trading/orders/{id}/cancel", role: .operator) { _, context in
                let id = try context.parameter("id")
                let by = try context.caller.actor
                let reply = try await peerCall("engine") { try await engine.cancel(id, by: by) }
                return try JSON.response(reply, status: reply.ok ? .ok : .conflict)
            },
            APIRoute(.get, "/trading/fills", role: .viewer) { request, _ in
                let query = try HistoryFilter.query(request)
                // The stamp is read before the page: a fill journaled in between leaves a fresh page
                // under the old stamp (read again next time), never a stale page under the new one.
                let stamp = try await fillPages.stamp { try await store.fillsStamp() }
                let body = try await fillPages.page(query, stamp: stamp) {
                    let page = try await store.fills(query)
                    return FillsPageWriter.page(page.fills, offset: query.offset, total: page.total)
                }
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
            },
            APIRoute(.get, "/trading/trades", role: .viewer) { request, _ in
                let query = try HistoryFilter.query(request)
                let trades = SlotTrades.pair(try await store.fills()).flatMap { slot in
                    slot.trades.map { TradeItem(strategy: slot.strategy, market: slot.market, trade: $0) }
                }.filter { query.keeps(strategy: $0.strategy, market: $0.market, time: $0.trade.entryTime) }
                    .sorted { ($0.trade.entryTime, $0.strategy, $0.market) < ($1.trade.entryTime, $1.strategy, $1.market) }
                let start = min(query.offset, trades.count)
                return try JSON.response(Page(items: Array(trades[start..<min(start + query.limit, trades.count)]), offset: query.offset, total: trades.count))
            },
        ]
    }

    struct TradeItem: Encodable {
        var strategy: String
        var market: String
        var trade: Trade
    }
}

/// `market`, `strategy`, `from`, `to` (epoch ms, inclusive) and cursor pagination (`limit`, at most
/// 1000, default 100; `cursor` the previous page's `next_cursor`), read into a `FillQuery`. History
/// only grows at its end and the filters are part of the request, so a position in the filtered
/// list is a stable cursor.
enum HistoryFilter {
    static func query(_ request: Request) throws -> FillQuery {
        let (offset, limit) = try paging(request)
        let query = FillQuery(
            market: try request.query("market"), strategy: try request.query("strategy"), from: try request.query("from"), to: try request.query("to"),
            offset: offset, limit: limit)
        try APIError.checkTime(query.from, "from")
        try APIError.checkTime(query.to, "to")
        return query
    }

    /// `cursor` (a previous page's `next_cursor`, default 0) and `limit` (1 to 1000, default 100), checked:
    /// every paged list reads them here.
    static func paging(_ request: Request) throws -> (offset: Int, limit: Int) {
        let offset: Int = try request.query("cursor") ?? 0, limit: Int = try request.query("limit") ?? 100
        guard (1...1000).contains(limit) else { throw APIError.invalid("limit", "limit must be between 1 and 1000, found \(limit)") }
        guard (0...Int(Int32.max)).contains(offset) else { throw APIError.invalid("cursor", "cursor is the next_cursor of a previous page, 0 or more") }
        return (offset, limit)
    }
}
