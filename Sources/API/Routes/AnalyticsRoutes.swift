import Foundation
import Hummingbird
import Trading
import WardenCore
import WardenProtocol

/// Analytics, reports and the operations' performance view: figures computed from the journal's
/// equity curve and fills, the same calculations a backtest reports.
enum AnalyticsRoutes {
    static let day: Int64 = 86_400_000

    struct Performance: Encodable {
        var from: Int64?
        var to: Int64?
        /// The width of the periods Sharpe and Sortino are computed over.
        var returnsEvery: Int64
        var startingEquity: Double
        var finalEquity: Double
        var totalReturn: Double
        var maxDrawdown: Double
        var sharpe: Double?
        var sortino: Double?
        var periods: Int
        var trades: TradeFigures
        var byStrategy: [String: TradeFigures]
        var byMarket: [String: TradeFigures]
        /// Each strategy on each market, keyed `strategy/market` (`cci/BTC-USDT`).
        var bySlot: [String: TradeFigures]
        enum CodingKeys: String, CodingKey {
            case from, to, sharpe, sortino, periods, trades
            case bySlot = "by_slot"
            case returnsEvery = "returns_every_ms", startingEquity = "starting_equity", finalEquity = "final_equity", totalReturn = "total_return"
            case maxDrawdown = "max_drawdown", byStrategy = "by_strategy", byMarket = "by_market"
        }
    }

    struct EquityCurve: Encodable {
        var from: Int64?
        var to: Int64?
        var every: Int64
        var points: [EquityPoint]
        var performance: Performance
    }

    struct Risk: Encodable {
        struct Limit: Encodable {
            var name: String
            /// The configured limit; nil when not set.
            var limit: Double?
            var current: Double
            /// current / limit: 1 is the limit reached.
            var used: Double?
        }
        var state: String?
        var reason: String?
        var engineError: String?
        var equity: Double?
        var peakEquity: Double?
        var drawdown: Double
        var dailyLoss: Double
        var exposure: Double
        var largestPosition: Double
        var limits: [Limit]
        var stopLossATR: Double?
        var takeProfitATR: Double?
        enum CodingKeys: String, CodingKey {
            case state, reason, equity, drawdown, exposure, limits
            case engineError = "engine_error", peakEquity = "peak_equity", dailyLoss = "daily_loss", largestPosition = "largest_position"
            case stopLossATR = "stop_loss_atr", takeProfitATR = "take_profit_atr"
        }
    }

