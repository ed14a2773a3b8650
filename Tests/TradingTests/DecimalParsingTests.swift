import Foundation
import Testing
@testable import Trading

/// The candle parser's fast path must give strtod's correctly rounded double, bit for bit.
@Suite struct DecimalParsingTests {
    func both(_ text: String) -> (fast: Double?, strtod: Double) {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            let fast = CandleFile.decimal(buffer.baseAddress!, 0, bytes.count - 1)
            let pointer = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            return (fast, strtod(pointer, nil))
        }
    }

    @Test func randomDecimalsMatchStrtodExactly() {
        var random = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<200_000 {
            let integer = UInt64.random(in: 0...(UInt64.random(in: 0...1, using: &random) == 0 ? 100_000 : 99_999_999_999), using: &random)
            let fractionDigits = Int.random(in: 0...12, using: &random)
            var text = String(integer)
            if fractionDigits > 0 {
                text += "." + (0..<fractionDigits).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            }
            if Bool.random(using: &random) { text = "-" + text }
            let (fast, slow) = both(text)
            if let fast {
                #expect(fast.bitPattern == slow.bitPattern, "\(text): \(fast) vs strtod \(slow)")
                checked += 1
            }
        }
        #expect(checked > 100_000, "the fast path takes most of them")
    }

    @Test func edgeCasesFallBackOrMatch() {
        for text in ["0", "0.0", "1.", ".5", "000123.4500", "9007199254740991", "0.0000000000000000000001"] {
            let (fast, slow) = both(text)
            #expect(fast?.bitPattern == slow.bitPattern, "\(text)")
        }
        for text in ["9007199254740993", "1e5", "12345678901234567890", "0.00000000000000000000001", "", "-", "1.2.3", "1,2", " 1"] {
            #expect(both(text).fast == nil, "\(text) is left to strtod or refused")
        }
    }
}

@Suite("Decimal and Double at the venue boundary")
struct DecimalBoundaryTests {
    @Test("a Double's shortest form becomes that exact Decimal, and back to the same Double, for random prices, fees and tiny or huge values")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, 0.1, 58688.43, 1e-8, 123456789.123, 1e12, 1e22, 3.0e-15, 0.30000000000000004, 9007199254740993]
        for _ in 0..<20_000 {
            values.append(Double(Int.random(in: 1...900_000_000, using: &generator)) / 100)
            values.append(Double.random(in: 1e-9...1e9, using: &generator))
        }
        for value in values {
            let decimal = Decimal(exactly: value)
            #expect(decimal == Decimal(string: "\(value)"), "\(value)")
            #expect(decimal.double == value, "\(value)")
            #expect(Decimal(exactly: -value).double == -value)
        }
    }

    @Test("any decimal (up to 19 digits and 10^±27, or past 2^64) becomes the Double the correctly rounding text parser gives")
    func nearestDouble() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["18446744073709551617", "123456789012345678901234", "9007199254740993", "9007199254740995e-3", "1e27", "1e-27", "0"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...19, using: &generator)
            let mantissa = String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! })
            texts.append("\(mantissa)e\(Int.random(in: -30...30, using: &generator))")
        }
        for text in texts {
            let expected = Double(text)!
            #expect(Decimal(string: text)!.double == expected, "\(text)")
            #expect(Decimal(string: "-" + text)!.double == -expected, "-\(text)")
        }
    }
}
