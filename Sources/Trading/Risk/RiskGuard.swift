import Foundation
import WardenCore

/// Account-wide state of the limits: the ATR for stops, the day's opening equity, the peak, and
/// whether new entries are halted (and why). A halt lasts until an operator resumes trading.
public struct RiskGuard: Sendable {
    public let limits: RiskLimits
    private var atr: ATR
    public private(set) var currentATR: Double?
    private var day: Int64?
    private var dayOpenEquity: Double
    public private(set) var peak: Double
    public private(set) var haltReason: String?
    public private(set) var dailyPnLRatio = 0.0

    public init(limits: RiskLimits, startingEquity: Double) {
        self.limits = limits
        atr = ATR(period: limits.atrPeriod)
        dayOpenEquity = startingEquity
        peak = startingEquity
    }

    public var halted: Bool { haltReason != nil }

    /// At a bar's close, before decisions: the ATR, and equity against the day's open and the peak.
    /// Returns the reason when this bar triggered a halt.
    public mutating func observe(_ candle: Candle, equity: Double) -> String? {
        currentATR = atr.update(candle.bar)
        let today = candle.openTime / 86_400_000
        if day != today {
            if day != nil { dayOpenEquity = equityBeforeToday }
            day = today
        }
        equityBeforeToday = equity
        peak = max(peak, equity)
        dailyPnLRatio = equity / dayOpenEquity - 1
        guard haltReason == nil else { return nil }
        if let limit = limits.dailyLossLimit, equity <= dayOpenEquity * (1 - limit) {
            haltReason = String(format: "daily loss limit: equity %.2f is %.2f%% below the day's open %.2f", equity, -dailyPnLRatio * 100, dayOpenEquity)
        } else if let limit = limits.maxDrawdown, equity <= peak * (1 - limit) {
            haltReason = String(format: "max drawdown: equity %.2f is %.2f%% below the peak %.2f", equity, (1 - equity / peak) * 100, peak)
        }
        return haltReason
    }

    /// The last close's equity, which opens the next day.
    private var equityBeforeToday = 0.0

    public mutating func halt(_ reason: String) { haltReason = reason }
    /// An operator accepts the loss so far: the peak and the day's opening equity restart from
    /// `equity`, or the same limits would halt again at the next bar.
    public mutating func resume(equity: Double) {
        haltReason = nil
        peak = equity
        dayOpenEquity = equity
    }

    /// The quantity an entry may buy at `price` with `cash`, within the position and exposure caps.
    public func entryQuantity(cash: Double, price: Double, fills: FillModel, otherExposure: Double) -> Double {
        var quantity = fills.affordableQuantity(cash: cash, price: price)
        if let cap = limits.maxPositionNotional { quantity = min(quantity, cap / price) }
        if let cap = limits.maxTotalExposure { quantity = min(quantity, max(0, cap - otherExposure) / price) }
        return quantity
    }
}
