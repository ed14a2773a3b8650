import Foundation

/// Weights of assets (or strategy slots) from their returns: equal, inverse volatility, or equal
/// risk contribution. Each sums to 1; `returns[t][i]` is asset i's return over bar t.
public enum PortfolioWeights {
    public enum Method: String, Sendable, CaseIterable, Codable {
        case equal
        case inverseVolatility = "inverse_volatility"
        case riskParity = "risk_parity"
    }

    public struct Solution: Sendable, Codable, Hashable {
        public var weights: [Double]
        /// Each asset's share of the portfolio's variance, wᵢ(Σw)ᵢ / wᵀΣw.
        public var riskContributions: [Double]
        /// Iterations the risk-parity solver took (0 for the closed forms).
        public var iterations: Int

        enum CodingKeys: String, CodingKey {
            case weights, iterations
            case riskContributions = "risk_contributions"
        }
    }

    public static func solve(_ method: Method, returns: [[Double]], tolerance: Double = 1e-8) -> Solution? {
        guard let n = returns.first?.count, n > 0, returns.count > 1 else { return nil }
        let covariance = Covariance.sample(returns)
        var weights: [Double]
        var iterations = 0
        switch method {
        case .equal:
            weights = Array(repeating: 1 / Double(n), count: n)
        case .inverseVolatility:
            let inverse = (0..<n).map { covariance[$0][$0] > 0 ? 1 / covariance[$0][$0].squareRoot() : 0 }
            let total = inverse.reduce(0, +)
            guard total > 0 else { return nil }
            weights = inverse.map { $0 / total }
        case .riskParity:
            guard let solved = riskParity(covariance, tolerance: tolerance) else { return nil }
            (weights, iterations) = solved
        }
        return Solution(weights: weights, riskContributions: contributions(weights, covariance), iterations: iterations)
    }

    /// Equal risk contributions by cyclical coordinate descent (Griveau-Billion, Richard and
    /// Roncalli, "A Fast Algorithm for Computing High-Dimensional Risk Parity Portfolios", 2013):
    /// each yᵢ solves Σᵢᵢyᵢ² + (Σⱼ≠ᵢ Σᵢⱼyⱼ)yᵢ − 1/n = 0 in turn, until the contributions agree to
    /// `tolerance`; the weights are y normalised.
    static func riskParity(_ c: [[Double]], tolerance: Double) -> ([Double], Int)? {
        let n = c.count
        guard (0..<n).allSatisfy({ c[$0][$0] > 0 }) else { return nil }
        var y = (0..<n).map { 1 / c[$0][$0].squareRoot() }
        let budget = 1 / Double(n)
        for iteration in 1...100_000 {
            for i in 0..<n {
                var cross = 0.0
                for j in 0..<n where j != i { cross += c[i][j] * y[j] }
                y[i] = (-cross + (cross * cross + 4 * c[i][i] * budget).squareRoot()) / (2 * c[i][i])
            }
            let total = y.reduce(0, +)
            let w = y.map { $0 / total }
            let shares = contributions(w, c)
            if let spread = shares.max().map({ $0 - shares.min()! }), spread < tolerance { return (w, iteration) }
        }
        return nil
    }

    static func contributions(_ w: [Double], _ c: [[Double]]) -> [Double] {
        let n = w.count
        let marginal = (0..<n).map { i in (0..<n).reduce(0) { $0 + c[i][$1] * w[$1] } }
        let variance = zip(w, marginal).reduce(0) { $0 + $1.0 * $1.1 }
        return variance > 0 ? (0..<n).map { w[$0] * marginal[$0] / variance } : Array(repeating: 0, count: n)
    }
}
