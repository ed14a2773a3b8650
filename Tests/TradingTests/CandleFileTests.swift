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
