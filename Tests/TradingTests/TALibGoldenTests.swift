import Foundation
import Testing
@testable import Trading

/// Golden files written by `scripts/talib_golden.py` from TA-Lib (PyPI ta-lib 0.6.8, TA-Lib 0.6.4)
/// on the first bars of the bundled data.
@Suite("Indicators agree with TA-Lib")
struct TALibGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = root.deletingLastPathComponent().deletingLastPathComponent()

    static let cases = [
        ("BTCUSDT-1h-talib.csv.gz", "BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz"),
        ("BTCUSDT-1m-talib.csv.gz", "BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz"),
    ]

    /// Column name → the spec that produces it.
    static func spec(for column: String) throws -> (IndicatorSpec, Int) {
        let parts = column.split(separator: "_").map(String.init)
        let name = parts[0]
        let parameters = parts.dropFirst().joined(separator: ":")
        let output: Int
        let kind: String
        switch name {
        case "macd": (kind, output) = ("macd", 0)
        case "macdsignal": (kind, output) = ("macd", 1)
        case "macdhist": (kind, output) = ("macd", 2)
        case "bbupper": (kind, output) = ("bbands", 0)
        case "bbmiddle": (kind, output) = ("bbands", 1)
        case "bblower": (kind, output) = ("bbands", 2)
        default: (kind, output) = (name, 0)
        }
        return (try IndicatorSpec(parsing: "\(kind):\(parameters)"), output)
    }

    @Test("every golden column, warm-up included, within 1e-9 relative", arguments: cases)
    func golden(goldenName: String, dataName: String) throws {
        let golden = try CandleFile.readText(Self.root.appendingPathComponent("Golden/\(goldenName)").path)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = golden[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = golden.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let candles = try CandleFile.load(Self.repository.appendingPathComponent("data/\(dataName)").path).candles
        let bars = candles.prefix(rows.count).map(\.bar)
        #expect(bars.count == rows.count)
        var compared = 0
        for (index, column) in header.enumerated().dropFirst() {
            let (spec, output) = try Self.spec(for: column)
            #expect(spec.columns[output] == column)
            let values = spec.compute(Array(bars))[output]
            var mismatches = 0
            for (row, fields) in rows.enumerated() {
                #expect(Int64(fields[0]) == candles[row].openTime)
                let expected = fields[index].isEmpty ? nil : Double(fields[index])
                switch (values[row], expected) {
                case (nil, nil): break
                case (let got?, let want?):
                    compared += 1
                    let error = want == 0 ? abs(got) : abs(got - want) / abs(want)
                    if error > 1e-9 {
                        mismatches += 1
                        if mismatches <= 3 { Issue.record("\(column) row \(row): \(got) vs TA-Lib \(want) (relative error \(error))") }
                    }
                default:
                    mismatches += 1
                    if mismatches <= 3 { Issue.record("\(column) row \(row): warm-up differs: \(String(describing: values[row])) vs TA-Lib \(String(describing: expected))") }
                }
            }
            #expect(mismatches == 0, "\(column): \(mismatches) mismatches")
        }
        #expect(compared > 50_000)
    }

    @Test("streaming one bar at a time gives bit-identical numbers to the batch function")
    func streamingEqualsBatch() throws {
        let candles = try CandleFile.load(Self.repository.appendingPathComponent("data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz").path).candles
        let bars = candles.prefix(3000).map(\.bar)
        var rsi = RSI(period: 14)
        var macd = MACD()
        var bands = BollingerBands()
        var cci = CCI(period: 20)
        var atr = ATR(period: 14)
        let batchRSI = RSI.batch(Array(bars)) { RSI(period: 14) }
        let batchMACD = MACD.batch(Array(bars)) { MACD() }
        let batchBands = BollingerBands.batch(Array(bars)) { BollingerBands() }
        let batchCCI = CCI.batch(Array(bars)) { CCI(period: 20) }
        let batchATR = ATR.batch(Array(bars)) { ATR(period: 14) }
        for (i, bar) in bars.enumerated() {
            #expect(rsi.update(bar) == batchRSI[i])
            #expect(macd.update(bar) == batchMACD[i])
            #expect(bands.update(bar) == batchBands[i])
            #expect(cci.update(bar) == batchCCI[i])
            #expect(atr.update(bar) == batchATR[i])
        }
    }

    @Test("warm-up lengths are TA-Lib's lookbacks")
    func lookbacks() {
        let bars = (0..<100).map { Bar(high: Double($0) + 2, low: Double($0), close: Double($0) + 1 + sin(Double($0))) }
        func firstOutput<I: StreamingIndicator>(_ make: @autoclosure () -> I) -> Int? {
            I.batch(bars, make).firstIndex { $0 != nil }
        }
        #expect(firstOutput(SMA(period: 20)) == 19)
        #expect(firstOutput(EMA(period: 50)) == 49)
        #expect(firstOutput(RSI(period: 14)) == 14)
        #expect(firstOutput(MACD(fast: 12, slow: 26, signal: 9)) == 33)
        #expect(firstOutput(BollingerBands(period: 20, deviations: 2)) == 19)
        #expect(firstOutput(CCI(period: 20)) == 19)
        #expect(firstOutput(ATR(period: 14)) == 14)
        #expect(MACD().lookback == 33 && ATR(period: 14).lookback == 14 && RSI(period: 14).lookback == 14)
    }

    @Test("flat prices: CCI and RSI give 0 (TA-Lib's zero rules), the bands collapse onto the average")
    func flat() {
        let bars = Array(repeating: Bar(close: 100), count: 60)
        #expect(CCI.batch(bars) { CCI(period: 20) }.last! == 0)
        #expect(RSI.batch(bars) { RSI(period: 14) }.last! == 0)
        let band = BollingerBands.batch(bars) { BollingerBands() }.last!!
        #expect(band.upper == 100 && band.lower == 100)
    }
}
