import Foundation

/// Value at risk and conditional value at risk of a portfolio's returns, as positive fractions of
/// its value (a loss). `returns[t][i]` is asset i's simple return over bar t; the portfolio's
/// return is Σ wᵢ rᵢ; over a horizon of H bars the historical methods take overlapping H-bar
/// compounded returns and the parametric ones scale the mean by H and the deviation by √H.
public struct ValueAtRisk: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable {
        case historical, parametric
        case cornishFisher = "cornish_fisher"
        case monteCarlo = "monte_carlo"
    }

    public struct Estimate: Sendable, Codable, Hashable {
        public var method: Method
        public var confidence: Double
        public var valueAtRisk: Double
        public var conditionalValueAtRisk: Double

        enum CodingKeys: String, CodingKey {
            case method, confidence
            case valueAtRisk = "var", conditionalValueAtRisk = "cvar"
        }
    }

    public let returns: [[Double]]
    public let weights: [Double]
    public let horizon: Int

    /// The portfolio's one-bar returns, computed once for every method.
    public let portfolio: [Double]

    public init(returns: [[Double]], weights: [Double], horizon: Int = 1) {
        self.returns = returns
        self.weights = weights
        self.horizon = max(1, horizon)
        portfolio = returns.map { row in zip(row, weights).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    /// Overlapping H-bar compounded portfolio returns (the bars themselves for H = 1): from prefix
    /// sums of log(1 + r), so a day of minutes over a few thousand bars costs O(n), not O(nH).
    public var horizonReturns: [Double] { Self.compounded(portfolio, horizon: horizon) }

    /// Overlapping H-bar compounded returns of one-bar returns `p`.
    public static func compounded(_ p: [Double], horizon: Int) -> [Double] {
        guard horizon > 1 else { return p }
        guard p.count >= horizon else { return [] }
        var sums = [Double](repeating: 0, count: p.count + 1)
        for (index, r) in p.enumerated() { sums[index + 1] = sums[index] + log1p(r) }
        return (0...(p.count - horizon)).map { start in expm1(sums[start + horizon] - sums[start]) }
    }

    public func estimate(_ method: Method, confidence: Double, paths: Int = 100_000, seed: UInt64 = 1) -> Estimate? {
        let alpha = 1 - confidence
        switch method {
        case .historical:
            guard let (v, c) = Self.historical(horizonReturns, alpha: alpha) else { return nil }
            return Estimate(method: method, confidence: confidence, valueAtRisk: v, conditionalValueAtRisk: c)
        case .parametric, .cornishFisher:
            let m = SampleMoments(portfolio)
            guard m.count > 2, m.deviation > 0 else { return nil }
            let mean = m.mean * Double(horizon), deviation = m.deviation * Double(horizon).squareRoot()
            if method == .parametric {
                let z = StandardNormal.quantile(alpha)
                // The normal's tail mean: μ − σ φ(z)/α.
                return Estimate(
                    method: method, confidence: confidence, valueAtRisk: -(mean + z * deviation),
                    conditionalValueAtRisk: -(mean - deviation * StandardNormal.density(z) / alpha))
            }
            let (s, k) = (m.skewness, m.excessKurtosis)
            let a = StandardNormal.quantile(alpha)
            // CVaR: the mean of the corrected quantile over (0, α) = E[q(Z); Z < a]/α, a polynomial in
            // Z, so from the normal's partial moments Mₖ = E[Zᵏ; Z < a]: M₀ = α, M₁ = −φ(a),
            // M₂ = α − aφ(a), M₃ = −(a² + 2)φ(a).
            let phi = StandardNormal.density(a)
            let (m0, m1, m2, m3) = (alpha, -phi, alpha - a * phi, -(a * a + 2) * phi)
            let tail = mean * m0 + deviation * (m1 + s / 6 * (m2 - m0) + k / 24 * (m3 - 3 * m1) - s * s / 36 * (2 * m3 - 5 * m1))
            let value = mean + deviation * Self.cornishFisher(a, skewness: s, excessKurtosis: k)
            return Estimate(method: method, confidence: confidence, valueAtRisk: -value, conditionalValueAtRisk: -tail / alpha)
        case .monteCarlo:
            guard let simulated = monteCarlo(paths: paths, seed: seed), let (v, c) = Self.historical(simulated, alpha: alpha) else { return nil }
            return Estimate(method: method, confidence: confidence, valueAtRisk: v, conditionalValueAtRisk: c)
        }
    }

    /// The Cornish–Fisher expansion of a standard normal quantile z for skewness S and excess kurtosis K:
    /// z + (z² − 1)S/6 + (z³ − 3z)K/24 − (2z³ − 5z)S²/36.
    public static func cornishFisher(_ z: Double, skewness s: Double, excessKurtosis k: Double) -> Double {
        z + (z * z - 1) * s / 6 + (z * z * z - 3 * z) * k / 24 - (2 * z * z * z - 5 * z) * s * s / 36
    }

    /// VaR: the negated α-quantile with linear interpolation between order statistics (numpy's
    /// default, position α(n − 1)); CVaR: the mean of the returns at or below it, negated.
    public static func historical(_ values: [Double], alpha: Double) -> (Double, Double)? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = alpha * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        let q = sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
        let tail = sorted.prefix { $0 <= q }
        let mean = tail.isEmpty ? q : tail.reduce(0, +) / Double(tail.count)
        return (-q, -mean)
    }

    /// H-bar portfolio returns from a multivariate normal with the assets' sample mean and
    /// covariance (each path the sum of H independent bars: mean Hμ, covariance HΣ), seeded. With
    /// Σ = LLᵀ an asset's draw is μ + Lz, so the portfolio's is wᵀμ + (Lᵀw)ᵀz: one dot product a path.
    func monteCarlo(paths: Int, seed: UInt64) -> [Double]? {
        let n = weights.count
        guard returns.count > n, n > 0 else { return nil }
        let means = (0..<n).map { i in returns.reduce(0) { $0 + $1[i] } / Double(returns.count) }
        let covariance = Covariance.sample(returns)
        guard let lower = Covariance.cholesky(covariance) else { return nil }
        let h = Double(horizon)
        let centre = zip(weights, means).reduce(0) { $0 + $1.0 * $1.1 } * h
        let loadings = (0..<n).map { j in (j..<n).reduce(0) { $0 + weights[$1] * lower[$1][j] } * h.squareRoot() }
        var generator = SplitMix64(seed: seed)
        var out = [Double](repeating: 0, count: paths)
        for path in 0..<paths {
            var value = centre
            for j in 0..<n { value += loadings[j] * generator.normal() }
            out[path] = value
        }
        return out
    }
}

