import Foundation
import Testing
@testable import Trading

@Suite("Risk analytics: VaR and CVaR by four methods, portfolio weights")
struct RiskAnalyticsTests {
    @Test func historicalVaRIsTheLinearlyInterpolatedQuantileAndCVaRTheTailMean() throws {
        // Returns −0.50, −0.49, …, 0.49: the 5 % quantile at position 0.05 × 99 = 4.95.
        let returns = (0..<100).map { [Double($0 - 50) / 100] }
        let e = try #require(ValueAtRisk(returns: returns, weights: [1]).estimate(.historical, confidence: 0.95))
        #expect(abs(e.valueAtRisk - 0.4505) < 1e-12)
        #expect(abs(e.conditionalValueAtRisk - 0.48) < 1e-12)  // the mean of −0.50 … −0.46
    }

    @Test func parametricIsTheNormalsAndCornishFisherWithoutSkewOrKurtosisEqualsIt() throws {
        var generator = SplitMix64(seed: 3)
        let returns = (0..<20_000).map { _ in [0.001 + 0.02 * generator.normal(), 0.002 * generator.normal()] }
        let model = ValueAtRisk(returns: returns, weights: [0.5, 0.5], horizon: 4)
        let m = SampleMoments(model.portfolio)
        let p = try #require(model.estimate(.parametric, confidence: 0.99))
        let expected: Double = -(4 * m.mean) + 2.326347874040841 * 2 * m.deviation
        #expect(abs(p.valueAtRisk - expected) < 1e-12)
        #expect(abs(ValueAtRisk.cornishFisher(-2.326347874040841, skewness: 0, excessKurtosis: 0) + 2.326347874040841) < 1e-15)
        // Normal returns: Cornish–Fisher and Monte Carlo land near the parametric value.
        let cf = try #require(model.estimate(.cornishFisher, confidence: 0.99))
        let mc = try #require(model.estimate(.monteCarlo, confidence: 0.99, paths: 100_000, seed: 9))
        #expect(abs(cf.valueAtRisk - p.valueAtRisk) / p.valueAtRisk < 0.02)
        let varGap: Double = abs(mc.valueAtRisk - p.valueAtRisk) / p.valueAtRisk
        let cvarGap: Double = abs(mc.conditionalValueAtRisk - p.conditionalValueAtRisk) / p.conditionalValueAtRisk
        #expect(varGap < 0.02 && cvarGap < 0.03)
    }

    @Test func riskParityGivesEqualContributionsAndWithoutCorrelationIsInverseVolatility() throws {
        var generator = SplitMix64(seed: 5)
        let independent = (0..<5_000).map { _ in [0.01 * generator.normal(), 0.03 * generator.normal(), 0.02 * generator.normal()] }
        let parity = try #require(PortfolioWeights.solve(.riskParity, returns: independent))
        #expect(parity.riskContributions.max()! - parity.riskContributions.min()! < 1e-8)
        let correlated = independent.map { [$0[0], 0.5 * $0[0] + $0[1], $0[2] - 0.3 * $0[1]] }
        let solved = try #require(PortfolioWeights.solve(.riskParity, returns: correlated))
        #expect(solved.riskContributions.allSatisfy { abs($0 - 1.0 / 3) < 1e-8 })
        #expect(abs(solved.weights.reduce(0, +) - 1) < 1e-12)
        // Uncorrelated in truth: close to 1/σ (the sample covariance is not exactly diagonal).
        let inverse = try #require(PortfolioWeights.solve(.inverseVolatility, returns: independent))
        for (a, b) in zip(parity.weights, inverse.weights) { #expect(abs(a - b) < 0.01) }
        let third: Double = 1.0 / 3
        let equal: [Double] = PortfolioWeights.solve(.equal, returns: independent)?.weights ?? []
        #expect(equal == [third, third, third])
    }

    @Test func choleskyRefusesAMatrixThatIsNotPositiveDefinite() {
        let lower: [[Double]] = Covariance.cholesky([[4, 2], [2, 3]]) ?? []
        let expected: [[Double]] = [[2, 0], [1, 2.0.squareRoot()]]
        #expect(lower.count == 2 && zip(lower.joined(), expected.joined()).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(Covariance.cholesky([[1, 2], [2, 1]]) == nil)
    }
}
