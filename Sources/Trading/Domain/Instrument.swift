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
        return multiple(Int64(steps), of: increment)
    }

    static func nearest(_ value: Double, to increment: Decimal) -> Decimal {
        let step = increment.double
        guard value > 0, step > 0, value.isFinite else { return 0 }
        let steps = (value / step).rounded(.toNearestOrAwayFromZero)
        guard steps < 9e15 else { return Decimal(string: "\(value)") ?? 0 }
        return multiple(Int64(steps), of: increment)
    }

    /// `steps` × `increment`: built directly for a power-of-ten increment (no Decimal multiply).
    static func multiple(_ steps: Int64, of increment: Decimal) -> Decimal {
        guard increment.significand == 1 else { return Decimal(steps) * increment }
        return Decimal(sign: .plus, exponent: increment.exponent, significand: Decimal(steps))
    }

    static func isMultiple(_ value: Decimal, of increment: Decimal) -> Bool {
        guard increment > 0 else { return true }
        // A power-of-ten increment (the usual tick and step): compare exponents and trailing digits,
        // integer arithmetic instead of a Decimal division.
        if increment.significand == 1, value.exponent >= increment.exponent { return true }
        if increment.significand == 1, increment.exponent - value.exponent <= 18 {
            let digits = NSDecimalNumber(decimal: value.significand).uint64Value
            if Decimal(digits) == value.significand {
                var power: UInt64 = 1
                for _ in 0..<(increment.exponent - value.exponent) { power *= 10 }
                return digits % power == 0
            }
        }
        var quotient = value / increment
        var whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .down)
        return whole == quotient
    }
}

extension Decimal {
    /// The nearest Double, for analytics (never for what is sent to an exchange). Exact for the
    /// values Warden handles (a significand below 2^53 over a power of ten up to 10^22: one
    /// correctly rounded division); anything else goes through the decimal text.
    public var double: Double {
        let e = exponent
        let m = NSDecimalNumber(decimal: significand).uint64Value
        if -22...22 ~= e, m < 1 << 53 {
            let magnitude = e < 0 ? Double(m) / Self.powersOfTen[-e] : Double(m) * Self.powersOfTen[e]
            if e <= 0 || magnitude < 9_007_199_254_740_992 { return sign == .minus ? -magnitude : magnitude }
        }
        // Seventeen digits (a Double's longest shortest form): its digits through the correctly
        // rounding text parser, without Decimal's own (slow) formatting.
        if m > 0, Decimal(m) == significand, let parsed = Double("\(m)e\(e)") { return sign == .minus ? -parsed : parsed }
        return Double(description) ?? NSDecimalNumber(decimal: self).doubleValue
    }

    static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { acc, _ in acc * 10 } }

    /// The exact decimal value of a Double's shortest round-trip form (`0.1` is 0.1, not
    /// 0.1000000000000000055…), built from its digits without parsing a Decimal string.
    public init(exactly value: Double) {
        guard value.isFinite else { self = .nan; return }
        var mantissa: UInt64 = 0
        var exponent = 0
        var digits = 0
        var afterPoint = false
        var text = value.magnitude.description
        var parsed = true
        text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    afterPoint = true
                } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    guard let power = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)) else { parsed = false; return }
                    exponent += power
                    return
                } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    guard digits < 19 else { parsed = false; return }
                    mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                    if mantissa > 0 { digits += 1 }
                    if afterPoint { exponent -= 1 }
                } else {
                    parsed = false
                    return
                }
                index += 1
            }
        }
        guard parsed else {
            self = Decimal(string: "\(value)") ?? Decimal(value)
            return
        }
        self = Decimal(sign: value.sign == .minus ? .minus : .plus, exponent: exponent, significand: Decimal(mantissa))
    }
}
