import Trading
import WardenCore

extension EngineRiskSettings {
    /// The configuration's limits as the trading code applies them.
    public var limits: RiskLimits {
        RiskLimits(
            maxPositionNotional: maxPositionNotional, maxTotalExposure: maxTotalExposure, stopLossATR: stopLossATR,
            takeProfitATR: takeProfitATR, atrPeriod: atrPeriod, dailyLossLimit: dailyLossLimit, maxDrawdown: maxDrawdown)
    }
}
