import Alerting
import ArgumentParser
import Backtest
import Foundation
import Logging
import Storage
import Trading
import WardenCore
import WardenProtocol

/// `warden report send`: what the supervisor's `reports` job runs. Each channel gets each
/// period's report once: a delivery is recorded only after the channel took it, so a failed one
/// is tried again by the next run and a run that is cut short sends nothing twice.
struct ReportSend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send the last complete report of each period in reports.periods to reports.receivers, to every channel that has not had it.",
        discussion: """
            Email gets the summary and the text report with the report attached (reports.format: pdf, html, xlsx or csv); \
            Slack, Discord and Telegram get the summary; webhook, PagerDuty and SMS channels take no reports. \
            Exits 1 when a channel failed (the next run tries it again).
            """)

    @Argument(help: "daily, weekly or monthly (default: reports.periods).") var period: String?
    @Option(help: ArgumentHelp("A day in the period: YYYY-MM-DD or epoch milliseconds (UTC); default the last complete one.", valueName: "date"))
    var date: String?
    @Option(name: .customLong("receiver"), help: ArgumentHelp("Send to this receiver instead of reports.receivers (repeatable).", valueName: "name"))
    var receivers: [String] = []
    @Flag(help: "Send even to channels that already had it.") var force = false
    @OptionGroup var options: CommonOptions

    static let delivered = SharedSQL("SELECT integration FROM report_deliveries WHERE period = ? AND period_start = ?")
    static let record = SharedSQL(
        "INSERT INTO report_deliveries (period, period_start, integration, delivered_at) VALUES (?, ?, ?, ?) ON CONFLICT (period, period_start, integration) DO UPDATE SET delivered_at = EXCLUDED.delivered_at")

    func run() async throws {
        let (location, configuration) = try await options.migratedDatabase()
        let settings = configuration.reports ?? ReportSettings()
        let names = receivers.isEmpty ? settings.receivers : receivers
        guard !names.isEmpty else {
            throw fail(WardenError(.usage, "no receiver: set reports.receivers in the configuration or name one with --receiver", location: "reports.receivers"))
        }
        let alerting = try AlertingSetup.load(configPath: options.configPath).config
        let channels = try names.flatMap { name -> [Integration] in
            guard let receiver = alerting.receivers[name] else {
                let known = alerting.receivers.keys.sorted().joined(separator: ", ")
                throw fail(WardenError(.configuration, "no receiver '\(name)' in alerting.receivers (known: \(known.isEmpty ? "none" : known))", location: "reports.receivers"))
            }
            for skipped in receiver.integrations where !ReportMessage.accepts(skipped.kind) { print("\(skipped.id): takes no reports, skipped") }
            return receiver.integrations.filter { ReportMessage.accepts($0.kind) }
        }
        let kinds = try (period.map { [$0] } ?? settings.periods).map(ReportCommand.period)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let time = try date.map { try BacktestCommand.time($0, flag: "--date", endOfDay: false) }
        let logger = Logger(label: "warden.report")
        let format = settings.format.rawValue
        let failures = try await DatabaseHandle.with(location, logger: logger) { handle -> Int in
            var failures = 0
            for kind in kinds {
                let bounds = kind.period(containing: time ?? PeriodStatement.lastComplete(kind, now: now))
                let done = Set(try await handle.textRows(Self.delivered, [.text(kind.rawValue), .integer(bounds.start)], logger: logger).compactMap { $0.first ?? nil })
                let owed = channels.filter { force || !done.contains($0.id) }
                for channel in channels where !owed.contains(where: { $0.id == channel.id }) { print("\(channel.id): \(kind.rawValue) \(bounds.label) already sent") }
                guard !owed.isEmpty else { continue }
                let statement = try await ReportCommand.statement(kind, containing: bounds.start, handle: handle, logger: logger)
                guard statement.equity.count > 1 || !statement.trades.isEmpty else {
                    print("\(kind.rawValue) \(bounds.label): nothing is journaled in the period; not sent")
                    continue
                }
                // The file is made once, and only when an email channel still needs it.
                var attachment: ReportMessage.Attachment?
                if owed.contains(where: { $0.kind == .email }) {
                    attachment = ReportMessage.Attachment(
                        filename: "warden-\(kind.rawValue)-\(bounds.label).\(format)", contentType: Self.contentType[format]!,
                        data: Array(try ReportCommand.render(statement, as: format)))
                }
                for channel in owed {
                    let message = ReportMessage(
                        subject: "Warden \(kind.rawValue) report \(bounds.label)", summary: statement.summary, body: statement.text,
                        attachment: channel.kind == .email ? attachment : nil, createdAt: now,
                        key: Self.messageKey(kind.rawValue, bounds.label, channel.id))
                    guard let request = try ChannelRequests.report(message, channel) else { continue }
                    switch await Deliverer().send(request) {
                    case .delivered(let status):
                        try await handle.execute(
                            [BoundStatement(Self.record, [.text(kind.rawValue), .integer(bounds.start), .text(channel.id), .integer(Int64(Date().timeIntervalSince1970 * 1000))])], logger: logger)
                        print("\(channel.id): \(kind.rawValue) \(bounds.label) delivered (\(status))")
                    case .retry(_, let reason), .permanent(let reason):
                        print("\(channel.id): \(kind.rawValue) \(bounds.label) FAILED: \(reason)")
                        failures += 1
                    }
                }
            }
            return failures
        }
        if failures > 0 { throw ExitCode(1) }
    }

    static let contentType = [
        "pdf": "application/pdf", "html": "text/html; charset=UTF-8", "csv": "text/csv; charset=UTF-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]

    /// A Message-ID and MIME boundary part: the period and channel, in characters both allow.
    static func messageKey(_ kind: String, _ label: String, _ channel: String) -> String {
        "report.\(kind).\(label).\(channel)".map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? String($0) : "-" }.joined()
    }
}
