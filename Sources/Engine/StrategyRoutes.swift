import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// The engine's strategy endpoints (see `StrategiesReply` for the list). Changes are checked here,
/// against the registry's bounds, before the loop applies and journals them at the next bar.
public enum StrategyRoutes {
    public static func add(to router: Router<BasicRequestContext>, engine: TradingEngine) {
        router.get("/v1/strategies") { _, _ in StrategiesReply(ok: true, message: "\(engine.strategies().count) strategy slots", strategies: engine.strategies()) }
        router.post("/v1/strategies") { request, context in
            let by = request.uri.queryParameters.get("by") ?? "operator"
            let wanted: NewStrategy
            do {
                wanted = try await request.decode(as: NewStrategy.self, context: context)
            } catch {
                throw HTTPError(.badRequest, message: "expected {\"strategy\": NAME, \"markets\": [...], \"parameters\": {...}, \"active\": true}")
            }
            let (markets, parameters) = try creation(wanted, engine: engine)
            for market in markets {
                engine.control.send(.create(strategy: wanted.strategy, market: market, parameters: parameters, active: wanted.active ?? true, by: by))
            }
            return StrategiesReply(
                ok: true, message: "\(wanted.strategy) will be created on \(markets.joined(separator: ", ")) at the next bar by \(by)", strategies: engine.strategies())
        }
        router.delete("/v1/strategies/:name") { request, context in
            let name = try context.parameters.require("name")
            let by = request.uri.queryParameters.get("by") ?? "operator"
            let on: String? = request.uri.queryParameters.get("market").map { text in (try? Instrument.canonical(String(text))) ?? String(text) }
            guard engine.strategies().contains(where: { $0.name == name && (on == nil || $0.market == on) && !$0.archived }) else {
                throw HTTPError(.notFound, message: "no unarchived strategy \(name)\(on.map { " on \($0)" } ?? "") runs here")
            }
            engine.control.send(.archive(strategy: name, market: on, by: by))
            return StrategiesReply(ok: true, message: "\(name)\(on.map { " on \($0)" } ?? "") will be archived at the next bar by \(by)", strategies: engine.strategies())
        }
        router.post("/v1/strategies/:name/:verb") { request, context in
            let name = try context.parameters.require("name")
            let by = request.uri.queryParameters.get("by") ?? "operator"
            let on: String? = request.uri.queryParameters.get("market").map { text in (try? Instrument.canonical(String(text))) ?? String(text) }
            let matching = engine.strategies().filter { $0.name == name && (on == nil || $0.market == on) }
            guard !matching.isEmpty else {
                let known = Set(engine.strategies().map { "\($0.name) on \($0.market)" }).sorted().joined(separator: ", ")
                throw HTTPError(.notFound, message: "no strategy \(name)\(on.map { " on \($0)" } ?? "") runs here; it has: \(known)")
            }
            switch try context.parameters.require("verb") {
            case "activate", "deactivate":
                let activate = context.parameters.get("verb") == "activate"
                engine.control.send(activate ? .activate(strategy: name, market: on, by: by) : .deactivate(strategy: name, market: on, by: by))
                return StrategiesReply(ok: true, message: "\(name) will be \(activate ? "activated" : "deactivated") at the next bar by \(by)", strategies: engine.strategies())
            case "parameters":
                let changes: [String: Double]
                do {
                    changes = try await request.decode(as: [String: Double].self, context: context)
                } catch {
                    throw HTTPError(.badRequest, message: "expected a JSON object of parameter names to numbers")
                }
                guard !changes.isEmpty else { throw HTTPError(.badRequest, message: "no parameters given") }
                for slot in matching {
                    do {
                        _ = try StrategyRegistry.resolve(name, overrides: slot.parameters.merging(changes) { _, new in new })
                    } catch {
                        throw HTTPError(.badRequest, message: "\(error)")
                    }
                }
                engine.control.send(.setParameters(strategy: name, market: on, parameters: changes, by: by))
                let text = changes.sorted { $0.key < $1.key }.map { "\($0.key)=\(IndicatorSpec.shortest($0.value))" }.joined(separator: " ")
                return StrategiesReply(ok: true, message: "\(name): \(text) will apply at the next bar (set by \(by))", strategies: engine.strategies())
            default:
                throw HTTPError(.notFound, message: "unknown action; use activate, deactivate or parameters")
            }
        }
    }
}

extension StrategiesReply: ResponseEncodable {}

/// The markets and full parameters of a new strategy slot, or why not: an unknown strategy or
/// market, one it already runs on, parameters out of bounds.
func creation(_ wanted: NewStrategy, engine: TradingEngine) throws -> (markets: [String], parameters: [String: Double]) {
    guard StrategyRegistry.names.contains(wanted.strategy) else {
        throw HTTPError(.badRequest, message: "no strategy \(wanted.strategy); there are \(StrategyRegistry.names.joined(separator: ", "))")
    }
    let parameters: [String: Double]
    do {
        parameters = try StrategyRegistry.resolve(wanted.strategy, overrides: wanted.parameters ?? [:])
    } catch {
        throw HTTPError(.badRequest, message: "\(error)")
    }
    let traded = engine.markets.map(\.instrument.symbol)
    let running = Set(engine.strategies().filter { $0.name == wanted.strategy }.map(\.market))
    let markets = try (wanted.markets ?? traded.filter { !running.contains($0) }).map { text in
        let market = (try? Instrument.canonical(text)) ?? text
        guard traded.contains(market) else { throw HTTPError(.badRequest, message: "the engine trades \(traded.joined(separator: ", ")), not \(text)") }
        guard !running.contains(market) else {
            throw HTTPError(.conflict, message: "\(wanted.strategy) already runs on \(market) (activate it, or set its parameters)")
        }
        return market
    }
    guard !markets.isEmpty else { throw HTTPError(.conflict, message: "\(wanted.strategy) already runs on every market the engine trades") }
    return (Array(Set(markets)).sorted(), parameters)
}
