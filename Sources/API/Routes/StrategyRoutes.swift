import Hummingbird
import WardenProtocol

/// Strategies: list with parameters and bounds, activate, deactivate, set parameters.
enum StrategyRoutes {
    static func routes(_ services: APIServices) -> [APIRoute] {
        let engine = services.engine
        @Sendable func answer(_ reply: StrategiesReply) throws -> Response {
            guard reply.ok else { throw APIError(.conflict, "refused", reply.message) }
            return try JSON.response(reply)
        }
        return [
            APIRoute(.get, "/strategies", role: .viewer) { _, _ in try JSON.response(try await peerCall("engine") { try await engine.strategies() }) },
            APIRoute(.post, "/strategies/{name}/activate", role: .operator) { request, context in
                let (name, market, by) = (try context.parameter("name"), try request.query("market", as: String.self), try context.caller.actor)
                return try answer(try await peerCall("engine") { try await engine.setActive(true, strategy: name, market: market, by: by) })
            },
            APIRoute(.post, "/strategies/{name}/deactivate", role: .operator) { request, context in
                let (name, market, by) = (try context.parameter("name"), try request.query("market", as: String.self), try context.caller.actor)
                return try answer(try await peerCall("engine") { try await engine.setActive(false, strategy: name, market: market, by: by) })
            },
            APIRoute(.put, "/strategies/{name}/parameters", role: .operator) { request, context in
                let parameters = try await request.decode(as: [String: Double].self, context: context)
                guard !parameters.isEmpty else { throw APIError.invalid("parameters", "name at least one parameter") }
                for (key, value) in parameters where !value.isFinite { throw APIError.invalid(key, "\(key) must be a finite number") }
                let (name, market, by) = (try context.parameter("name"), try request.query("market", as: String.self), try context.caller.actor)
                return try answer(try await peerCall("engine") { try await engine.setParameters(parameters, strategy: name, market: market, by: by) })
            },
            // Documented in the OpenAPI document as 501 until the engine can add slots at run time
            // and the optimiser exists; refused the same way for every role that may call them.
            APIRoute(.post, "/strategies", role: .operator) { _, _ in throw APIError.notBuilt("creating a strategy instance at run time (configure engine.strategies and restart the engine)") },
            APIRoute(.delete, "/strategies/{name}", role: .operator) { _, _ in throw APIError.notBuilt("archiving a strategy instance (deactivate it instead)") },
            APIRoute(.post, "/strategies/{name}/optimise", role: .operator) { _, _ in throw APIError.notBuilt("optimisation (the optimiser issue)") },
        ]
    }
}
