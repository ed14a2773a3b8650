import Foundation
import WardenCore

/// A tradable market: its canonical symbol (`BTC-USDT`), assets, and the exchange's precision
/// rules. Every amount that leaves the machine is rounded here, in `Decimal`.
public struct Instrument: Sendable, Hashable, Codable {
    public var symbol: String
    public var base: String
    public var quote: String
    public var tickSize: Decimal
    public var stepSize: Decimal
    public var minQuantity: Decimal
    public var minNotional: Decimal

    public init(symbol: String, tickSize: Decimal, stepSize: Decimal, minQuantity: Decimal = 0, minNotional: Decimal = 0) throws(SymbolError) {
        let canonical = try Self.canonical(symbol)
        self.symbol = canonical
        let parts = canonical.split(separator: "-")
        base = String(parts[0])
        quote = String(parts[1])
        self.tickSize = tickSize
        self.stepSize = stepSize
        self.minQuantity = minQuantity
        self.minNotional = minNotional
    }

    /// The precision a replayed market gets when none is configured: a cent tick and BingX spot's
    /// 0.00001 step (BTC-USDT's), with no minimums, so a backtest trades what it decides.
    public static func replay(_ symbol: String) throws(SymbolError) -> Instrument {
        try Instrument(symbol: symbol, tickSize: Decimal(string: "0.01")!, stepSize: Decimal(string: "0.00001")!)
    }

    public struct SymbolError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `BTCUSDT`, `BTC-USDT`, `btc/usdt` and `BTC_USDT` all become `BTC-USDT`.
    public static func canonical(_ text: String) throws(SymbolError) -> String {
        guard let symbol = MarketSettings.canonical(text) else {
            throw SymbolError(description: "expected a market symbol such as BTC-USDT or BTCUSDT, found '\(text)'")
        }
        return symbol
    }

    /// `quantity` rounded down to the step (an exchange refuses more precision; down, so it is affordable).
    public func quantity(_ value: Double) -> Decimal { Self.floor(value, to: stepSize) }

    /// `price` rounded to the nearest tick.
    public func price(_ value: Double) -> Decimal { Self.nearest(value, to: tickSize) }

    public func isOnStep(_ quantity: Decimal) -> Bool { Self.isMultiple(quantity, of: stepSize) }
    public func isOnTick(_ price: Decimal) -> Bool { Self.isMultiple(price, of: tickSize) }

    static func floor(_ value: Double, to increment: Decimal) -> Decimal {
        let step = increment.double
        guard value > 0, step > 0, value.isFinite else { return 0 }
        // A hair of tolerance so 0.3 / 0.1 counts as 3 steps, not 2.999….
        let steps = (value / step + 1e-9).rounded(.down)
        guard steps < 9e15 else { return Decimal(string: "\(value)") ?? 0 }
        return Decimal(Int64(steps)) * increment
    }

    static func nearest(_ value: Double, to increment: Decimal) -> Decimal {
        let step = increment.double
        guard value > 0, step > 0, value.isFinite else { return 0 }
        let steps = (value / step).rounded(.toNearestOrAwayFromZero)
        guard steps < 9e15 else { return Decimal(string: "\(value)") ?? 0 }
        return Decimal(Int64(steps)) * increment
    }

    static func isMultiple(_ value: Decimal, of increment: Decimal) -> Bool {
        guard increment > 0 else { return true }
        var quotient = value / increment
        var whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .down)
        return whole == quotient
    }
}

extension Decimal {
    /// The nearest Double, for analytics (never for what is sent to an exchange).
    /// Through its text: Foundation's own conversion is off by an ulp for values like 58688.43.
    public var double: Double { Double(description) ?? NSDecimalNumber(decimal: self).doubleValue }

    /// The exact decimal text of a Double's shortest round-trip form (`0.1` is 0.1, not 0.1000000000000000055…).
    public init(exactly value: Double) { self = Decimal(string: "\(value)") ?? Decimal(value) }
}
