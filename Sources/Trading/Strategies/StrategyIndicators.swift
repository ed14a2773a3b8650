extension StrategyRegistry {
    /// The indicators a strategy decides on, at its parameters (defaults filled in): what a chart
    /// draws beside its trades. Keep in step with each strategy's `init(parameters:)`.
    public static func indicators(_ name: String, parameters: [String: Double]) -> [IndicatorSpec] {
        guard let values = try? resolve(name, overrides: parameters) else { return [] }
        func whole(_ key: String) -> Int { Int(values[key] ?? 0) }
        switch name {
        case CCIStrategy.name: return [.cci(whole("period"))]
        case RSIMACDStrategy.name: return [.rsi(whole("rsi")), .macd(fast: whole("fast"), slow: whole("slow"), signal: whole("signal"))]
        case BollingerStrategy.name: return [.bollinger(period: whole("period"), deviations: values["stddev"] ?? 2)]
        default: return []
        }
    }
}
