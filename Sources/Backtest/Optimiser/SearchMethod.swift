import Foundation
import Trading

/// How the next points are chosen. Each method proposes whole batches whose size never depends
/// on how many jobs evaluate them, and draws from its own seeded generator only while proposing,
/// so the same seed gives the same trials whatever `--jobs` is.
public enum SearchMethod: Sendable, Hashable {
    /// Every grid point.
    case grid
    /// `trials` uniform draws.
    case random(trials: Int)
    /// A genetic algorithm: `population` per generation, `generations` of them.
    case genetic(population: Int, generations: Int)
    /// A Tree-structured Parzen Estimator with `trials` evaluations in all.
    case bayes(trials: Int)

    public var name: String {
        switch self {
        case .grid: "grid"
        case .random: "random"
        case .genetic: "ga"
        case .bayes: "bayes"
        }
    }
}

/// A point and what it scored (nil: refused by the minimum trade count, or no figure).
struct Scored {
    var values: [Double]
    var score: Double?
}

/// Proposes batches of points from what has been scored so far; an empty batch ends the search.
protocol Proposer {
    mutating func next(after history: [Scored]) -> [[Double]]
}

/// The end of a genetic or Bayesian search: the untried points next to the best ones, one step
/// along one parameter at a time (then two steps, …), so an optimum beside a good point found is
/// not missed for want of a last look. The best `leaders` distinct points take turns (a search
/// can end with its best in a broad basin and the second best beside a narrow peak).
/// Deterministic: no draw is made.
func polish(_ history: [Scored], space: SearchSpace, count: Int, leaders: Int = 1) -> [[Double]] {
    let ranked = history.enumerated().filter { $0.element.score != nil }.sorted { a, b in
        a.element.score! != b.element.score! ? a.element.score! > b.element.score! : a.offset < b.offset
    }.map(\.element.values)
    var centres: [[Double]] = []
    for point in ranked where !centres.contains(point) {
        centres.append(point)
        if centres.count == leaders { break }
    }
    guard !centres.isEmpty else { return [] }
    let tried = Set(history.map(\.values))
    var rings = centres.map { neighbours(of: $0, space: space) }
    var out: [[Double]] = []
    while out.count < count, rings.contains(where: { !$0.isEmpty }) {
        for index in rings.indices where !rings[index].isEmpty && out.count < count {
            while let point = rings[index].first {
                rings[index].removeFirst()
                if !tried.contains(point), !out.contains(point) {
                    out.append(point)
                    break
                }
            }
        }
    }
    return out
}

/// The valid points around `centre`, nearest first: one step along each parameter, then two, …
private func neighbours(of centre: [Double], space: SearchSpace) -> [[Double]] {
    var out: [[Double]] = []
    for radius in 1...50 {
        for (d, dimension) in space.dimensions.enumerated() {
            let step = dimension.step ?? (dimension.high - dimension.low) / 100
            for sign in [-1.0, 1.0] {
                var point = centre
                point[d] = dimension.quantised(centre[d] + sign * Double(radius) * step)
                if point != centre, !out.contains(point), space.isValid(space.point(point)) { out.append(point) }
            }
        }
        if out.count >= 64 { break }
    }
    return out
}

struct GridProposer: Proposer {
    var points: [[Double]]?
    init(_ space: SearchSpace) { points = space.grid }
    mutating func next(after history: [Scored]) -> [[Double]] {
        defer { points = nil }
        return points ?? []
    }
}

struct RandomProposer: Proposer {
    let space: SearchSpace
    var left: Int
    var generator: SplitMix64

    mutating func next(after history: [Scored]) -> [[Double]] {
        defer { left = 0 }
        return (0..<left).compactMap { _ in space.drawValid(using: &generator) }
    }
}

