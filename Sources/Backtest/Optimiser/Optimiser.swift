import Foundation
import Trading

/// What one evaluation of a point gives: its figures (scored by the objective) and its per-period
/// returns (for the deflated Sharpe ratio and the probability of backtest overfitting).
public struct Evaluation: Sendable {
    public var figures: TrialFigures
    public var returns: [Double]

    public init(figures: TrialFigures, returns: [Double]) {
        self.figures = figures
        self.returns = returns
    }
}

/// A point tried: its number (in the order proposed), parameters, figures and score.
public struct Trial: Sendable, Codable {
    public var number: Int
    public var parameters: [String: Double]
    public var figures: TrialFigures
    public var score: Double?
    /// Per-period returns (not encoded: they feed the overfitting measures).
    public var returns: [Double] = []

    enum CodingKeys: String, CodingKey { case number, parameters, figures, score }
}

/// Runs a search: proposes batches, evaluates each batch's points on up to `jobs` tasks at once,
/// and puts the results back in proposal order. A point proposed twice is evaluated once.
public struct Optimiser: Sendable {
    public var space: SearchSpace
    public var method: SearchMethod
    public var objective: Objective
    public var minimumTrades: Int
    public var seed: UInt64
    public var jobs: Int

    public init(space: SearchSpace, method: SearchMethod, objective: Objective, minimumTrades: Int = 10, seed: UInt64 = 1, jobs: Int = 1) {
        self.space = space
        self.method = method
        self.objective = objective
        self.minimumTrades = minimumTrades
        self.seed = seed
        self.jobs = max(1, jobs)
    }

    /// How many evaluations the method will ask for at most.
    public var budget: Int {
        switch method {
        case .grid: space.grid.count
        case .random(let trials), .bayes(let trials): trials
        case .genetic(let population, let generations): population * generations
        }
    }

    public struct Outcome: Sendable {
        public var trials: [Trial]
        /// The best scored trial (ties go to the earlier one); nil when none reached a score.
        public var best: Trial?
        public var evaluations: Int
    }

    /// `progress(done, budget, best score so far)` after each evaluated point.
    public func run(
        evaluate: @escaping @Sendable ([String: Double]) async throws -> Evaluation,
        progress: (@Sendable (Int, Int, Double?) -> Void)? = nil
    ) async throws -> Outcome {
        var proposer = makeProposer()
        var history: [Scored] = []
        var trials: [Trial] = []
        var cache: [[Double]: Int] = [:]
        var evaluations = 0
        var best: Double?
        // Once: a grid's budget is the whole grid, each point checked against the constraints.
        let budget = budget
        while true {
            let batch = proposer.next(after: history)
            if batch.isEmpty { break }
            let fresh = Array(Set(batch.filter { cache[$0] == nil })).sorted { $0.lexicographicallyPrecedes($1) }
            let results = try await evaluateAll(fresh, evaluate: evaluate) { done in
                progress?(evaluations + done, budget, best)
            }
            for (values, evaluation) in zip(fresh, results) {
                let score = objective.score(evaluation.figures, minimumTrades: minimumTrades)
                cache[values] = trials.count
                trials.append(Trial(number: trials.count, parameters: space.point(values), figures: evaluation.figures, score: score, returns: evaluation.returns))
                if let score, best.map({ score > $0 }) ?? true { best = score }
            }
            evaluations += fresh.count
            for values in batch { history.append(Scored(values: values, score: trials[cache[values]!].score)) }
            progress?(evaluations, budget, best)
        }
        let winner = trials.filter { $0.score != nil }.max { a, b in a.score! != b.score! ? a.score! < b.score! : a.number > b.number }
        return Outcome(trials: trials, best: winner, evaluations: evaluations)
    }

    private func makeProposer() -> any Proposer {
        let generator = SplitMix64(seed: seed)
        switch method {
        case .grid: return GridProposer(space)
        case .random(let trials): return RandomProposer(space: space, left: trials, generator: generator)
        case .genetic(let population, let generations):
            return GeneticProposer(space: space, population: population, generationsLeft: generations, generator: generator)
        case .bayes(let trials): return TPEProposer(space: space, trials: trials, generator: generator)
        }
    }

    /// The batch's evaluations in its order, at most `jobs` at a time.
    private func evaluateAll(
        _ points: [[Double]], evaluate: @escaping @Sendable ([String: Double]) async throws -> Evaluation, done: (Int) -> Void
    ) async throws -> [Evaluation] {
        var results = [Evaluation?](repeating: nil, count: points.count)
        try await withThrowingTaskGroup(of: (Int, Evaluation).self) { group in
            var next = 0
            func start() {
                let index = next, point = space.point(points[index])
                group.addTask { (index, try await evaluate(point)) }
                next += 1
            }
            while next < min(jobs, points.count) { start() }
            var finished = 0
            while let (index, evaluation) = try await group.next() {
                results[index] = evaluation
                finished += 1
                done(finished)
                if next < points.count { start() }
            }
        }
        return results.map { $0! }
    }
}
