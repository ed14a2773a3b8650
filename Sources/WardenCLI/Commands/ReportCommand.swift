import Alerting
import ArgumentParser
import Backtest
import Foundation
import Logging
import Storage
import Trading
import TradingStore
import WardenCore
import WardenProtocol

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Daily, weekly and monthly reports from the journal, printed or sent to receivers.",
        subcommands: [ReportShow.self, ReportSend.self], defaultSubcommand: ReportShow.self)

    static let actions = SharedSQL("SELECT at{::text}, actor, action, target, detail FROM audit_log WHERE at >= ? AND at < ? ORDER BY at, id")

    static func period(_ text: String) throws -> ReportPeriod {
        guard let kind = ReportPeriod(rawValue: text) else { throw fail(WardenError(.usage, "the period is daily, weekly or monthly, found '\(text)'")) }
        return kind
    }

    /// The period holding `time`, read from the store: its equity and the point before it, the
    /// trades, the alerts and the operator actions.
    static func statement(_ kind: ReportPeriod, containing time: Int64, handle: DatabaseHandle, logger: Logger) async throws -> PeriodStatement {
        let bounds = kind.period(containing: time)
        let store = handle.tradingStore()
        // The period's points and the last one before it (its opening), not the whole history.
        let before = try await store.equity(EquityQuery(to: bounds.start - 1, every: .max)).suffix(1)
        let equity = Array(before) + (try await store.equity(EquityQuery(from: bounds.start, to: bounds.end - 1)))
        let slots = SlotTrades.pair(try await store.fills())
        let alerts = try await handle.alertStore().alerts(states: ["firing", "pending", "resolved"]).map { alert in
            ReportEvent(
                time: alert.firedAt ?? alert.startsAt, kind: alert.name, actor: alert.ackedBy.map { "acknowledged by \($0)" } ?? alert.state,
                detail: alert.annotations["summary"] ?? "")
        }
        let actions = try await handle.textRows(Self.actions, [.integer(bounds.start), .integer(bounds.end)], logger: logger).compactMap { row -> ReportEvent? in
            guard row.count == 5, let at = row[0].flatMap(Int64.init), let actor = row[1], let action = row[2] else { return nil }
            return ReportEvent(time: at, kind: action, actor: actor, detail: [row[3], row[4]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": "))
        }
        return PeriodStatement(kind, containing: time, equity: equity, slots: slots, alerts: alerts, actions: actions)
    }

    /// The statement in a file format.
    static func render(_ statement: PeriodStatement, as format: String) throws -> Data {
        switch format {
        case "html": return Data(statement.html.utf8)
        case "csv": return Data(statement.csv.utf8)
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(statement) + Data("\n".utf8)
        case "xlsx": return statement.workbook.data
        case "pdf": return try PDFPrinter.print(html: statement.html)
        default: return Data(statement.text.utf8)
        }
    }
}

struct ReportShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A daily, weekly or monthly report from the journal: P&L, figures per strategy and market, the equity curve, alerts and operator actions.",
        discussion: """
            Periods are UTC: a day, an ISO week (Monday to Sunday) or a calendar month, the one holding --date \
            (default: the last complete one). Formats: text, html (the equity curve as SVG), csv (the trades), \
            json, xlsx (sheets summary, trades, daily equity) and pdf (the HTML printed by Debian's chromium).
            """)

    @Argument(help: "daily, weekly or monthly.") var period: String
    @Option(help: ArgumentHelp("A day in the period: YYYY-MM-DD or epoch milliseconds (UTC).", valueName: "date")) var date: String?
    @Option(help: "text, html, csv, json, xlsx or pdf.") var format: String = "text"
    @Option(help: ArgumentHelp("Write here (required for xlsx and pdf; default standard output).", valueName: "file")) var out: String?
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let kind = try ReportCommand.period(period)
        guard ["text", "html", "csv", "json", "xlsx", "pdf"].contains(format) else {
            throw fail(WardenError(.usage, "--format is text, html, csv, json, xlsx or pdf, found '\(format)'", location: "--format"))
        }
        if ["xlsx", "pdf"].contains(format), out == nil { throw fail(WardenError(.usage, "--format \(format) writes a file: name it with --out", location: "--out")) }
        let time = try date.map { try BacktestCommand.time($0, flag: "--date", endOfDay: false) }
            ?? PeriodStatement.lastComplete(kind, now: Int64(Date().timeIntervalSince1970 * 1000))
        let (location, _) = try await options.migratedDatabase()
        let logger = Logger(label: "warden.report")
        let statement = try await DatabaseHandle.with(location, logger: logger) { handle in
            try await ReportCommand.statement(kind, containing: time, handle: handle, logger: logger)
        }
        let data = try ReportCommand.render(statement, as: format)
        if let out {
            do {
                try BacktestJobFiles.writeWhole(data, to: out)
            } catch {
                throw fail(WardenError(.runtime, "cannot write the report: \(error)", location: out))
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

/// HTML to PDF through Debian's `chromium` (`--headless --print-to-pdf`): the same page, printed.
enum PDFPrinter {
    static func print(html: String) throws -> Data {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw fail(WardenError(.unavailable, "PDF reports are printed by chromium, which is not installed (apt install chromium); --format html gives the same page"))
        }
        let directory = NSTemporaryDirectory() + "warden-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let page = directory + "/report.html", pdf = directory + "/report.pdf"
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-pdf-header-footer", "--user-data-dir=\(directory)/profile",
            "--print-to-pdf=\(pdf)", "file://\(page)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: pdf), data.starts(with: Data("%PDF-".utf8)) else {
            throw fail(WardenError(.runtime, "chromium did not print the report (exit status \(process.terminationStatus))"))
        }
        return data
    }
}
