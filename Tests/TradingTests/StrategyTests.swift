import Foundation
import Testing
@testable import Backtest
@testable import Trading

/// Hourly candles whose high and low are the close (so typical price = close), with an explicit
/// open for the fills.
func candles(_ rows: [(open: Double, close: Double)], interval: Int64 = 3_600_000) -> [Candle] {
    rows.enumerated().map { index, row in
        Candle(openTime: Int64(index) * interval, open: row.open, high: row.close, low: row.close, close: row.close, volume: 1)
    }
}

let hour: Int64 = 3_600_000

/// Replays scripted decisions, to test the backtester's rules on their own.
struct Scripted: Strategy {
    static let name = "scripted"
    static let parameters: [ParameterSpec] = []
    var script: [Decision]
    var index = 0
    init(parameters: [String: Double]) { script = [] }
    init(_ script: [Decision]) { self.script = script }
    mutating func update(_ candle: Candle) -> Decision {
        defer { index += 1 }
        return index < script.count ? script[index] : .none
    }
}

@Suite("Strategies and the backtester")
struct StrategyTests {
    @Test("cci: enters on the close that crosses up through lower, exits on the cross down through upper; fills at the next open")
    func cciByHand() async throws {
        // CCI(2) of a rising bar is +66.67 and of a falling one −66.67 (typical prices (H+L+C)/3).
        var strategy = try StrategyRegistry.make("cci", overrides: ["period": 2, "lower": -50, "upper": 50])
        let series = candles([(10, 10), (10, 9), (9, 10), (100, 11), (11, 10), (200, 9), (10, 8)])
        let result = try await Backtester(fills: FillModel(feeRate: 0.001), cash: 10_000, recordingDecisions: true).run(strategy, candles: series)
        // Bar 2 closes with CCI −66.7 → +66.7 (enter), bar 4 with +66.7 → −66.7 (exit).
        #expect(result.decisions.map(\.enter) == [false, false, true, false, false, false, false])
        #expect(result.decisions.map(\.exit) == [false, false, false, false, true, false, false])
        #expect(result.trades.count == 1)
        let trade = result.trades[0]
        // All cash in (less the billionth kept back), rounded down to the 0.00001 step.
        let quantity = ((10_000 * (1 - 1e-9)) / (100 * 1.001) / 0.00001 + 1e-9).rounded(.down) * 0.00001
        #expect(trade.entryTime == 3 * 3_600_000 && trade.entryPrice == 100)
        #expect(trade.exitTime == 5 * 3_600_000 && trade.exitPrice == 200)
        #expect(abs(trade.quantity - quantity) < 1e-9)
        let fees = quantity * 100 * 0.001 + quantity * 200 * 0.001
        #expect(abs(trade.fees - fees) < 1e-9)
        #expect(abs(trade.pnl - (quantity * 200 * 0.999 - quantity * 100 * 1.001)) < 1e-9)
        #expect(abs(result.equity.last! - (10_000 + trade.pnl)) < 1e-9)
    }

