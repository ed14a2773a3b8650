import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// Backtests as jobs: the API checks the request, writes it under STATE/backtests/ID and asks
/// the supervisor to run `warden backtest --job-dir` as a one-off job, so a long backtest never
/// holds the API's cores or memory and survives the API restarting.
enum BacktestRoutes {
    /// Jobs running at once; more are refused (two cores, and the engine comes first).
    static let concurrentJobs = 2

    struct NewBacktest: Decodable {
        var strategies: [String]
        var markets: [String]?
        var parameters: [String: [String: Double]]?
        var from: Int64?
        var to: Int64?
        var fee: Double?
        var slippageBps: Double?
        var cash: Double?
        enum CodingKeys: String, CodingKey {
            case strategies, markets, parameters, from, to, fee, cash
            case slippageBps = "slippage_bps"
        }
    }

    struct Job: Encodable {
        var id: String
        var state: String
        var fraction: Double
        var request: BacktestJobRequest
        var startedAt: Int64?
        var finishedAt: Int64?
        var error: String?
        var summary: [String: Double]?
        enum CodingKeys: String, CodingKey {
            case id, state, fraction, request, error, summary
            case startedAt = "started_at", finishedAt = "finished_at"
        }
    }

    static func routes(_ services: APIServices) -> [APIRoute] {
        [
            APIRoute(.post, "/backtests", role: .operator) { request, context in
                let body = try await request.decode(as: NewBacktest.self, context: context)
                let job = try validated(body, services: services, by: try context.caller.actor)
                let running = try await jobs(services).filter { !$0.progress.isFinished }.count
                guard running < concurrentJobs else {
                    throw APIError(.conflict, "busy", "\(running) backtests are running; at most \(concurrentJobs) run at once", headers: [.retryAfter: "10"])
                }
                return try JSON.response(try await start(job, services: services), status: .accepted)
            },
            APIRoute(.get, "/backtests", role: .viewer) { _, _ in
                try JSON.response(try await jobs(services).map { Job($0.files.id, $0.request, $0.progress) })
            },
            APIRoute(.get, "/backtests/{id}", role: .viewer) { _, context in
                let found = try await job(try context.parameter("id"), services: services)
                let summary = try JSON.encoder.encode(Job(found.files.id, found.request, found.progress))
                guard found.progress.state == "done", let result = FileManager.default.contents(atPath: found.files.result) else {
                    return try JSON.response(Job(found.files.id, found.request, found.progress))
                }
                // The job's report is passed through as it wrote it (it can hold thousands of trades).
                var body = ByteBuffer(bytes: summary.dropLast())
                body.writeString(",\"result\":")
                body.writeBytes(result)
                body.writeString("}")
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
            },
            APIRoute(.post, "/backtests/{id}/cancel", role: .operator) { _, context in
                let found = try await job(try context.parameter("id"), services: services)
                guard !found.progress.isFinished else { throw APIError(.conflict, "finished", "backtest \(found.files.id) is already \(found.progress.state)") }
                try BacktestJobFiles.writeWhole(Data((try context.caller.actor + "\n").utf8), to: found.files.cancelMarker)
                if found.progress.state == "queued" {
                    try found.files.write(BacktestJobProgress(state: "cancelled", finishedAt: services.now(), error: "cancelled before it started"), to: found.files.progress)
                }
                return try JSON.response(Job(found.files.id, found.request, found.progress), status: .accepted)
            },
        ]
    }

    /// The request checked as `warden backtest` would check it, so a job that starts can run.
    static func validated(_ body: NewBacktest, services: APIServices, by actor: String) throws -> BacktestJobRequest {
        guard !body.strategies.isEmpty else { throw APIError.invalid("strategies", "name at least one strategy: \(StrategyRegistry.names.joined(separator: ", "))") }
        for (index, name) in body.strategies.enumerated() where !StrategyRegistry.names.contains(name) {
            throw APIError.invalid("strategies[\(index)]", "no strategy named '\(name)'; strategies: \(StrategyRegistry.names.joined(separator: ", "))")
        }
        guard Set(body.strategies).count == body.strategies.count else { throw APIError.invalid("strategies", "a strategy is named twice") }
        let parameters = body.parameters ?? [:]
        for (name, values) in parameters {
            guard body.strategies.contains(name) else { throw APIError.invalid("parameters.\(name)", "parameters for \(name), which the backtest does not run") }
            do {
                _ = try StrategyRegistry.make(name, overrides: values)
            } catch {
                throw APIError.invalid("parameters.\(name)", "\(error)")
            }
        }
        let available = services.backtestData.keys.sorted()
        let markets = body.markets ?? Array(available.prefix(1))
        guard !markets.isEmpty else { throw APIError.invalid("markets", "no market has a candle file to backtest over (engine.markets[].file)") }
        guard Set(markets).count == markets.count else { throw APIError.invalid("markets", "a market is named twice") }
        for (index, market) in markets.enumerated() where services.backtestData[market] == nil {
            throw APIError.invalid("markets[\(index)]", "no candle file for '\(market)'; markets with one: \(available.joined(separator: ", "))")
        }
        try APIError.checkTime(body.from, "from")
        try APIError.checkTime(body.to, "to")
        if let from = body.from, let to = body.to, from >= to { throw APIError.invalid("from", "from must be before to") }
        let fee = body.fee ?? 0.001, slippage = body.slippageBps ?? 0, cash = body.cash ?? 10_000
        guard (0..<0.5).contains(fee) else { throw APIError.invalid("fee", "fee is a rate per side from 0 to 0.5, found \(fee)") }
        guard (0..<5000).contains(slippage) else { throw APIError.invalid("slippage_bps", "slippage_bps must be from 0 to 5000, found \(slippage)") }
        guard cash > 0, cash.isFinite else { throw APIError.invalid("cash", "cash must be a positive number") }
        return BacktestJobRequest(
            strategies: body.strategies, markets: markets, parameters: parameters, from: body.from, to: body.to, fee: fee, slippageBps: slippage,
            cash: cash, requestedBy: actor, requestedAt: services.now())
    }

