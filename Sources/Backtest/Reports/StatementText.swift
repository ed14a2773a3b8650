import Foundation
import Trading

/// The statement as text (a terminal, a chat message), CSV (its trades) and HTML (with the equity
/// curve as SVG; the PDF is printed from it).
extension PeriodStatement {
    static func money(_ x: Double) -> String { String(format: "%.2f", x) }
    static func percent(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
    static func ratio(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "–" }

    public static func day(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// Label and value of each headline figure, in order.
    public var headline: [(String, String)] {
        [
            ("Opening equity", Self.money(openingEquity)), ("Closing equity", Self.money(closingEquity)), ("P&L", Self.money(pnl)),
            ("Return", Self.percent(`return`)), ("Trades closed", String(totals.trades)), ("Win rate", Self.percent(totals.winRate)),
            ("Profit factor", Self.ratio(totals.profitFactor)), ("Fees", Self.money(totals.fees)), ("Sharpe", Self.ratio(sharpe)),
            ("Sortino", Self.ratio(sortino)), ("Max drawdown", Self.percent(maxDrawdown)), ("Exposure", Self.percent(exposure)),
        ]
    }

    public var text: String {
        var lines = ["Warden \(kind) report \(period) (UTC, \(Self.day(start)) to \(Self.day(end - 1)))"]
        for (label, value) in headline { lines.append("  \(label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(value)") }
        for (title, groups) in [("By strategy", byStrategy), ("By market", byMarket)] where !groups.isEmpty {
            lines.append(title + ":")
            for (name, f) in groups.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(name): \(f.trades) trades, net \(Self.money(f.netProfit)), win rate \(Self.percent(f.winRate)), profit factor \(Self.ratio(f.profitFactor)), fees \(Self.money(f.fees))")
            }
        }
        lines.append("Alerts: \(alerts.isEmpty ? "none" : "")")
        for a in alerts { lines.append("  \(Self.day(a.time)) \(a.kind): \(a.detail)") }
        lines.append("Operator actions: \(actions.isEmpty ? "none" : "")")
        for a in actions { lines.append("  \(Self.day(a.time)) \(a.actor) \(a.kind)\(a.detail.isEmpty ? "" : ": \(a.detail)")") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A short summary for chat receivers.
    public var summary: String {
        "Warden \(kind) \(period): P&L \(Self.money(pnl)) (\(Self.percent(`return`))), \(totals.trades) trades, win rate \(Self.percent(totals.winRate)), max drawdown \(Self.percent(maxDrawdown)), \(alerts.count) alerts"
    }

    public static let csvHeader = ["strategy", "market", "entry_time", "entry_price", "exit_time", "exit_price", "quantity", "fees", "pnl", "return"]

    public var tradeRows: [[CellValue]] {
        trades.map { t in
            [.text(t.strategy), .text(t.market), .number(Double(t.entryTime)), .number(t.entryPrice), .number(Double(t.exitTime)), .number(t.exitPrice),
             .number(t.quantity), .number(t.fees), .number(t.pnl), .number(t.return)]
        }
    }

    /// The trades closed in the period, as CSV (the XLSX's trades sheet holds the same).
    public var csv: String {
        var out = Self.csvHeader.joined(separator: ",") + "\n"
        for row in tradeRows { out += row.map(\.csv).joined(separator: ",") + "\n" }
        return out
    }

    /// A self-contained page: inline style, the equity curve as SVG, nothing fetched.
    public var html: String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var out = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warden \(kind) report \(period)</title>
            <style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;margin:.5rem 0 1.2rem}
            td,th{border-bottom:1px solid #d8dde3;padding:.2rem .6rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
            svg{width:100%;max-width:800px;height:220px;border:1px solid #d8dde3}polyline{fill:none;stroke:#0b63ce;stroke-width:2}</style></head><body>
            <h1>Warden \(kind) report \(period)</h1><p>UTC, \(Self.day(start)) to \(Self.day(end - 1))</p>
            <table>
            """
        for (label, value) in headline { out += "<tr><th scope=\"row\">\(escape(label))</th><td class=\"n\">\(escape(value))</td></tr>" }
        out += "</table><h2>Equity</h2>" + svg
        for (title, groups) in [("By strategy", byStrategy), ("By market", byMarket)] where !groups.isEmpty {
            out += "<h2>\(title)</h2><table><tr><th>Name</th><th>Trades</th><th>Net</th><th>Win rate</th><th>Profit factor</th><th>Fees</th></tr>"
            for (name, f) in groups.sorted(by: { $0.key < $1.key }) {
                out += "<tr><td>\(escape(name))</td><td class=\"n\">\(f.trades)</td><td class=\"n\">\(Self.money(f.netProfit))</td><td class=\"n\">\(Self.percent(f.winRate))</td><td class=\"n\">\(Self.ratio(f.profitFactor))</td><td class=\"n\">\(Self.money(f.fees))</td></tr>"
            }
            out += "</table>"
        }
        out += "<h2>Trades</h2><table><tr>" + ["Strategy", "Market", "Entry", "Exit", "P&amp;L", "Return"].map { "<th>\($0)</th>" }.joined() + "</tr>"
        for t in trades {
            out += "<tr><td>\(escape(t.strategy))</td><td>\(escape(t.market))</td><td>\(Self.day(t.entryTime))</td><td>\(Self.day(t.exitTime))</td><td class=\"n\">\(Self.money(t.pnl))</td><td class=\"n\">\(Self.percent(t.return))</td></tr>"
        }
        out += "</table>"
        for (title, events) in [("Alerts", alerts), ("Operator actions", actions)] {
            out += "<h2>\(title)</h2>" + (events.isEmpty ? "<p>None.</p>" : "<table>" + events.map { "<tr><td>\(Self.day($0.time))</td><td>\(escape($0.actor))</td><td>\(escape($0.kind))</td><td>\(escape($0.detail))</td></tr>" }.joined() + "</table>")
        }
        return out + "</body></html>\n"
    }

    /// The equity curve as an SVG polyline (the opening, then every point).
    public var svg: String {
        guard equity.count > 1 else { return "<p>No equity recorded in the period.</p>" }
        let t0 = equity.first![0], t1 = max(equity.last![0], t0 + 1)
        let values = equity.map { $0[1] }
        var lo = values.min()!, hi = values.max()!
        if hi == lo { hi += 1; lo -= 1 }
        let points = equity.map { String(format: "%.1f,%.1f", ($0[0] - t0) / (t1 - t0) * 800, 210 - ($0[1] - lo) / (hi - lo) * 200) }.joined(separator: " ")
        return "<svg viewBox=\"0 0 800 220\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"Equity over the period\"><polyline points=\"\(points)\"/></svg>"
    }
}

/// A cell of a table written as CSV or into a workbook.
public enum CellValue: Sendable, Hashable {
    case text(String)
    case number(Double)

    var csv: String {
        switch self {
        case .text(let s): s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        }
    }
}