/// Tournament selection (3), uniform crossover (0.9), Gaussian mutation of each gene with
/// probability 1/genes (σ a tenth of its range), the two best carried over unchanged, and a child
/// that repeats a tried point mutated again (up to 10 times) so each generation explores; the
/// last generation looks next to the three best points instead (`polish`): a small population
/// often ends with its best in a broad basin and a runner-up beside a narrow peak.
struct GeneticProposer: Proposer {
    let space: SearchSpace
    let population: Int
    var generationsLeft: Int
    var generator: SplitMix64
    static let tournament = 3, elite = 2, crossover = 0.9

    mutating func next(after history: [Scored]) -> [[Double]] {
        guard generationsLeft > 0 else { return [] }
        generationsLeft -= 1
        guard history.count >= population else { return (0..<population).compactMap { _ in space.drawValid(using: &generator) } }
        if generationsLeft == 0, case let last = polish(history, space: space, count: population, leaders: 3), !last.isEmpty { return last }
        // The last generation, best first (unscored last; ties to the earlier one).
        let current = Array(history.suffix(population)).enumerated().sorted { a, b in
            switch (a.element.score, b.element.score) {
            case let (x?, y?): x != y ? x > y : a.offset < b.offset
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.offset < b.offset
            }
        }.map(\.element)
        var children = current.prefix(Self.elite).map(\.values)
        // A child already tried would spend no evaluation and learn nothing: it is mutated again.
        var seen = Set(history.map(\.values))
        while children.count < population {
            let mother = pick(current), father = pick(current)
            var child = mother
            if generator.unit() < Self.crossover {
                for gene in child.indices where generator.unit() < 0.5 { child[gene] = father[gene] }
            }
            child = mutate(child)
            var tries = 0
            while !space.isValid(space.point(child)) && tries < 20 {
                child = mutate(mother)
                tries += 1
            }
            if !space.isValid(space.point(child)) { child = space.drawValid(using: &generator) ?? mother }
            for _ in 0..<10 where seen.contains(child) {
                let fresh = mutate(child)
                if space.isValid(space.point(fresh)) { child = fresh }
            }
            seen.insert(child)
            children.append(child)
        }
        return children
    }

    private mutating func pick(_ ranked: [Scored]) -> [Double] {
        // Ranked best first: the tournament's winner is the lowest index drawn.
        var best = ranked.count
        for _ in 0..<Self.tournament { best = min(best, Int(generator.next() % UInt64(ranked.count))) }
        return ranked[best].values
    }

    private mutating func mutate(_ values: [Double]) -> [Double] {
        var out = values
        let rate = 1 / Double(max(1, values.count))
        for (gene, dimension) in space.dimensions.enumerated() where generator.unit() < rate {
            let sigma = max((dimension.high - dimension.low) / 10, dimension.step ?? 0)
            out[gene] = dimension.quantised(out[gene] + sigma * generator.normal())
        }
        return out
    }
}

/// The Tree-structured Parzen Estimator of Bergstra, Bardenet, Bengio and Kégl, "Algorithms for
/// Hyper-Parameter Optimization" (NeurIPS 2011), in its multivariate form (Falkner, Klein and
/// Hutter, BOHB, ICML 2018; Optuna's `multivariate=True`): after random start-up trials, the
/// scored points are split into good and bad (the best γ(n) = min(⌈n/10⌉, 25), as Optuna's
/// default); each side's density is a Parzen window with one product kernel per point plus the
/// uniform prior, so a valley along a diagonal is followed; candidates drawn from the good density
/// are ranked by l(x)/g(x). Batches of 4, the 4 best of 96 candidates, keep it the same whatever
/// the number of jobs. The last tenth of the budget looks next to the best point (`polish`).
struct TPEProposer: Proposer {
    let space: SearchSpace
    var left: Int
    var generator: SplitMix64
    let startup: Int
    /// The last tenth of the budget looks next to the best point (`polish`).
    let polishing: Int
    static let batch = 4, candidatesPerPoint = 24

