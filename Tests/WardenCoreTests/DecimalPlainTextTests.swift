import Foundation
import Testing

import WardenCore

/// `plainText` is `description`, faster: held to the same text on what money looks like
/// (prices, quantities, products of them with fee rates), on mantissas wider than 64 bits
/// and on exponents far from zero in both directions.
@Suite struct DecimalPlainTextTests {
    @Test(arguments: ["0", "-0", "0.000", "1", "-1", "10", "1000", "0.1", "-0.00231400", "43251.37", "1e3", "1.5e-12",
                      "18446744073709551615", "18446744073709551616", "-99999999999999999999.5", "1e-30", "123e30"])
    func knownValues(text: String) throws {
        let value = try #require(Decimal(string: text))
        #expect(value.plainText == value.description, "\(text)")
        #expect(Decimal(plainText: text)?.description == value.description, "\(text)")
    }

    @Test func notANumberIsWrittenAsDescriptionWritesIt() {
        #expect(Decimal.nan.plainText == Decimal.nan.description)
    }

    @Test(arguments: ["", "-", ".", "abc", "1.2.3", "--1", "1e", " 1"])
    func textThatIsNoNumberIsReadAsDecimalStringReadsIt(text: String) {
        #expect(Decimal(plainText: text) == Decimal(string: text), "\(text)")
    }

    @Test func parsingRandomPlainTextGivesDecimalStringsValue() {
        var random = SystemRandomNumberGenerator()
        for round in 0..<100_000 {
            // Up to 20 digits, trailing zeros kept, a point anywhere, a sign.
            var text = String(UInt64.random(in: 0...(round % 2 == 0 ? 999_999_999_999 : .max), using: &random))
            if round % 3 == 0 { text += String(repeating: "0", count: Int.random(in: 1...4, using: &random)) }
            let point = Int.random(in: 0...text.count, using: &random)
            if point < text.count { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            if Bool.random(using: &random) { text = "-" + text }
            let fast = Decimal(plainText: text), slow = Decimal(string: text)
            #expect(fast == slow && fast?.description == slow?.description, "\(text)")
        }
    }

    @Test func randomValuesGiveDescriptionsText() {
        // A failure prints both texts, so the value is in the report.
        var random = SystemRandomNumberGenerator()
        func draw(_ bound: UInt64) -> UInt64 { UInt64.random(in: 0..<bound, using: &random) }
        var checked = 0
        for round in 0..<100_000 {
            let value: Decimal
            switch round % 3 {
            case 0:
                // Up to 20 digits (some beyond 64 bits), a point anywhere, a sign, sometimes an exponent.
                var text = String(draw(draw(2) == 0 ? 1_000_000 : .max)) + (draw(2) == 0 ? String(draw(10)) : "")
                let point = Int(draw(UInt64(text.count + 1)))
                if point < text.count { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
                if draw(2) == 0 { text = "-" + text }
                if draw(5) == 0 { text += "e\(Int(draw(61)) - 30)" }
                guard let parsed = Decimal(string: text) else { continue }
                value = parsed
            case 1:
                // A fill's fee: price × quantity × rate, as the engine computes it.
                let price = Decimal(draw(10_000_000)) / 100, quantity = Decimal(draw(1_000_000)) / 100_000
                value = price * quantity * Decimal(string: "0.001")!
            default:
                value = Decimal(sign: draw(2) == 0 ? .plus : .minus, exponent: Int(draw(81)) - 40, significand: Decimal(draw(.max)))
            }
            #expect(value.plainText == value.description)
            checked += 1
        }
        #expect(checked > 90_000)
    }
}
