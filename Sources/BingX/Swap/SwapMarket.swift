import Foundation
import Synchronization
import Trading

/// BingX USDT-M perpetual swap for the venue. Warden trades long only, at most 1× (an entry spends
/// cash, never more): a buy opens or adds to the long position, a sell only reduces it. In one-way
/// mode that is `positionSide=BOTH` with `reduceOnly=true` on every sell, so a sell can never open
/// a short; in hedge mode `positionSide=LONG` on both (selling LONG can only close). The mode is
/// read from the account at start.
final class SwapMarket: BingXMarketAPI {
    var name: String { "swap" }
    var serverTimePath: String { SwapAPI.serverTime }
    var holdsPositions: Bool { true }
    let hedged = Mutex(false)
    /// Swap streams name timeframes as its REST klines do.
    static let streamed: Set<String> = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"]

    func streamInterval(_ timeframe: String) -> String? { Self.streamed.contains(timeframe) ? timeframe : nil }
    var userSubscriptions: [String] { [] }

    func prepare(_ client: BingXClient) async throws(VenueError) {
        // Public market data alone (a dry run) has no account to ask.
        guard client.credentials != nil else { return }
        let mode: SwapAPI.PositionMode = try await client.call(.GET, SwapAPI.positionMode, [:], signed: true, group: .account)
        hedged.withLock { $0 = mode.dualSidePosition }
    }

    func instruments(_ client: BingXClient, markets: [String]) async throws(VenueError) -> [String: Instrument] {
        let listed: [SwapAPI.Contract] = try await client.call(.GET, SwapAPI.contracts, group: .market)
        var loaded: [String: Instrument] = [:]
        for market in markets {
            guard let contract = listed.first(where: { $0.symbol == market }) else {
                throw VenueError(.invalidParameter, "BingX swap lists no contract \(market)")
            }
            if contract.status != 1 || contract.apiStateOpen == "false" {
                throw VenueError(.invalidParameter, "BingX swap does not open positions on \(market) now (status \(contract.status.map(String.init) ?? "none"))")
            }
            do {
                loaded[market] = try Instrument(
                    symbol: market, tickSize: Decimal(sign: .plus, exponent: -contract.pricePrecision, significand: 1),
                    stepSize: Decimal(sign: .plus, exponent: -contract.quantityPrecision, significand: 1),
                    minQuantity: contract.tradeMinQuantity?.value ?? 0, minNotional: contract.tradeMinUSDT?.value ?? 0)
            } catch {
                throw VenueError(.invalidParameter, "BingX's rules for \(market) are unusable: \(error)")
            }
        }
        return loaded
    }

    func place(_ client: BingXClient, _ order: Order, id: String) async throws(VenueError) -> BingXOrder {
        guard let quantity = order.quantity else {
            throw VenueError(.invalidParameter, "\(order.clientOrderID): BingX swap takes a quantity, not a quote amount")
        }
        let hedged = hedged.withLock { $0 }
        var params = [
            "symbol": order.market, "side": order.side == .buy ? "BUY" : "SELL", "positionSide": hedged ? "LONG" : "BOTH",
            "quantity": "\(quantity)", "clientOrderID": id,
        ]
        if order.side == .sell, !hedged { params["reduceOnly"] = "true" }
        switch order.type {
        case .market:
            params["type"] = "MARKET"
        case .limit:
            params["type"] = "LIMIT"
            params["timeInForce"] = order.timeInForce.rawValue.uppercased()
            params["price"] = order.price.map { "\($0)" }
        case .stopMarket:
            guard order.side == .sell, let stop = order.stopPrice else {
                throw VenueError(.invalidParameter, "\(order.clientOrderID): a stop-market order here is a sell that protects a long position, with a stop price")
            }
            params["type"] = "STOP_MARKET"
            params["stopPrice"] = "\(stop)"
            params["workingType"] = "MARK_PRICE"
        }
        let data: SwapAPI.OrderBody = try await client.call(.POST, SwapAPI.order, params, signed: true, group: .orders)
        return data.order.order
    }

