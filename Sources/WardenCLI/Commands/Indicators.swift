import ArgumentParser
import Foundation
import Trading
import WardenCore

struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Compute indicators over a candle file, exactly as TA-Lib does.",
        discussion: """
            Indicators: sma:N, ema:N, rsi:N, macd:FAST:SLOW:SIGNAL, bbands:N:DEVIATIONS, cci:N, atr:N. \
            Prints `timestamp` and one column per output (rsi_14, macd_12_26_9, macdsignal_12_26_9, macdhist_12_26_9, \
            bbupper_20_2, ...); warm-up cells are empty; numbers in shortest round-trip form.
            """)

    @Option(help: ArgumentHelp("Candles: CSV timestamp,open,high,low,close,volume (.gz accepted).", valueName: "file"))
    var data: String

    @Option(name: .customLong("indicator"), help: ArgumentHelp("An indicator, e.g. rsi:14 (repeatable).", valueName: "spec"))
    var indicators: [String] = []

    @Option(help: "csv or json.") var format: String = "csv"

    func run() throws {
        guard ["csv", "json"].contains(format) else { throw fail(WardenError(.usage, "--format must be csv or json, found '\(format)'")) }
        guard !indicators.isEmpty else { throw fail(WardenError(.usage, "name at least one --indicator (e.g. --indicator rsi:14)")) }
        var specs: [IndicatorSpec] = []
        for text in indicators {
            do {
                specs.append(try IndicatorSpec(parsing: text))
            } catch {
                throw fail(WardenError(.usage, error.description, location: "--indicator"))
            }
        }
        let loaded: CandleFile.Loaded
        do {
            loaded = try CandleFile.load(data)
        } catch let error as CandleFile.Problems {
            for problem in error.problems.prefix(50) { printError("warden: \(problem)") }
            throw ExitCode(WardenError.Code.usage.exitStatus)
        }
        if !loaded.gaps.isEmpty {
            let first = loaded.gaps[0]
            printError("warden: \(data): \(loaded.gaps.count) gap(s) in the data (first after \(first.after), resuming at \(first.before)); indicators run across them")
        }
        let bars = loaded.candles.map(\.bar)
        var names: [String] = []
        var columns: [[Double?]] = []
        for spec in specs {
            names += spec.columns
            columns += spec.compute(bars)
        }
        var out = ""
        out.reserveCapacity(loaded.candles.count * (16 + 20 * names.count))
        if format == "csv" {
            out += (["timestamp"] + names).joined(separator: ",") + "\n"
            for (row, candle) in loaded.candles.enumerated() {
                out += String(candle.openTime)
                for column in columns {
                    out += ","
                    if let value = column[row] { out += "\(value)" }
                }
                out += "\n"
            }
        } else {
            out += "["
            for (row, candle) in loaded.candles.enumerated() {
                out += row == 0 ? "\n" : ",\n"
                out += "{\"timestamp\":\(candle.openTime)"
                for (name, column) in zip(names, columns) {
                    out += ",\"\(name)\":" + (column[row].map { "\($0)" } ?? "null")
                }
                out += "}"
            }
            out += "\n]\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
