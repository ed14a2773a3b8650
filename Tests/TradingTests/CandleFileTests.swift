import Foundation
import Testing
@testable import Trading

@Suite("Candle files")
struct CandleFileTests {
    func problems(_ text: String) -> [String] {
        do {
            _ = try CandleFile.parse(Data(text.utf8), file: "c.csv")
            return []
        } catch let error as CandleFile.Problems {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("every bad row is reported with file and line, all in one pass")
    func badRows() {
        let found = problems("""
            timestamp,open,high,low,close,volume
            60000,1,2,0.5,1.5,10
            120000,1,2,0.5,x,10
            120000,1,2,0.5,1.5,10
            180000,1,0.4,0.5,1.5,10
            60000,1,2,0.5,1.5,10
            240000,1,2,0.5,1.5
            120000,1,2,0.5,1.5,10
            """)
        #expect(found == [
            "c.csv:3: close 'x' is not a number",
            "c.csv:5: high 0.4 is below low 0.5",
            "c.csv:6: timestamp 60000 is before the previous row's 120000 (rows must be sorted)",
            "c.csv:7: expected 6 fields (timestamp,open,high,low,close,volume), found 5",
            "c.csv:8: duplicate timestamp 120000",
        ])
    }

    /// 40,000 rows (over 1 MiB, so parsed in chunks on every core), some in exponent form (strtod's path).
    static func bigFile(_ edit: (inout [String]) -> Void = { _ in }) -> String {
        var rows = (0..<40_000).map { index -> String in
            let price = 30_000 + Double(index % 977) * 0.37
            let low = index % 13 == 0 ? "\(price)e0" : String(format: "%.2f", price - 1)
            return "\(Int64(index) * 60_000),\(price),\(price + 2.5),\(low),\(price + 0.5),\(Double(index % 50) / 8)"
        }
        edit(&rows)
        return "timestamp,open,high,low,close,volume\n" + rows.joined(separator: "\n") + "\n"
    }

    @Test("a large file parsed in chunks gives every row, in order, as the rows say")
    func chunkedParse() throws {
        let loaded = try CandleFile.parse(Data(Self.bigFile().utf8), file: "big.csv")
        #expect(loaded.candles.count == 40_000)
        #expect(zip(loaded.candles, loaded.candles.dropFirst()).allSatisfy { $0.openTime + 60_000 == $1.openTime })
        let row = loaded.candles[26_013]
        #expect(row.openTime == 26_013 * 60_000 && row.open == 30_000 + Double(26_013 % 977) * 0.37 && row.low == row.open)
        #expect(loaded.candles[39_999].volume == Double(39_999 % 50) / 8)
        // From disk the file is mapped, not read: the same candles.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("candles-\(UUID().uuidString).csv").path
        try Self.bigFile().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try CandleFile.load(path).candles == loaded.candles)
    }

    @Test("problems in the later part of a large file keep their line numbers; rows out of order across chunks are found")
    func chunkedProblems() {
        let found = problems(Self.bigFile { rows in
            rows[31_000] = "1860000000,1,2,0.5,oops,10"
            rows[20_000] = rows[19_999]
        }).map { $0.replacingOccurrences(of: "c.csv", with: "") }
        #expect(found == [":20002: duplicate timestamp 1199940000", ":31002: close 'oops' is not a number"])
        // Every row at the seam of two chunks goes back in time: only the whole file knows.
        let text = Self.bigFile { rows in for index in rows.indices where index >= 20_000 { rows[index] = rows[index - 20_000] } }
        #expect(problems(text).count == 20_000)
        #expect(problems(text).first == "c.csv:20002: timestamp 0 is before the previous row's 1199940000 (rows must be sorted)")
    }

    @Test("gaps are allowed and reported once each, with the spacing detected")
    func gaps() throws {
        let loaded = try CandleFile.parse(Data("""
            timestamp,open,high,low,close,volume
            0,1,2,0.5,1.5,10
            60000,1,2,0.5,1.5,10
            120000,1,2,0.5,1.5,10
            300000,1,2,0.5,1.5,10
            360000,1,2,0.5,1.5,10
            """.utf8), file: "c.csv")
        #expect(loaded.interval == 60000)
        #expect(loaded.gaps.count == 1 && loaded.gaps[0].after == 120000 && loaded.gaps[0].before == 300000)
    }

    @Test("the bundled gzipped data loads: 45,021 hourly bars with SOURCES.md's 28 gaps")
    func bundled() throws {
        let path = TALibGoldenTests.repository.appendingPathComponent("data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz").path
        let loaded = try CandleFile.load(path)
        #expect(loaded.candles.count == 45_021)
        #expect(loaded.gaps.count == 28)
        #expect(loaded.candles.first?.open == 4261.48)
    }

    @Test("indicator specs: defaults, names and clear errors")
    func specs() throws {
        #expect(try IndicatorSpec(parsing: "macd").columns == ["macd_12_26_9", "macdsignal_12_26_9", "macdhist_12_26_9"])
        #expect(try IndicatorSpec(parsing: "bbands:20:2").columns == ["bbupper_20_2", "bbmiddle_20_2", "bblower_20_2"])
        #expect(try IndicatorSpec(parsing: "bbands:10:1.5").columns[0] == "bbupper_10_1.5")
        #expect(throws: IndicatorSpec.ParseError.self) { try IndicatorSpec(parsing: "rsi:1") }
        #expect(throws: IndicatorSpec.ParseError.self) { try IndicatorSpec(parsing: "rsi:14:3") }
        do {
            _ = try IndicatorSpec(parsing: "stoch:14")
        } catch {
            #expect(error.description.contains("unknown indicator 'stoch'"))
        }
    }
}
