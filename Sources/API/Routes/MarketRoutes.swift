import Foundation
import Hummingbird
import Trading
import WardenCore

/// Markets for charts: the stored candles of a window, each strategy's indicators over them (with
/// enough bars before the window for their warm-up), and the round trips that touch the window.
enum MarketRoutes {
    static let warmUp = 1000

    struct Market: Encodable {
        var symbol: String
        var strategies: [String]
    }

    struct CandleItem: Encodable {
        var time: Int64
        var open: Double
        var high: Double
        var low: Double
        var close: Double
        var volume: Double
    }

    struct IndicatorSeries: Encodable {
        var strategy: String
        var name: String
        /// `price` draws over the candles (bands); `oscillator` in a pane of its own.
        var pane: String
        var values: [Double?]
    }

    struct TradeMarker: Encodable {
        var strategy: String
        var entryTime: Int64
        var entryPrice: Double
        var exitTime: Int64?
        var exitPrice: Double?
        var pnl: Double
        enum CodingKeys: String, CodingKey {
            case strategy, pnl
            case entryTime = "entry_time", entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price"
        }
    }

    struct Chart: Encodable {
        var market: String
        var candles: [CandleItem]
        var indicators: [IndicatorSeries]
        var trades: [TradeMarker]
        /// Pass as `to` for the window before this one; absent at the start of the history.
        var earlier: Int64?
    }

    static func routes(_ services: APIServices) -> [APIRoute] {
        let store = services.store
        return [
            APIRoute(.get, "/markets", role: .viewer) { _, _ in
                let strategies = services.engineSettings.strategies
                return try JSON.response(services.engineSettings.markets.map { market in
                    Market(symbol: market.symbol, strategies: strategies.filter { $0.markets?.contains(market.symbol) ?? true }.map(\.name))
                })
            },
            APIRoute(.get, "/markets/{market}/candles", role: .viewer) { request, context in
                let asked = try context.parameter("market")
                let symbol = MarketSettings.canonical(asked) ?? asked
                guard services.engineSettings.markets.contains(where: { $0.symbol == symbol }) else {
                    throw APIError.notFound("the engine trades no market \(asked); markets: \(services.engineSettings.markets.map(\.symbol).joined(separator: ", "))")
                }
                let limit: Int = try request.query("limit") ?? 300
                guard (2...2000).contains(limit) else { throw APIError.invalid("limit", "limit must be between 2 and 2000, found \(limit)") }
                let to: Int64? = try request.query("to")
                try APIError.checkTime(to, "to")
                // One more than the window and its warm-up: whether anything lies before says if there is an earlier window.
                let history = try await store.candles(market: symbol, through: to ?? APIError.times.upperBound, last: limit + warmUp + 1)
                let start = max(0, history.count - limit)
                let window = history[start...]
                let warm = history[max(0, start - warmUp)..<history.count]
                let bars = warm.map { Bar(high: $0.high, low: $0.low, close: $0.close) }
                var indicators: [IndicatorSeries] = []
                for (name, parameters) in try await slots(services, market: symbol) {
                    for spec in StrategyRegistry.indicators(name, parameters: parameters) {
                        let pane = if case .bollinger = spec { "price" } else { "oscillator" }
                        for (column, values) in zip(spec.columns, spec.compute(bars)) {
                            // JSON has no NaN: a value that is not finite is shown as missing.
                            let shown = values.suffix(window.count).map { $0.flatMap { $0.isFinite ? $0 : nil } }
                            indicators.append(IndicatorSeries(strategy: name, name: column, pane: pane, values: shown))
                        }
                    }
                }
                var trades: [TradeMarker] = []
                if let first = window.first?.openTime, let last = window.last?.openTime {
                    for slot in SlotTrades.pair(try await store.fills()) where slot.market == symbol {
                        for trade in slot.trades where trade.entryTime <= last && (trade.exitTime ?? .max) >= first {
                            trades.append(TradeMarker(
                                strategy: slot.strategy, entryTime: trade.entryTime, entryPrice: trade.entryPrice, exitTime: trade.exitTime,
                                exitPrice: trade.exitPrice, pnl: trade.pnl))
                        }
                    }
                }
                return try JSON.response(Chart(
                    market: symbol,
                    candles: window.map { CandleItem(time: $0.openTime, open: $0.open, high: $0.high, low: $0.low, close: $0.close, volume: $0.volume) },
                    indicators: indicators, trades: trades, earlier: start > 0 ? window.first.map { $0.openTime - 1 } : nil))
            },
        ]
    }

    /// The strategies on a market with their parameters now: the engine's, or the configuration's
    /// when the engine is away.
    static func slots(_ services: APIServices, market: String) async throws -> [(String, [String: Double])] {
        if let reply = try? await services.engine.strategies() {
            return reply.strategies.filter { $0.market == market }.map { ($0.name, $0.parameters) }
        }
        return services.engineSettings.strategies.filter { $0.markets?.contains(market) ?? true }.map { ($0.name, $0.params) }
    }
}
