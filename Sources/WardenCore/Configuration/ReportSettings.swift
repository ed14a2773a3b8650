import Foundation

/// `reports:`: the reports the supervisor sends on its own. Each run of the `reports` job sends,
/// for every period listed, the last complete one to every receiver that has not had it yet, so
/// a day missed while Warden was down is sent when it comes back, and none is sent twice.
public struct ReportSettings: Sendable, Hashable, Decodable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case pdf, html, xlsx, csv
    }

    /// daily, weekly and/or monthly (UTC periods, as `warden report`).
    public var periods: [String]
    /// Receiver names from `alerting.receivers`: email gets the report attached, Slack, Discord
    /// and Telegram a summary; webhooks, PagerDuty and SMS take no reports.
    public var receivers: [String]
    /// The email attachment's format.
    public var format: Format
    /// How often the job looks for a period to send; nil (`off`, or no `reports:` section) never.
    public var interval: Duration?

    public init(periods: [String] = ["daily"], receivers: [String] = [], format: Format = .pdf, interval: Duration? = nil) {
        self.periods = periods
        self.receivers = receivers
        self.format = format
        self.interval = interval
    }

    public static let periodNames = ["daily", "weekly", "monthly"]
    static let keys = ["periods", "receivers", "format", "interval"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let formatText: String = fields.read("format", default: Format.pdf.rawValue)
        let format = Format(rawValue: formatText)
        if format == nil {
            fields.problem("expected one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), found '\(formatText)'", at: "format")
        }
        // A `reports:` section means the job runs: hourly unless told otherwise.
        var interval: Duration? = .seconds(3600)
        if let text: String = fields.read("interval") {
            interval = text == "off" ? nil : DurationText.parse(text)
            if text != "off", interval == nil || interval! < .seconds(60) {
                fields.problem("expected a duration of at least 1m (such as 1h) or off, found '\(text)'", at: "interval")
                interval = nil
            }
        }
        self.init(
            periods: fields.read("periods", default: ["daily"]), receivers: fields.read("receivers", default: []),
            format: format ?? .pdf, interval: interval)
        for period in periods where !Self.periodNames.contains(period) {
            fields.problem("expected daily, weekly or monthly, found '\(period)'", at: "periods")
        }
        if periods.isEmpty { fields.problem("name at least one of daily, weekly, monthly", at: "periods") }
        if receivers.isEmpty { fields.problem("name at least one receiver from alerting.receivers", at: "receivers") }
    }
}