/// Mean, sample deviation, skewness and excess kurtosis (population moments, as scipy's defaults).
public struct SampleMoments: Sendable {
    public var count = 0, mean = 0.0, deviation = 0.0, skewness = 0.0, excessKurtosis = 0.0

    public init(_ values: [Double]) {
        count = values.count
        let n = Double(count)
        guard count > 1 else { return }
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
            excessKurtosis = (m4 / n) / (population * population) - 3
        }
    }
}

public enum Covariance {
    /// The sample covariance (n − 1) of rows of observations.
    public static func sample(_ rows: [[Double]]) -> [[Double]] {
        guard let width = rows.first?.count, rows.count > 1 else { return [] }
        let n = Double(rows.count)
        let means = (0..<width).map { i in rows.reduce(0) { $0 + $1[i] } / n }
        var c = [[Double]](repeating: [Double](repeating: 0, count: width), count: width)
        for row in rows {
            for i in 0..<width {
                let di = row[i] - means[i]
                for j in i..<width { c[i][j] += di * (row[j] - means[j]) }
            }
        }
        for i in 0..<width {
            for j in i..<width {
                c[i][j] /= n - 1
                c[j][i] = c[i][j]
            }
        }
        return c
    }

    /// The lower triangle L with L Lᵀ = c, nil when c is not positive definite.
    public static func cholesky(_ c: [[Double]]) -> [[Double]]? {
        let n = c.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = c[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i][j] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        return l
    }
}

/// The standard normal: density, CDF and quantile (Acklam's approximation refined by a Halley step).
public enum StandardNormal {
    public static func density(_ x: Double) -> Double { exp(-x * x / 2) / (2 * .pi).squareRoot() }
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    public static func quantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - 0.02425 {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = cdf(x) - p
        let u = e * (2 * .pi).squareRoot() * exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014) with Box–Muller normals: small, fast and the same on
/// every machine, so a seed names the same draws everywhere (optimiser trials, Monte Carlo paths).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private var spare: Double?
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal.
    public mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        let u = max(unit(), 1e-300), v = unit()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }
}
