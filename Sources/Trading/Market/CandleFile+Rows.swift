import Foundation

/// One CSV row into a candle: a one-pass fast path for the common row, a careful path that names
/// what is wrong, and exact decimal conversion.
extension CandleFile {
    struct RowError: Error { var text: String }

    /// One row without building strings or allocating: field bounds on the stack, the timestamp
    /// by hand, the numbers by `decimal` (strtod's exact result, faster) with strtod behind it.
    static func parseRow(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Result<Candle, RowError> {
        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 7) { starts in
            // starts[i] is field i's first byte; field i ends at starts[i + 1] - 1 (the last at `end`).
            var fields = 1
            starts[0] = start
            for index in start..<end where base[index] == UInt8(ascii: ",") {
                if fields < 6 { starts[fields] = index + 1 }
                fields += 1
            }
            guard fields == 6 else {
                return .failure(RowError(text: "expected 6 fields (timestamp,open,high,low,close,volume), found \(fields)"))
            }
            starts[6] = end + 1
            func fieldEnd(_ field: Int) -> Int { starts[field + 1] - 1 }
            var time: Int64 = 0
            var digits = 0
            var negative = false
            for index in start..<fieldEnd(0) {
                let byte = base[index]
                if index == start && byte == UInt8(ascii: "-") { negative = true; continue }
                guard byte >= 0x30 && byte <= 0x39, digits < 18 else {
                    return .failure(RowError(text: "timestamp '\(text(start, fieldEnd(0)))' is not an integer (Unix milliseconds)"))
                }
                time = time * 10 + Int64(byte - 0x30)
                digits += 1
            }
            if digits == 0 { return .failure(RowError(text: "timestamp '' is not an integer (Unix milliseconds)")) }
            if negative { time = -time }
            var values = RowValues()
            for field in 1...5 {
                let from = starts[field], to = fieldEnd(field)
                guard let value = decimal(base, from, to) ?? slowDecimal(base, from, to) else {
                    let name = ["open", "high", "low", "close", "volume"][field - 1]
                    return .failure(RowError(text: "\(name) '\(text(from, to))' is not a number"))
                }
                values.set(field - 1, value)
            }
            guard values.high >= values.low else {
                return .failure(RowError(text: "high \(text(starts[2], fieldEnd(2))) is below low \(text(starts[3], fieldEnd(3)))"))
            }
            return .success(values.candle(openTime: time))
        }
    }

    /// The common row in one pass: an unsigned integer timestamp and five plain decimals that
    /// `decimal` would accept, high ≥ low. Anything else (including every bad row) is nil, and
    /// `parseRow` decides, so both give the same candles and the same messages.
    @inline(__always)
    static func fastRow(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Candle? {
        var index = start
        var time: Int64 = 0
        var digits = 0
        while index < end {
            let digit = base[index] &- 0x30
            guard digit < 10 else { break }
            guard digits < 18 else { return nil }
            time = time &* 10 &+ Int64(digit)
            digits += 1
            index += 1
        }
        guard digits > 0, index < end, base[index] == UInt8(ascii: ",") else { return nil }
        index += 1
        var values = RowValues()
        for field in 0..<5 {
            guard let value = scanDecimal(base, &index, end) else { return nil }
            if field < 4 {
                guard index < end, base[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            } else {
                guard index == end else { return nil }
            }
            values.set(field, value)
        }
        guard values.high >= values.low else { return nil }
        return values.candle(openTime: time)
    }

    /// 10^exponent for 0...22, all exact doubles.
    @inline(__always)
    static func exactPowerOfTen(_ exponent: Int) -> Double {
        withUnsafePointer(to: exactPowersOfTen) { $0.withMemoryRebound(to: Double.self, capacity: 23) { $0[exponent] } }
    }

    static let exactPowersOfTen: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                                  Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
        (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22)

    /// Plain decimals (`-?digits[.digits]`) of at most 19 significant digits whose digits, as an
    /// integer, fit in 53 bits: the digits and the power of ten are both exact doubles, so one
    /// division rounds once, exactly as strtod (Clinger's fast path). Anything else: nil.
    static func decimal(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Double? {
        var index = from
        guard let value = scanDecimal(base, &index, to), index == to else { return nil }
        return value
    }

    /// `decimal` from `index` up to the first byte that cannot continue the number (left at it).
    @inline(__always)
    static func scanDecimal(_ base: UnsafePointer<UInt8>, _ index: inout Int, _ end: Int) -> Double? {
        var negative = false
        if index < end && base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var fraction = 0
        var seenPoint = false
        var seenDigit = false
        while index < end {
            let byte = base[index]
            let digit = byte &- 0x30
            if digit < 10 {
                seenDigit = true
                if mantissa != 0 || digit != 0 { significant += 1 }
                guard significant <= 19 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if seenPoint { fraction += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        guard seenDigit, mantissa < (1 << 53), fraction <= 22 else { return nil }
        let value = Double(mantissa) / exactPowerOfTen(fraction)
        return negative ? -value : value
    }

    /// strtod for what the fast path leaves (exponents, long mantissas), checked to cover the whole
    /// field. The field is copied out with a NUL after it: the input need not be NUL-terminated.
    static func slowDecimal(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Double? {
        guard from < to, to - from < 512, base[from] != 0x20, base[from] != 0x09 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: to - from + 1) { field in
            let start = field.baseAddress!
            UnsafeMutableRawPointer(start).copyMemory(from: base + from, byteCount: to - from)
            start[to - from] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(start, &stop)
            guard stop == start + (to - from), value.isFinite else { return nil }
            return value
        }
    }
}

/// A row's five numbers by field (0 open, 1 high, 2 low, 3 close, 4 volume), shared by both row paths.
struct RowValues {
    var open = 0.0, high = 0.0, low = 0.0, close = 0.0, volume = 0.0

    @inline(__always)
    mutating func set(_ field: Int, _ value: Double) {
        switch field {
        case 0: open = value
        case 1: high = value
        case 2: low = value
        case 3: close = value
        default: volume = value
        }
    }

    func candle(openTime: Int64) -> Candle {
        Candle(openTime: openTime, open: open, high: high, low: low, close: close, volume: volume)
    }
}