    /// Writes the job's files, then asks the supervisor to run it; a refusal leaves it failed, saying why.
    static func start(_ request: BacktestJobRequest, services: APIServices) async throws -> Job {
        let id = "bt-" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let files = BacktestJobFiles(stateDirectory: services.stateDirectory, id: id)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        try files.write(request, to: files.request)
        try files.write(BacktestJobProgress(state: "queued"), to: files.progress)
        var arguments: [String]
        if let search = request.optimise {
            arguments = OptimiseRoutes.arguments(request, search, data: services.backtestData)
        } else {
            arguments = ["backtest"]
            for strategy in request.strategies { arguments += ["--strategy", strategy] }
            for market in request.markets { arguments += ["--data", "\(market)=\(services.backtestData[market]!)"] }
            for (strategy, values) in request.parameters.sorted(by: { $0.key < $1.key }) {
                for (name, value) in values.sorted(by: { $0.key < $1.key }) { arguments += ["--param", "\(strategy).\(name)=\(value)"] }
            }
            arguments += ["--fee", String(request.fee), "--slippage-bps", String(request.slippageBps), "--cash", String(request.cash)]
            if let from = request.from { arguments += ["--from", String(from)] }
            if let to = request.to { arguments += ["--to", String(to)] }
        }
        arguments += ["--job-dir", files.directory]
        let reply: ControlReply
        do {
            reply = try await peerCall("supervisor") {
                try await services.supervisor.call("POST", "/v1/jobs/once", body: OneOffJob(name: files.jobName, arguments: arguments, timeoutSeconds: 6 * 3600), as: ControlReply.self)
            }
        } catch {
            try? files.write(BacktestJobProgress(state: "failed", finishedAt: services.now(), error: "the supervisor could not start it: \(error)"), to: files.progress)
            throw error
        }
        guard reply.ok else {
            let progress = BacktestJobProgress(state: "failed", finishedAt: services.now(), error: reply.message)
            try files.write(progress, to: files.progress)
            throw APIError(.conflict, "refused", "the supervisor did not start the backtest: \(reply.message)")
        }
        return Job(id, request, files.read(BacktestJobProgress.self, from: files.progress) ?? BacktestJobProgress(state: "queued"))
    }

    typealias Found = (files: BacktestJobFiles, request: BacktestJobRequest, progress: BacktestJobProgress)

    static func job(_ id: String, services: APIServices) async throws -> Found {
        guard BacktestJobFiles.isID(id), let found = try await jobs(services, only: id).first else { throw APIError.notFound("no backtest \(id)") }
        return found
    }

    /// Every job, newest first. A job the files call unfinished but the supervisor says ended (a
    /// crash, a kill, the machine restarting) is reported failed with the supervisor's words.
    static func jobs(_ services: APIServices, only id: String? = nil) async throws -> [Found] {
        let root = BacktestJobFiles.root(services.stateDirectory)
        let ids = id.map { [$0] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter(BacktestJobFiles.isID)
        var found: [Found] = ids.compactMap { id in
            let files = BacktestJobFiles(stateDirectory: services.stateDirectory, id: id)
            guard let request = files.read(BacktestJobRequest.self, from: files.request) else { return nil }
            return (files, request, files.read(BacktestJobProgress.self, from: files.progress) ?? BacktestJobProgress(state: "queued"))
        }
        if found.contains(where: { !$0.progress.isFinished }),
           let status = try? await services.supervisor.call("GET", "/v1/status", as: SupervisorStatus.self) {
            for index in found.indices where !found[index].progress.isFinished {
                let name = found[index].files.jobName
                guard let job = status.jobs.first(where: { $0.name == name }) else {
                    // Unknown to this supervisor: it was restarted, or never started the job.
                    if found[index].progress.state == "running" || services.now() - found[index].request.requestedAt > 60_000 {
                        found[index].progress.state = "failed"
                        found[index].progress.error = "the job is not known to the supervisor (it restarted while the backtest ran)"
                    }
                    continue
                }
                if job.state != "running", (job.runs.values.reduce(0, +)) > 0 {
                    // It may have finished between the two reads: its own last word wins.
                    if let last = found[index].files.read(BacktestJobProgress.self, from: found[index].files.progress), last.isFinished {
                        found[index].progress = last
                        continue
                    }
                    found[index].progress.state = "failed"
                    found[index].progress.error = "the job ended (\(job.lastResult ?? "no result")) without writing a result"
                }
            }
        }
        return found.sorted { ($0.request.requestedAt, $0.files.id) > ($1.request.requestedAt, $1.files.id) }
    }
}

extension BacktestRoutes.Job {
    init(_ id: String, _ request: BacktestJobRequest, _ progress: BacktestJobProgress) {
        self.init(
            id: id, state: progress.state, fraction: progress.fraction, request: request, startedAt: progress.startedAt, finishedAt: progress.finishedAt,
            error: progress.error, summary: progress.summary)
    }
}
