import Foundation
import WardenCore

/// A tradable market: its canonical symbol (`BTC-USDT`), assets, and the exchange's precision
/// rules. Every amount that leaves the machine is rounded here, in `Decimal`.
public struct Instrument: Sendable, Hashable, Codable {
    public let symbol: String
    public let base: String
    public let quote: String
    public let tickSize: Decimal
    public let stepSize: Decimal
    public let minQuantity: Decimal
    public let minNotional: Decimal
    /// The same rules as Doubles, converted once: the order path compares against them per order.
    public let tick: Double, step: Double, minimumQuantity: Double, minimumNotional: Double

    private enum CodingKeys: String, CodingKey { case symbol, tickSize, stepSize, minQuantity, minNotional }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), tickSize: c.decode(Decimal.self, forKey: .tickSize), stepSize: c.decode(Decimal.self, forKey: .stepSize),
            minQuantity: c.decode(Decimal.self, forKey: .minQuantity), minNotional: c.decode(Decimal.self, forKey: .minNotional))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(tickSize, forKey: .tickSize)
        try c.encode(stepSize, forKey: .stepSize)
        try c.encode(minQuantity, forKey: .minQuantity)
        try c.encode(minNotional, forKey: .minNotional)
    }

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
        tick = tickSize.double
        step = stepSize.double
        minimumQuantity = minQuantity.double
        minimumNotional = minNotional.double
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
    public func quantity(_ value: Double) -> Decimal { Self.floor(value, to: stepSize, step) }

    /// `price` rounded to the nearest tick.
    public func price(_ value: Double) -> Decimal { Self.nearest(value, to: tickSize, tick) }

    public func isOnStep(_ quantity: Decimal) -> Bool { Self.isMultiple(quantity, of: stepSize) }
    public func isOnTick(_ price: Decimal) -> Bool { Self.isMultiple(price, of: tickSize) }

    static func floor(_ value: Double, to increment: Decimal, _ step: Double? = nil) -> Decimal {
        let step = step ?? increment.double
        guard value > 0, step > 0, value.isFinite else { return 0 }
        // A hair of tolerance so 0.3 / 0.1 counts as 3 steps, not 2.999….
        let steps = (value / step + 1e-9).rounded(.down)
        guard steps < 9e15 else { return rounded(Decimal(exactly: value), to: increment, .down) }
        return multiple(Int64(steps), of: increment)
    }

    static func nearest(_ value: Double, to increment: Decimal, _ step: Double? = nil) -> Decimal {
        let step = step ?? increment.double
        guard value > 0, step > 0, value.isFinite else { return 0 }
        let steps = (value / step).rounded(.toNearestOrAwayFromZero)
        guard steps < 9e15 else { return rounded(Decimal(exactly: value), to: increment, .plain) }
        return multiple(Int64(steps), of: increment)
    }

    /// More steps than a Double counts exactly: the value's own digits, cut to a power-of-ten
    /// increment's places (any other increment: the nearest multiple below, by division).
    static func rounded(_ value: Decimal, to increment: Decimal, _ mode: Decimal.RoundingMode) -> Decimal {
        var value = value
        var result = Decimal()
        if increment.significand == 1 {
            NSDecimalRound(&result, &value, -increment.exponent, mode)
            return result
        }
        var steps = value / increment
        NSDecimalRound(&result, &steps, 0, mode)
        return result * increment
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
    /// The nearest Double, for analytics (never for what is sent to an exchange). Exact: a
    /// significand below 2^53 over a power of ten up to 10^22 is one correctly rounded operation
    /// (Clinger's fast path); up to 2^64 and 10^27 it is one in 64-bit extended precision, kept
    /// unless it lands exactly half-way between two Doubles (the only case a second rounding can
    /// get wrong); anything else goes through the decimal text.
    public var double: Double {
        let e = exponent
        let significand = significand
        let m = NSDecimalNumber(decimal: significand).uint64Value
        // uint64Value wraps for a significand past UInt64: only a faithful one takes the fast paths.
        guard Decimal(m) == significand else { return Double(description) ?? NSDecimalNumber(decimal: self).doubleValue }
        let negative = sign == .minus
        if -22...22 ~= e, m < 1 << 53 {
            let magnitude = e < 0 ? Double(m) / Self.powersOfTen[-e] : Double(m) * Self.powersOfTen[e]
            return negative ? -magnitude : magnitude
        }
        #if arch(x86_64) || arch(i386)
        if -27...27 ~= e {
            let extended = e < 0 ? Float80(m) / Self.extendedPowersOfTen[-e] : Float80(m) * Self.extendedPowersOfTen[e]
            if extended.significandBitPattern & 0x7FF != 0x400 {
                let magnitude = Double(extended)
                return negative ? -magnitude : magnitude
            }
        }
        #endif
        if let parsed = Double("\(m)e\(e)") { return negative ? -parsed : parsed }
        return Double(description) ?? NSDecimalNumber(decimal: self).doubleValue
    }

    #if arch(x86_64) || arch(i386)
    /// 10^0 … 10^27, each exact in Float80 (5^27 < 2^64).
    static let extendedPowersOfTen: [Float80] = (0...27).map { (0..<$0).reduce(Float80(1)) { acc, _ in acc * 10 } }
    #endif

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
