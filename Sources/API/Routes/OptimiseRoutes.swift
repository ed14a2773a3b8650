import Backtest
import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// Optimisations as jobs, the same way as backtests (`BacktestRoutes`): the API checks the search
/// with the optimiser's own parsers, writes the request, and the supervisor runs `warden optimize
/// --job-dir`, which stores the run; progress and result are read like a backtest's.
enum OptimiseRoutes {
    struct Range: Decodable {
        var low: Double?
        var high: Double?
        var step: Double?
    }

    struct NewOptimisation: Decodable {
        var method: String
        /// Each searched parameter: `{}` for its declared bounds, or `{"low", "high", "step"}`.
        var search: [String: Range]
        var set: [String: Double]?
        var objective: String?
        var trials: Int?
        var population: Int?
        var generations: Int?
        var seed: Int64?
        var minimumTrades: Int?
        var walkForward: String?
        var markets: [String]?
        var from: Int64?
        var to: Int64?
        var fee: Double?
        var slippageBps: Double?
        var cash: Double?
        enum CodingKeys: String, CodingKey {
            case method, search, set, objective, trials, population, generations, seed, markets, from, to, fee, cash
            case minimumTrades = "min_trades", walkForward = "walk_forward", slippageBps = "slippage_bps"
        }
    }

    static func routes(_ services: APIServices) -> [APIRoute] {
        [
            APIRoute(.post, "/strategies/{name}/optimise", role: .operator) { request, context in
                let name = try context.parameter("name")
                let body = try await request.decode(as: NewOptimisation.self, context: context)
                let job = try validated(body, strategy: name, services: services, by: try context.caller.actor)
                let running = try await BacktestRoutes.jobs(services).filter { !$0.progress.isFinished }.count
                guard running < BacktestRoutes.concurrentJobs else {
                    throw APIError(.conflict, "busy", "\(running) jobs are running; at most \(BacktestRoutes.concurrentJobs) run at once", headers: [.retryAfter: "10"])
                }
                return try JSON.response(try await BacktestRoutes.start(job, services: services), status: .accepted)
            },
        ]
    }

    static func validated(_ body: NewOptimisation, strategy: String, services: APIServices, by actor: String) throws -> BacktestJobRequest {
        guard StrategyRegistry.names.contains(strategy) else {
            throw APIError.notFound("no strategy \(strategy); strategies: \(StrategyRegistry.names.joined(separator: ", "))")
        }
        guard ["grid", "random", "ga", "bayes"].contains(body.method) else { throw APIError.invalid("method", "method is grid, random, ga or bayes, found '\(body.method)'") }
        guard !body.search.isEmpty else { throw APIError.invalid("search", "name at least one parameter to search, e.g. {\"period\": {\"low\": 10, \"high\": 40}}") }
        var texts: [String] = []
        for (name, range) in body.search.sorted(by: { $0.key < $1.key }) {
            var text = name
            switch (range.low, range.high) {
            case let (low?, high?): text += "=\(low):\(high)" + (range.step.map { ":\($0)" } ?? "")
            case (nil, nil): guard range.step == nil else { throw APIError.invalid("search.\(name)", "a step needs low and high") }
            default: throw APIError.invalid("search.\(name)", "give both low and high, or neither (the declared bounds)")
            }
            do { _ = try SearchDimension.parse(text, strategy: strategy) } catch { throw APIError.invalid("search.\(name)", "\(error)") }
            texts.append(text)
        }
        let held = body.set ?? [:]
        if let both = held.keys.first(where: { body.search[$0] != nil }) { throw APIError.invalid("set.\(both)", "\(both) is both searched and set") }
        do { _ = try StrategyRegistry.resolve(strategy, overrides: held) } catch { throw APIError.invalid("set", "\(error)") }
        let objective = body.objective ?? "sharpe"
        guard Objective(rawValue: objective) != nil else {
            throw APIError.invalid("objective", "objective is one of \(Objective.allCases.map(\.rawValue).joined(separator: ", ")), found '\(objective)'")
        }
        for (field, value, range) in [("trials", body.trials, 1...100_000), ("population", body.population, 4...10_000), ("generations", body.generations, 1...10_000),
                                      ("min_trades", body.minimumTrades, 0...1_000_000)] {
            if let value, !range.contains(value) { throw APIError.invalid(field, "\(field) must be from \(range.lowerBound) to \(range.upperBound), found \(value)") }
        }
        if let seed = body.seed, seed < 0 { throw APIError.invalid("seed", "seed must be 0 or more") }
        if let text = body.walkForward {
            do { _ = try WalkForward.parse(text) } catch { throw APIError.invalid("walk_forward", "\(error)") }
        }
        var request = try BacktestRoutes.validated(
            BacktestRoutes.NewBacktest(
                strategies: [strategy], markets: body.markets, parameters: held.isEmpty ? nil : [strategy: held], from: body.from, to: body.to, fee: body.fee,
                slippageBps: body.slippageBps, cash: body.cash),
            services: services, by: actor)
        request.optimise = OptimiseJob(
            method: body.method, search: texts, objective: objective, trials: body.trials, population: body.population, generations: body.generations,
            seed: body.seed ?? 1, minimumTrades: body.minimumTrades, walkForward: body.walkForward)
        return request
    }

    /// `warden optimize`'s arguments for a job.
    static func arguments(_ request: BacktestJobRequest, _ search: OptimiseJob, data: [String: String]) -> [String] {
        var arguments = ["optimize", "run", "--strategy", request.strategies[0], "--method", search.method, "--objective", search.objective, "--seed", String(search.seed)]
        for market in request.markets { arguments += ["--data", "\(market)=\(data[market]!)"] }
        for text in search.search { arguments += ["--param", text] }
        for (name, value) in (request.parameters[request.strategies[0]] ?? [:]).sorted(by: { $0.key < $1.key }) { arguments += ["--set", "\(name)=\(value)"] }
        if let trials = search.trials { arguments += ["--trials", String(trials)] }
        if let population = search.population { arguments += ["--population", String(population)] }
        if let generations = search.generations { arguments += ["--generations", String(generations)] }
        if let minimum = search.minimumTrades { arguments += ["--min-trades", String(minimum)] }
        if let walk = search.walkForward { arguments += ["--walk-forward", walk] }
        arguments += ["--fee", String(request.fee), "--slippage-bps", String(request.slippageBps), "--cash", String(request.cash), "--by", request.requestedBy]
        if let from = request.from { arguments += ["--from", String(from)] }
        if let to = request.to { arguments += ["--to", String(to)] }
        return arguments
    }
}
