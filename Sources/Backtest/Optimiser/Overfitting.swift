import Foundation
import Trading

/// How much of the best trial's result is the search's luck.
public enum Overfitting {
    /// The deflated Sharpe ratio of Bailey and López de Prado, "The Deflated Sharpe Ratio:
    /// Correcting for Selection Bias, Backtest Overfitting and Non-Normality" (2014), eq. 9–10: the
    /// probability that the best trial's true Sharpe ratio is above zero, given that it was the
    /// best of `trials` with these Sharpe ratios. All Sharpe ratios per period (not annualised).
    public struct Deflated: Sendable, Codable, Hashable {
        /// The best trial's Sharpe ratio per period.
        public var sharpe: Double
        /// The highest Sharpe ratio expected from `trials` trials of no skill (SR₀).
        public var expectedMaximum: Double
        /// The probability that the best trial has skill (above 0.95: likely).
        public var probability: Double
        public var trials: Int
        public var observations: Int
        public var skewness: Double
        public var kurtosis: Double

        enum CodingKeys: String, CodingKey {
            case sharpe, probability, trials, observations, skewness, kurtosis
            case expectedMaximum = "expected_maximum"
        }
    }

    /// From the best trial's returns and the variance of every trial's Sharpe ratio.
    public static func deflatedSharpe(best returns: [Double], sharpeVariance: Double, trials: Int) -> Deflated? {
        let moments = SampleMoments(returns)
        guard returns.count > 2, moments.deviation > 0, trials >= 1 else { return nil }
        let sharpe = moments.mean / moments.deviation
        return deflatedSharpe(
            sharpe: sharpe, sharpeVariance: sharpeVariance, trials: trials, observations: returns.count, skewness: moments.skewness,
            kurtosis: moments.excessKurtosis + 3)
    }

    /// The paper's formula from its inputs (kurtosis not in excess: 3 for a normal).
    public static func deflatedSharpe(sharpe: Double, sharpeVariance: Double, trials: Int, observations: Int, skewness: Double, kurtosis: Double) -> Deflated {
        let euler = 0.577_215_664_901_532_9
        let n = Double(max(trials, 1))
        // With one trial there is no selection: the benchmark is a Sharpe ratio of zero.
        let expectedMaximum = trials > 1
            ? sharpeVariance.squareRoot() * ((1 - euler) * StandardNormal.quantile(1 - 1 / n) + euler * StandardNormal.quantile(1 - 1 / (n * M_E)))
            : 0
        let spread = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe
        let z = spread > 0 ? (sharpe - expectedMaximum) * Double(observations - 1).squareRoot() / spread.squareRoot() : 0
        return Deflated(
            sharpe: sharpe, expectedMaximum: expectedMaximum, probability: StandardNormal.cdf(z), trials: trials, observations: observations,
            skewness: skewness, kurtosis: kurtosis)
    }

    /// The probability of backtest overfitting by combinatorially symmetric cross-validation
    /// (Bailey, Borwein, López de Prado and Zhu, "The Probability of Backtest Overfitting", 2016):
    /// the periods are cut into `blocks` equal parts; for every way of taking half of them as the
    /// in-sample set, the trial with the best in-sample Sharpe ratio is ranked out of sample; PBO
    /// is the share of splits where it ranks at or below the median (logit ≤ 0).
    public struct PBO: Sendable, Codable, Hashable {
        public var probability: Double
        public var splits: Int
        public var blocks: Int
        /// The out-of-sample logits, one per split (their histogram is the paper's figure).
        public var logits: [Double]
    }

    /// `returns[trial][period]`, every trial over the same periods.
    public static func pbo(_ returns: [[Double]], blocks wanted: Int = 16) -> PBO? {
        let trials = returns.count
        guard trials >= 2, let periods = returns.first?.count, returns.allSatisfy({ $0.count == periods }) else { return nil }
        var blocks = min(wanted, periods / 2)
        if blocks % 2 == 1 { blocks -= 1 }
        guard blocks >= 2 else { return nil }
        // Each block's sums per trial: a union's Sharpe ratio comes from them without the rows.
        let size = periods / blocks
        var sums = [[Double]](repeating: [Double](repeating: 0, count: trials), count: blocks)
        var squares = sums
        for trial in 0..<trials {
            for block in 0..<blocks {
                let slice = returns[trial][(block * size)..<(block == blocks - 1 ? periods : (block + 1) * size)]
                sums[block][trial] = slice.reduce(0, +)
                squares[block][trial] = slice.reduce(0) { $0 + $1 * $1 }
            }
        }
        let counts = (0..<blocks).map { $0 == blocks - 1 ? periods - size * (blocks - 1) : size }
        func sharpe(_ trial: Int, _ set: [Int]) -> Double {
            var s = 0.0, q = 0.0, n = 0.0
            for block in set { s += sums[block][trial]; q += squares[block][trial]; n += Double(counts[block]) }
            let mean = s / n
            let variance = n > 1 ? (q - n * mean * mean) / (n - 1) : 0
            return variance > 0 ? mean / variance.squareRoot() : (mean > 0 ? .infinity : mean < 0 ? -.infinity : 0)
        }
        var logits: [Double] = []
        for inSample in combinations(of: blocks, choose: blocks / 2) {
            let outSample = (0..<blocks).filter { !inSample.contains($0) }
            var chosen = 0, bestScore = -Double.infinity
            for trial in 0..<trials {
                let score = sharpe(trial, inSample)
                if score > bestScore { (chosen, bestScore) = (trial, score) }
            }
            let outScores = (0..<trials).map { sharpe($0, outSample) }
            // The relative rank of the chosen trial out of sample, in (0, 1): ties share their ranks.
            let below = outScores.count { $0 < outScores[chosen] }, equal = outScores.count { $0 == outScores[chosen] }
            let rank = Double(below) + Double(equal + 1) / 2
            let omega = rank / Double(trials + 1)
            logits.append(log(omega / (1 - omega)))
        }
        return PBO(probability: Double(logits.count { $0 <= 0 }) / Double(logits.count), splits: logits.count, blocks: blocks, logits: logits)
    }

    /// Every subset of `k` of `0..<n`, in lexicographic order.
    static func combinations(of n: Int, choose k: Int) -> [[Int]] {
        var out: [[Int]] = []
        var current: [Int] = []
        func extend(from start: Int) {
            if current.count == k { out.append(current); return }
            guard start < n, n - start >= k - current.count else { return }
            for i in start..<n {
                current.append(i)
                extend(from: i + 1)
                current.removeLast()
            }
        }
        extend(from: 0)
        return out
    }
}