    @Test("bollinger: enters when the close falls through the lower band, exits above the middle")
    func bollingerByHand() async throws {
        var strategy = try StrategyRegistry.make("bollinger", overrides: ["period": 3, "stddev": 1])
        // Flat at 10, then a drop to 7: the close falls below a lower band (the drop widens it, but not enough).
        let series = candles([(10, 10), (10, 10), (10, 10), (10, 10), (10, 7), (7, 7.5), (7.5, 12), (12, 12), (12, 12)])
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, recordingDecisions: true).run(strategy, candles: series)
        var bands = BollingerBands(period: 3, deviations: 1)
        let lower = series.map { bands.update($0.bar)?.lower }
        #expect(lower[4]! > 7 && lower[3]! == 10)
        #expect(result.decisions[4].enter)
        #expect(result.trades.first?.entryTime == 5 * hour && result.trades.first?.entryPrice == 7)
        // Bar 6 closes at 12, above the middle band: out at bar 7's open (12).
        #expect(result.trades.first?.exitTime == 7 * hour)
        let bought = result.trades[0].quantity
        #expect(abs(bought - 1_000 / 7) < 0.00001)
        #expect(abs(result.trades[0].pnl - bought * 5) < 1e-9)
    }

    @Test("rsi_macd: a MACD cross up with RSI below the cap enters; RSI above rsi_exit exits")
    func rsiMACD() async throws {
        // Falling then rising closes: MACD crosses its signal upwards once the rise starts.
        var closes: [Double] = (0..<40).map { 100 - Double($0) * 0.5 }
        closes += (0..<12).map { 80.5 + Double($0) * 1.5 }
        let series = candles(closes.map { ($0, $0) })
        var strategy = try StrategyRegistry.make("rsi_macd", overrides: ["fast": 3, "slow": 6, "signal": 3, "rsi": 5, "rsi_exit": 95])
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 1_000, recordingDecisions: true).run(strategy, candles: series)
        var macd = MACD(fast: 3, slow: 6, signal: 3)
        var rsi = RSI(period: 5)
        let lines = series.map { macd.update($0.bar) }
        let strength = series.map { rsi.update($0.bar) }
        let cross = (1..<series.count).first { i in
            guard let a = lines[i - 1], let b = lines[i] else { return false }
            return a.macd <= a.signal && b.macd > b.signal
        }!
        #expect(result.decisions[cross].enter == (strength[cross]! < 70))
        #expect(result.trades.first?.entryTime == Int64(cross + 1) * 3_600_000)
        let exitBar = ((cross + 1)..<series.count).first { strength[$0]! > 95 }
        if let exitBar { #expect(result.trades.first?.exitTime == Int64(exitBar + 1) * 3_600_000) }
    }

    @Test("an exit is taken before an entry, and no entry on the bar that decided the exit")
    func exitBeforeEntry() async throws {
        let both = Decision(enter: true, exit: true)
        var strategy = Scripted([.init(enter: true, exit: false), both, both, .none, both, .none])
        let series = candles((0..<7).map { _ in (10, 10) })
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 100, recordingDecisions: true).run(strategy, candles: series)
        // in at bar 1; bar 1 decides exit (fills bar 2); bar 2 (flat after the fill) decides entry (fills bar 3);
        // bar 4 decides exit (fills bar 5).
        #expect(result.trades.map(\.entryTime) == [1, 3].map { $0 * 3_600_000 })
        #expect(result.trades.map(\.exitTime) == [2, 5].map { Int64($0) * 3_600_000 })
    }

    @Test("a decision on the last bar never fills; a trade open at the end has no exit and is marked at the last close")
    func endOfData() async throws {
        var strategy = Scripted([.none, .init(enter: true, exit: false)])
        let series = candles([(10, 10), (10, 10), (10, 12)])
        let result = try await Backtester(fills: FillModel(feeRate: 0), cash: 100, recordingDecisions: true).run(strategy, candles: series)
        #expect(result.trades.count == 1 && result.trades[0].exitTime == nil && result.trades[0].exitPrice == nil)
        #expect(abs(result.trades[0].pnl - result.trades[0].quantity * 2) < 1e-9 && abs(result.trades[0].quantity - 10) < 0.00001)
        var last = Scripted([.none, .none, .init(enter: true, exit: false)])
        #expect(try await Backtester(recordingDecisions: true).run(last, candles: series).trades.isEmpty)
    }

    @Test("look-ahead guard: cutting the data at random bars never changes the decisions before the cut", arguments: StrategyRegistry.names)
    func lookAhead(name: String) async throws {
        let data = try CandleFile.load(TALibGoldenTests.repository.appendingPathComponent("data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz").path).candles
        let series = Array(data.prefix(4000))
        var full = try StrategyRegistry.make(name, overrides: [:])
        let reference = try await Backtester(recordingDecisions: true).run(full, candles: series)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let cut = Int.random(in: 50..<series.count, using: &generator)
            var partial = try StrategyRegistry.make(name, overrides: [:])
            let shorter = try await Backtester(recordingDecisions: true).run(partial, candles: Array(series.prefix(cut)))
            #expect(shorter.decisions == Array(reference.decisions.prefix(cut)), "cut at \(cut)")
            #expect(shorter.trades.filter { $0.exitTime != nil }.map(\.entryTime)
                    == reference.trades.filter { ($0.exitTime ?? .max) <= series[cut - 1].openTime }.map(\.entryTime))
        }
        #expect(reference.decisions.contains { $0.enter })
    }

    @Test("parameters are checked against their bounds, with clear errors")
    func parameters() async throws {
        for (name, overrides, text) in [
            ("cci", ["period": 1.0], "cci.period must be a whole number from 2 to 500, found 1"),
            ("cci", ["period": 14.5], "cci.period must be a whole number"),
            ("cci", ["perod": 14], "strategy 'cci' has no parameter 'perod'"),
            ("rsi_macd", ["fast": 30], "rsi_macd.fast must be below rsi_macd.slow"),
            ("momentum", [:], "unknown strategy 'momentum'"),
        ] as [(String, [String: Double], String)] {
            do {
                _ = try StrategyRegistry.make(name, overrides: overrides)
                Issue.record("\(name) \(overrides) accepted")
            } catch {
                #expect("\(error)".contains(text), "\(error)")
            }
        }
    }
}
