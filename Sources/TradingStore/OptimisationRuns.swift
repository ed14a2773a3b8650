import Foundation
import Logging
import Storage

/// A stored optimisation run: what was searched and how, its best point, and its report (the
/// overfitting measures, the walk-forward windows) as JSON.
public struct OptimisationRun: Sendable, Hashable {
    public var id: String
    public var startedAt: Int64
    public var finishedAt: Int64
    public var actor: String
    public var strategy: String
    public var method: String
    public var objective: String
    public var seed: Int64
    public var evaluations: Int
    public var bestParameters: [String: Double]?
    public var bestScore: Double?
    /// JSON text.
    public var report: String

    public init(
        id: String, startedAt: Int64, finishedAt: Int64, actor: String, strategy: String, method: String, objective: String, seed: Int64, evaluations: Int,
        bestParameters: [String: Double]?, bestScore: Double?, report: String
    ) {
        (self.id, self.startedAt, self.finishedAt, self.actor, self.strategy, self.method) = (id, startedAt, finishedAt, actor, strategy, method)
        (self.objective, self.seed, self.evaluations, self.bestParameters, self.bestScore, self.report) = (objective, seed, evaluations, bestParameters, bestScore, report)
    }
}

/// One stored trial: its parameters and figures as JSON, its score.
public struct OptimisationTrialRow: Sendable, Hashable {
    public var number: Int
    public var parameters: [String: Double]
    public var score: Double?
    /// JSON text.
    public var figures: String

    public init(number: Int, parameters: [String: Double], score: Double?, figures: String) {
        (self.number, self.parameters, self.score, self.figures) = (number, parameters, score, figures)
    }
}

/// `optimisation_runs` and `optimisation_trials`, on either engine. A run and its trials are
/// written in one transaction: a run is there whole or not at all.
public enum OptimisationRuns {
    static let insertRun = SharedSQL("""
        INSERT INTO optimisation_runs (id, started_at, finished_at, actor, strategy, method, objective, seed, evaluations, best_parameters, best_score, report)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?{::jsonb}, ?, ?{::jsonb})
        """)
    static let insertTrial = SharedSQL("INSERT INTO optimisation_trials (run_id, number, parameters, score, figures) VALUES (?, ?, ?{::jsonb}, ?, ?{::jsonb})")
    static let columns = """
        id, started_at{::text}, finished_at{::text}, actor, strategy, method, objective, seed{::text}, evaluations{::text}, best_parameters{::text},
        best_score{::text}, report{::text}
        """
    static let list = SharedSQL("SELECT \(columns) FROM optimisation_runs ORDER BY started_at DESC, id DESC LIMIT 200")
    static let one = SharedSQL("SELECT \(columns) FROM optimisation_runs WHERE id = ?")
    static let trials = SharedSQL("SELECT number{::text}, parameters{::text}, score{::text}, figures{::text} FROM optimisation_trials WHERE run_id = ? ORDER BY number")

    public static func save(_ run: OptimisationRun, trials: [OptimisationTrialRow], on handle: DatabaseHandle, logger: Logger) async throws {
        var statements = [BoundStatement(insertRun, [
            .text(run.id), .integer(run.startedAt), .integer(run.finishedAt), .text(run.actor), .text(run.strategy), .text(run.method), .text(run.objective),
            .integer(run.seed), .integer(Int64(run.evaluations)), .text(try run.bestParameters.map(json)), run.bestScore.map(SQLValue.real) ?? .null, .text(run.report),
        ])]
        for trial in trials {
            statements.append(BoundStatement(insertTrial, [
                .text(run.id), .integer(Int64(trial.number)), .text(try json(trial.parameters)), trial.score.map(SQLValue.real) ?? .null, .text(trial.figures),
            ]))
        }
        try await handle.execute(statements, logger: logger)
    }

    public static func runs(on handle: DatabaseHandle, logger: Logger) async throws -> [OptimisationRun] {
        try await handle.textRows(list, logger: logger).compactMap(decode)
    }

    /// The run whose id is `id` or starts with it (when one does).
    public static func run(_ id: String, on handle: DatabaseHandle, logger: Logger) async throws -> OptimisationRun? {
        if let exact = try await handle.textRows(one, [.text(id)], logger: logger).compactMap(decode).first { return exact }
        let matching = try await runs(on: handle, logger: logger).filter { $0.id.hasPrefix(id) }
        return matching.count == 1 ? matching[0] : nil
    }

    public static func trials(of id: String, on handle: DatabaseHandle, logger: Logger) async throws -> [OptimisationTrialRow] {
        try await handle.textRows(trials, [.text(id)], logger: logger).compactMap { row in
            guard row.count == 4, let number = row[0].flatMap(Int.init), let parameters = row[1].flatMap(parametersFrom), let figures = row[3] else { return nil }
            return OptimisationTrialRow(number: number, parameters: parameters, score: row[2].flatMap(Double.init), figures: figures)
        }
    }

    static func decode(_ row: [String?]) -> OptimisationRun? {
        guard row.count == 12, let id = row[0], let started = row[1].flatMap(Int64.init), let finished = row[2].flatMap(Int64.init), let actor = row[3],
              let strategy = row[4], let method = row[5], let objective = row[6], let seed = row[7].flatMap(Int64.init), let evaluations = row[8].flatMap(Int.init),
              let report = row[11] else { return nil }
        return OptimisationRun(
            id: id, startedAt: started, finishedAt: finished, actor: actor, strategy: strategy, method: method, objective: objective, seed: seed,
            evaluations: evaluations, bestParameters: row[9].flatMap(parametersFrom), bestScore: row[10].flatMap(Double.init), report: report)
    }

    static func json(_ parameters: [String: Double]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(parameters), as: UTF8.self)
    }

    static func parametersFrom(_ text: String) -> [String: Double]? { try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8)) }
}
