import Backtest
import Trading
import Foundation

/// `warden backtest --json`. A year of minute bars can close tens of thousands of trades: they are
/// written one object per line by hand (JSONEncoder took longer than the backtest itself); the
/// small parts go through JSONEncoder. Keys are sorted as everywhere else in Warden's JSON.
struct BacktestReport {
    var strategy: String
    var parameters: [String: Double]
    var bars: Int
    var trades: [Backtester.Trade]
    /// Each strategy and market's trades, when several ran.
    var slots: [SlotTrades]?
    var stats: Statistics
    var haltedAt: Int64?
    var haltReason: String?
    /// (bar time, equity) points, for a job's chart.
    var equity: [(time: Int64, equity: Double)]? = nil

    private struct Halt: Encodable {
        var at: Int64
        var reason: String
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func encoded(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        var out = "{\n"
        out += "  \"bars\": \(bars),\n"
        if let equity { out += "  \"equity\": [" + equity.map { "[\($0.time),\(Self.number($0.equity))]" }.joined(separator: ",") + "],\n" }
        if let haltedAt { out += "  \"halted\": \(try encoded(Halt(at: haltedAt, reason: haltReason ?? ""))),\n" }
        out += "  \"parameters\": \(try encoded(parameters)),\n"
        if let slots { out += "  \"slots\": \(try encoded(slots)),\n" }
        out += "  \"stats\": \(try encoded(stats)),\n"
        out += "  \"strategy\": \(try encoded(strategy)),\n"
        out += "  \"trades\": ["
        out.reserveCapacity(out.utf8.count + trades.count * 200)
        for (index, trade) in trades.enumerated() {
            out += index == 0 ? "\n    " : ",\n    "
            Self.write(trade, to: &out)
        }
        out += trades.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func write(_ trade: Backtester.Trade, to out: inout String) {
        out += "{\"entry_price\":"
        out += number(trade.entryPrice)
        out += ",\"entry_time\":"
        out += String(trade.entryTime)
        out += ",\"exit_price\":"
        out += trade.exitPrice.map(number) ?? "null"
        out += ",\"exit_time\":"
        out += trade.exitTime.map { String($0) } ?? "null"
        out += ",\"fees\":"
        out += number(trade.fees)
        out += ",\"pnl\":"
        out += number(trade.pnl)
        out += ",\"quantity\":"
        out += number(trade.quantity)
        out += ",\"return\":"
        out += number(trade.return)
        out += "}"
    }

    /// Shortest round-trip digits (Swift's description, valid JSON); JSON has no NaN or infinity.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