    func cancel(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder {
        let data: SwapAPI.OrderBody = try await client.call(.DELETE, SwapAPI.order, ["symbol": market, "clientOrderId": id], signed: true, group: .orders)
        return data.order.order
    }

    func query(_ client: BingXClient, id: String, market: String) async throws(VenueError) -> BingXOrder {
        let data: SwapAPI.OrderBody = try await client.call(.GET, SwapAPI.order, ["symbol": market, "clientOrderId": id], signed: true, group: .account)
        return data.order.order
    }

    func openOrders(_ client: BingXClient) async throws(VenueError) -> [BingXOrder] {
        let data: SwapAPI.Orders = try await client.call(.GET, SwapAPI.openOrders, [:], signed: true, group: .account)
        return data.orders.map(\.order)
    }

    /// `fillHistory` keeps seven days and lists `startTs < time <= endTs`: a start alone lists nothing.
    func trades(_ client: BingXClient, market: String, orderID: String?, since: Int64?) async throws(VenueError) -> [BingXTrade] {
        let now = client.serverNow
        var params = ["symbol": market, "startTs": String(max(since.map { $0 - 1 } ?? 0, now - 7 * 86_400_000)), "endTs": String(now + 60_000), "pageSize": "1000"]
        if let orderID { params["orderId"] = orderID }
        let data: SwapAPI.Fills = try await client.call(.GET, SwapAPI.fillHistory, params, signed: true, group: .account)
        var trades: [BingXTrade] = []
        for fill in data.fills ?? [] {
            // Whole seconds as documented; fractions too, should BingX send them.
            guard let time = (try? Date(fill.filledTm, strategy: .iso8601)) ?? (try? Date(fill.filledTm, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) else {
                throw VenueError(.unknown, "\(SwapAPI.fillHistory): a fill time BingX does not document: '\(fill.filledTm)'")
            }
            trades.append(BingXTrade(
                id: fill.tradeId.value, orderID: fill.orderId.value, price: fill.price.value, quantity: fill.volume.value,
                fee: abs(fill.commission?.value ?? 0), feeAsset: fill.commissionAsset ?? "USDT", time: Int64((time.timeIntervalSince1970 * 1000).rounded()),
                isBuyer: fill.side.map { $0.uppercased() == "BUY" }))
        }
        return trades
    }

    /// The wallet as a balance: what is free to margin new positions, and the rest (margin in use).
    func balances(_ client: BingXClient) async throws(VenueError) -> [Balance] {
        let data: [SwapAPI.AccountBalance] = try await client.call(.GET, SwapAPI.balance, [:], signed: true, group: .account)
        return data.compactMap { entry in
            guard let asset = entry.asset, !asset.isEmpty else { return nil }
            return Balance(asset: asset, free: entry.availableMargin.value, locked: max(0, entry.balance.value - entry.availableMargin.value))
        }
    }

    /// Open positions, a long's quantity positive and a short's negative (Warden never opens one).
    func positions(_ client: BingXClient) async throws(VenueError) -> [Position] {
        let data: [SwapAPI.SwapPosition] = try await client.call(.GET, SwapAPI.positions, [:], signed: true, group: .account)
        return data.compactMap { position in
            let amount = position.positionAmt.value
            guard amount != 0 else { return nil }
            let signed = position.positionSide?.uppercased() == "SHORT" ? -abs(amount) : amount
            return Position(strategy: "", market: position.symbol, quantity: signed, entryPrice: position.avgPrice.value, openedAt: position.updateTime ?? 0)
        }
    }

    var cancelAllAfterPath: String { SwapAPI.cancelAllAfter }

    func klines(_ client: BingXClient, market: String, interval: String, limit: Int, startTime: Int64?) async throws(VenueError) -> [BingXKline] {
        let params = klineParameters(market: market, interval: interval, limit: limit, startTime: startTime)
        let rows: [SwapAPI.Kline] = try await client.call(.GET, SwapAPI.klines, params, group: .market)
        return rows.map { BingXKline(openTime: $0.time, open: $0.open.value, high: $0.high.value, low: $0.low.value, close: $0.close.value, volume: $0.volume.value) }
            .sorted { $0.openTime < $1.openTime }
    }
}