    static func routes(_ services: APIServices) -> [APIRoute] {
        let store = services.store
        return [
            APIRoute(.get, "/analytics/performance", role: .viewer) { request, _ in
                let range = try timeRange(request)
                let every: Int64 = try request.query("returns_every_ms") ?? day
                guard (60_000...31_622_400_000).contains(every) else {
                    throw APIError.invalid("returns_every_ms", "returns_every_ms must be from 60000 (a minute) to 31622400000 (366 days)")
                }
                return try JSON.response(try await performance(store, from: range.from, to: range.to, every: every))
            },
            APIRoute(.get, "/operations/performance", role: .viewer) { request, _ in
                let range = try timeRange(request)
                let wanted: Int = try request.query("points") ?? 500
                guard (2...10_000).contains(wanted) else { throw APIError.invalid("points", "points must be between 2 and 10000, found \(wanted)") }
                guard let span = try await store.equitySpan() else {
                    return try JSON.response(EquityCurve(every: 1, points: [], performance: try await performance(store, from: range.from, to: range.to, every: day)))
                }
                let first = max(range.from ?? span.first, span.first), last = min(range.to ?? span.last, span.last)
                let every = max(1, (last - first) / Int64(wanted - 1) + 1)
                let points = try await store.equity(EquityQuery(from: range.from, to: range.to, every: every))
                return try JSON.response(EquityCurve(
                    from: points.first?.time, to: points.last?.time, every: every, points: points,
                    performance: try await performance(store, from: range.from, to: range.to, every: day)))
            },
            APIRoute(.get, "/analytics/risk", role: .viewer) { _, _ in try JSON.response(try await risk(services)) },
            APIRoute(.get, "/reports/{period}", role: .viewer) { request, context in
                let name = try context.parameter("period")
                guard let period = ReportPeriod(rawValue: name) else {
                    throw APIError.invalid("period", "period must be daily, weekly or monthly, found '\(name)'")
                }
                let range = try timeRange(request)
                let equity = try await store.equity(EquityQuery(from: range.from, to: range.to))
                let fills = try await store.fills()
                let trades = SlotTrades.pair(fills).flatMap(\.trades)
                let rows = PeriodRow.rows(period, equity: equity, trades: trades, fills: fills.map(\.fill))
                if request.headers[.accept]?.contains("text/csv") == true {
                    return Response(
                        status: .ok,
                        headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"warden-\(period.rawValue).csv\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: PeriodRow.csv(rows))))
                }
                return try JSON.response(rows)
            },
        ]
    }

    /// `from` and `to`, epoch milliseconds, inclusive, either optional (from after to keeps nothing,
    /// as the history filters do).
    static func timeRange(_ request: Request) throws -> (from: Int64?, to: Int64?) {
        let from: Int64? = try request.query("from"), to: Int64? = try request.query("to")
        try APIError.checkTime(from, "from")
        try APIError.checkTime(to, "to")
        return (from, to)
    }

    /// The curve's figures over `every`-ms periods (the last point of each, against the one
    /// before; the first against the range's first point), its drawdown over every point, and the trades that closed
    /// in the range, in all and per strategy and per market.
    static func performance(_ store: any TradingStore, from: Int64?, to: Int64?, every: Int64) async throws -> Performance {
        let points = try await store.equity(EquityQuery(from: from, to: to))
        let periods = EquityQuery(every: every).thin(points).map(\.equity)
        let starting = points.first?.equity ?? 0
        let curve = EquityFigures(equity: periods, starting: starting, periodsPerYear: EquityFigures.periodsPerYear(every: every))
        let drawdown = EquityFigures(equity: points.map(\.equity), starting: starting, periodsPerYear: 0).maxDrawdown
        let query = EquityQuery(from: from, to: to)
        let slots = SlotTrades.pair(try await store.fills())
        var all: [Trade] = [], byStrategy: [String: [Trade]] = [:], byMarket: [String: [Trade]] = [:], bySlot: [String: [Trade]] = [:]
        for slot in slots {
            let kept = slot.trades.filter { query.keeps($0.exitTime ?? $0.entryTime) }
            all += kept
            byStrategy[slot.strategy, default: []] += kept
            byMarket[slot.market, default: []] += kept
            bySlot["\(slot.strategy)/\(slot.market)", default: []] += kept
        }
        return Performance(
            from: points.first?.time, to: points.last?.time, returnsEvery: every, startingEquity: starting, finalEquity: curve.finalEquity,
            totalReturn: curve.totalReturn, maxDrawdown: drawdown, sharpe: curve.sharpe, sortino: curve.sortino, periods: curve.periods,
            trades: TradeFigures(all), byStrategy: byStrategy.mapValues { TradeFigures($0) }, byMarket: byMarket.mapValues { TradeFigures($0) },
            bySlot: bySlot.mapValues { TradeFigures($0) })
    }

    /// What the engine's risk layer watches, from the journal and the configured limits: how far
    /// each is from tripping, and whether the engine has halted.
    static func risk(_ services: APIServices) async throws -> Risk {
        let limits = services.engineSettings.risk
        let store = services.store
        var risk = Risk(drawdown: 0, dailyLoss: 0, exposure: 0, largestPosition: 0, limits: [], stopLossATR: limits.stopLossATR, takeProfitATR: limits.takeProfitATR)
        do {
            let status = try await services.engine.status().status
            (risk.state, risk.reason) = (status.state, status.reason)
        } catch {
            risk.engineError = "\(error)"
        }
        if let span = try await store.equitySpan(), let last = try await store.equity(EquityQuery(from: span.last, to: span.last)).first {
            risk.equity = last.equity
            risk.drawdown = last.drawdown
            risk.peakEquity = last.drawdown < 1 ? last.equity / (1 - last.drawdown) : nil
            let dayStart = ReportPeriod.daily.period(containing: last.time).start
            // The day opens at the last equity before it (as the risk layer counts), or at its first point.
            let before = try await store.equity(EquityQuery(to: dayStart - 1, every: .max)).last
            var opening = before
            if opening == nil { opening = try await store.equity(EquityQuery(from: dayStart, to: last.time)).first }
            if let opening = opening?.equity, opening > 0 {
                risk.dailyLoss = max(0, 1 - last.equity / opening)
            }
        }
        let notionals = try await store.positions().map { NSDecimalNumber(decimal: $0.quantity * $0.entryPrice).doubleValue }
        risk.exposure = notionals.reduce(0, +)
        risk.largestPosition = notionals.max() ?? 0
        func limit(_ name: String, _ value: Double?, current: Double) -> Risk.Limit {
            Risk.Limit(name: name, limit: value, current: current, used: value.flatMap { $0 > 0 ? current / $0 : nil })
        }
        risk.limits = [
            limit("max_drawdown", limits.maxDrawdown, current: risk.drawdown),
            limit("daily_loss_limit", limits.dailyLossLimit, current: risk.dailyLoss),
            limit("max_total_exposure", limits.maxTotalExposure, current: risk.exposure),
            limit("max_position_notional", limits.maxPositionNotional, current: risk.largestPosition),
        ]
        return risk
    }
}