    init(space: SearchSpace, trials: Int, generator: SplitMix64) {
        self.space = space
        left = trials
        self.generator = generator
        startup = min(trials, max(10, 2 * space.dimensions.count + 1))
        polishing = trials / 10
    }

    mutating func next(after history: [Scored]) -> [[Double]] {
        guard left > 0 else { return [] }
        if history.isEmpty {
            left -= startup
            return (0..<startup).compactMap { _ in space.drawValid(using: &generator) }
        }
        let count = min(Self.batch, left)
        if left <= polishing, case let next = polish(history, space: space, count: count), !next.isEmpty {
            left -= next.count
            return next
        }
        left -= count
        let scored = history.enumerated().sorted { a, b in
            let x = a.element.score ?? -.infinity, y = b.element.score ?? -.infinity
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        let goodCount = max(1, min(25, (scored.count + 9) / 10))
        let good = Parzen(space.dimensions, scored.prefix(goodCount).map(\.values))
        let bad = Parzen(space.dimensions, scored.dropFirst(goodCount).map(\.values))
        var candidates: [(values: [Double], ratio: Double)] = []
        for _ in 0..<(count * Self.candidatesPerPoint) {
            let values = good.sample(using: &generator)
            guard space.isValid(space.point(values)) else { continue }
            candidates.append((values, log(good.density(values)) - log(bad.density(values))))
        }
        var chosen: [[Double]] = []
        let tried = Set(history.map(\.values))
        for candidate in candidates.sorted(by: { $0.ratio > $1.ratio }) where !chosen.contains(candidate.values) && !tried.contains(candidate.values) {
            chosen.append(candidate.values)
            if chosen.count == count { break }
        }
        while chosen.count < count, let extra = space.drawValid(using: &generator) { chosen.append(extra) }
        return chosen
    }
}

/// A Parzen window over the space: a product of Gaussians per observation (each dimension's
/// bandwidth the larger gap to its neighbours along it, at least a hundredth of the range), mixed
/// with the uniform prior as one more component, truncated to the ranges.
struct Parzen {
    let dimensions: [SearchDimension]
    let centres: [[Double]]
    let widths: [[Double]]

    init(_ dimensions: [SearchDimension], _ observations: [[Double]]) {
        self.dimensions = dimensions
        centres = observations
        var widths = observations.map { _ in [Double](repeating: 0, count: dimensions.count) }
        for (d, dimension) in dimensions.enumerated() {
            let range = dimension.high - dimension.low
            let order = observations.indices.sorted { observations[$0][d] < observations[$1][d] }
            for (rank, index) in order.enumerated() {
                let x = observations[index][d]
                let left = rank > 0 ? x - observations[order[rank - 1]][d] : x - dimension.low
                let right = rank + 1 < order.count ? observations[order[rank + 1]][d] - x : dimension.high - x
                widths[index][d] = min(range, max(max(left, right), range / 100))
            }
        }
        self.widths = widths
    }

    func sample(using generator: inout SplitMix64) -> [Double] {
        let component = Int(generator.next() % UInt64(centres.count + 1))
        return dimensions.enumerated().map { d, dimension in
            guard component < centres.count else { return dimension.quantised(dimension.low + (dimension.high - dimension.low) * generator.unit()) }
            for _ in 0..<100 {
                let x = centres[component][d] + widths[component][d] * generator.normal()
                if x >= dimension.low && x <= dimension.high { return dimension.quantised(x) }
            }
            return dimension.quantised(centres[component][d])
        }
    }

    func density(_ x: [Double]) -> Double {
        var total = dimensions.reduce(1.0) { $0 / max($1.high - $1.low, 1e-12) }
        for (centre, width) in zip(centres, widths) {
            var kernel = 1.0
            for d in dimensions.indices {
                let z = (x[d] - centre[d]) / width[d]
                kernel *= exp(-0.5 * z * z) / (width[d] * (2 * .pi).squareRoot())
            }
            total += kernel
        }
        return max(total / Double(centres.count + 1), 1e-300)
    }
}
