import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// The engine's strategy endpoints (see `StrategiesReply` for the list). Changes are checked here,
/// against the registry's bounds, before the loop applies and journals them at the next bar.
public enum StrategyRoutes {
    public static func add(to router: Router<BasicRequestContext>, engine: TradingEngine) {
        router.get("/v1/strategies") { _, _ in StrategiesReply(ok: true, message: "\(engine.strategies().count) strategy slots", strategies: engine.strategies()) }
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

