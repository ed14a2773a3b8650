import Hummingbird
import Trading
import WardenProtocol

/// Strategies: list with parameters and bounds, create, archive, activate, deactivate, set parameters.
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
            APIRoute(.post, "/strategies", role: .operator) { request, context in
                let wanted = try await request.decode(as: NewStrategy.self, context: context)
                try check(wanted)
                let by = try context.caller.actor
                let reply = try await peerCall("engine") { try await engine.create(wanted, by: by) }
                guard reply.ok else { throw APIError(.conflict, "refused", reply.message) }
                return try JSON.response(reply, status: .accepted)
            },
            APIRoute(.delete, "/strategies/{name}", role: .operator) { request, context in
                let (name, market, by) = (try context.parameter("name"), try request.query("market", as: String.self), try context.caller.actor)
                return try answer(try await peerCall("engine") { try await engine.archive(strategy: name, market: market, by: by) })
            },
        ]
    }
}

extension StrategyRoutes {
    /// What can be checked without the engine, each with the field it is about; the engine
    /// checks the markets it trades and the slots it has.
    static func check(_ wanted: NewStrategy) throws {
        guard StrategyRegistry.names.contains(wanted.strategy) else {
            throw APIError.invalid("strategy", "no strategy \(wanted.strategy); there are \(StrategyRegistry.names.joined(separator: ", "))")
        }
        if let markets = wanted.markets {
            guard !markets.isEmpty else { throw APIError.invalid("markets", "name at least one market, or leave markets out for every market") }
            for market in markets where market.isEmpty || market.count > 32 { throw APIError.invalid("markets", "'\(market)' is not a market name") }
        }
        for (key, value) in wanted.parameters ?? [:] where !value.isFinite { throw APIError.invalid(key, "\(key) must be a finite number") }
        do {
            _ = try StrategyRegistry.resolve(wanted.strategy, overrides: wanted.parameters ?? [:])
        } catch {
            throw APIError.invalid("parameters", "\(error)")
        }
    }
}
