import Foundation

/// A backtest job's files, the contract between the API (which asks for one) and the job (a
/// `warden backtest --job-dir` child of the supervisor, so no backtest runs in the API process):
/// under STATE/backtests/ID, `request.json` is written by the API before the job starts,
/// `progress.json` by the job as it runs (and by the API while it is queued), `result.json` by
/// the job once, when done, and `cancel` by the API to ask the job to stop. Every file is written
/// whole (a temporary file renamed), so a reader never sees half of one.
public struct BacktestJobFiles: Sendable {
    public let id: String
    public let directory: String

    public init(stateDirectory: String, id: String) {
        self.id = id
        directory = Self.root(stateDirectory) + "/" + id
    }

    public init(directory: String) {
        self.directory = directory
        id = (directory as NSString).lastPathComponent
    }

    public static func root(_ stateDirectory: String) -> String { stateDirectory + "/backtests" }

    /// Ids the API makes: `bt-` and 16 hex digits. Anything else is never a path.
    public static func isID(_ text: String) -> Bool {
        text.count == 19 && text.hasPrefix("bt-") && text.dropFirst(3).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    public var request: String { directory + "/request.json" }
    public var progress: String { directory + "/progress.json" }
    public var result: String { directory + "/result.json" }
    public var cancelMarker: String { directory + "/cancel" }
    /// The supervisor job's name.
    public var jobName: String { "backtest-" + id }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public func write(_ value: some Encodable, to path: String) throws { try Self.writeWhole(try Self.encoder.encode(value), to: path) }

    public static func writeWhole(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot write \(path): \(reason)"])
        }
    }

    public func read<T: Decodable>(_ type: T.Type, from path: String) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    public var cancelRequested: Bool { FileManager.default.fileExists(atPath: cancelMarker) }
}

/// What the API was asked to run.
public struct BacktestJobRequest: Sendable, Codable, Hashable {
    public var strategies: [String]
    public var markets: [String]
    /// Per strategy, the parameters that differ from its defaults.
    public var parameters: [String: [String: Double]]
    public var from: Int64?
    public var to: Int64?
    public var fee: Double
    public var slippageBps: Double
    public var cash: Double
    public var requestedBy: String
    public var requestedAt: Int64
    /// Present when the job is an optimisation of its one strategy (`warden optimize`), not a backtest.
    public var optimise: OptimiseJob?

    public init(
        strategies: [String], markets: [String], parameters: [String: [String: Double]], from: Int64?, to: Int64?, fee: Double, slippageBps: Double,
        cash: Double, requestedBy: String, requestedAt: Int64, optimise: OptimiseJob? = nil
    ) {
        (self.strategies, self.markets, self.parameters, self.from, self.to) = (strategies, markets, parameters, from, to)
        (self.fee, self.slippageBps, self.cash, self.requestedBy, self.requestedAt, self.optimise) = (fee, slippageBps, cash, requestedBy, requestedAt, optimise)
    }

    enum CodingKeys: String, CodingKey {
        case strategies, markets, parameters, from, to, fee, cash, optimise
        case slippageBps = "slippage_bps", requestedBy = "requested_by", requestedAt = "requested_at"
    }
}

/// An optimisation job's search: `warden optimize`'s options.
public struct OptimiseJob: Sendable, Codable, Hashable {
    public var method: String
    /// `NAME`, `NAME=LOW:HIGH` or `NAME=LOW:HIGH:STEP`, as `--param` takes them.
    public var search: [String]
    public var objective: String
    public var trials: Int?
    public var population: Int?
    public var generations: Int?
    public var seed: Int64
    public var minimumTrades: Int?
    public var walkForward: String?

    public init(
        method: String, search: [String], objective: String, trials: Int?, population: Int?, generations: Int?, seed: Int64, minimumTrades: Int?, walkForward: String?
    ) {
        (self.method, self.search, self.objective, self.trials, self.population) = (method, search, objective, trials, population)
        (self.generations, self.seed, self.minimumTrades, self.walkForward) = (generations, seed, minimumTrades, walkForward)
    }

    enum CodingKeys: String, CodingKey {
        case method, search, objective, trials, population, generations, seed
        case minimumTrades = "min_trades", walkForward = "walk_forward"
    }
}

/// Where a job is: queued, running, done, failed or cancelled; how far through its bars (by
/// time); and, once done, its headline statistics.
public struct BacktestJobProgress: Sendable, Codable, Hashable {
    public var state: String
    public var fraction: Double
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var error: String?
    /// The statistics of `warden backtest --json` (total_return, sharpe, ...), once done.
    public var summary: [String: Double]?

    public init(state: String, fraction: Double = 0, startedAt: Int64? = nil, finishedAt: Int64? = nil, error: String? = nil, summary: [String: Double]? = nil) {
        (self.state, self.fraction, self.startedAt, self.finishedAt, self.error, self.summary) = (state, fraction, startedAt, finishedAt, error, summary)
    }

    public var isFinished: Bool { ["done", "failed", "cancelled"].contains(state) }

    enum CodingKeys: String, CodingKey {
        case state, fraction, error, summary
        case startedAt = "started_at", finishedAt = "finished_at"
    }
}
