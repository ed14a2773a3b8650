import Foundation

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
        let moments = Moments(returns)
        guard returns.count > 2, moments.deviation > 0, trials >= 1 else { return nil }
        let sharpe = moments.mean / moments.deviation
        return deflatedSharpe(
            sharpe: sharpe, sharpeVariance: sharpeVariance, trials: trials, observations: returns.count, skewness: moments.skewness, kurtosis: moments.kurtosis)
    }

    /// The paper's formula from its inputs (kurtosis not in excess: 3 for a normal).
    public static func deflatedSharpe(sharpe: Double, sharpeVariance: Double, trials: Int, observations: Int, skewness: Double, kurtosis: Double) -> Deflated {
        let euler = 0.577_215_664_901_532_9
        let n = Double(max(trials, 1))
        // With one trial there is no selection: the benchmark is a Sharpe ratio of zero.
        let expectedMaximum = trials > 1
            ? sharpeVariance.squareRoot() * ((1 - euler) * Normal.quantile(1 - 1 / n) + euler * Normal.quantile(1 - 1 / (n * M_E)))
            : 0
        let spread = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe
        let z = spread > 0 ? (sharpe - expectedMaximum) * Double(observations - 1).squareRoot() / spread.squareRoot() : 0
        return Deflated(
            sharpe: sharpe, expectedMaximum: expectedMaximum, probability: Normal.cdf(z), trials: trials, observations: observations,
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

/// Mean, sample deviation, skewness and (non-excess) kurtosis.
struct Moments {
    var mean = 0.0, deviation = 0.0, skewness = 0.0, kurtosis = 3.0

    init(_ values: [Double]) {
        let n = Double(values.count)
        guard n > 1 else { return }
        mean = values.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for v in values {
            let d = v - mean
            m2 += d * d; m3 += d * d * d; m4 += d * d * d * d
        }
        deviation = (m2 / (n - 1)).squareRoot()
        let population = m2 / n
        if population > 0 {
            skewness = (m3 / n) / pow(population, 1.5)
            kurtosis = (m4 / n) / (population * population)
        }
    }
}

/// The standard normal distribution.
public enum Normal {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// The inverse CDF: Acklam's rational approximation, refined by one Halley step (about 1e-15).
    public static func quantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = cdf(x) - p
        let u = e * (2 * .pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}
