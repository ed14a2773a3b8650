import Foundation

/// A scheduled report as a receiver's channels get it: email the summary with the report file
/// attached; Slack, Discord and Telegram the summary alone. Webhooks (Alertmanager's payload),
/// PagerDuty (incidents) and SMS take no reports.
public struct ReportMessage: Sendable {
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var data: [UInt8]

        public init(filename: String, contentType: String, data: [UInt8]) {
            (self.filename, self.contentType, self.data) = (filename, contentType, data)
        }
    }

    public var subject: String
    /// A few lines for chat; the start of the email's body.
    public var summary: String
    /// The email's body after the summary (the text report).
    public var body: String
    public var attachment: Attachment?
    /// Unix milliseconds.
    public var createdAt: Int64
    /// The same report on the same channel has the same key (the email's Message-ID).
    public var key: String

    public init(subject: String, summary: String, body: String, attachment: Attachment?, createdAt: Int64, key: String) {
        (self.subject, self.summary, self.body, self.attachment, self.createdAt, self.key) = (subject, summary, body, attachment, createdAt, key)
    }

    /// Whether a channel of this kind takes reports.
    public static func accepts(_ kind: Integration.Kind) -> Bool { [.email, .slack, .discord, .telegram].contains(kind) }
}

extension ChannelRequests {
    /// The channel's request for a report, nil when the channel takes none.
    public static func report(_ report: ReportMessage, _ integration: Integration) throws -> ChannelRequest? {
        switch integration.kind {
        case .email: return .email(ReportEmail.message(report, integration))
        case .slack:
            var body: [String: Any] = ["text": Truncate.characters(report.summary, 40_000)]
            for key in ["channel", "username", "icon_emoji"] { if let value = integration.setting(key) { body[key] = value } }
            return .http(try json(integration.setting("api_url")!, body))
        case .discord:
            return .http(try json(integration.setting("webhook_url")!, ["content": Truncate.characters(report.summary, 2000)]))
        case .telegram:
            let base = integration.setting("api_url") ?? "https://api.telegram.org"
            let chat = integration.setting("chat_id")!
            // Plain text: a summary has no markup to parse.
            let body: [String: Any] = ["chat_id": Int64(chat).map { $0 as Any } ?? chat, "text": Truncate.characters(report.summary, 4096)]
            return .http(try json("\(base)/bot\(integration.setting("bot_token")!)/sendMessage", body))
        case .webhook, .pagerduty, .sms: return nil
        }
    }
}

/// A report email: multipart/mixed (RFC 2046), the summary and text report as the first part,
/// the file as a base64 attachment (RFC 2045 lines of 76 characters).
enum ReportEmail {
    static func message(_ report: ReportMessage, _ integration: Integration) -> EmailMessage {
        let boundary = "warden-report-\(report.key)"
        var headers: [(String, String)] = [
            ("Subject", report.subject), ("Date", Email.rfc5322Date(report.createdAt)), ("Message-ID", "<\(report.key)@warden>"),
            ("MIME-Version", "1.0"),
        ]
        let text = (report.summary + "\n\n" + report.body).components(separatedBy: "\n")
        guard let attachment = report.attachment else {
            headers += [("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "8bit")]
            return Email.envelope(integration, headers: headers, body: text)
        }
        headers.append(("Content-Type", "multipart/mixed; boundary=\"\(boundary)\""))
        let encoded = Data(attachment.data).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
        // The file name is ours (period and format), never a user's text: no quoting beyond the quotes.
        var body = ["--\(boundary)", "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit", ""] + text
        body += [
            "--\(boundary)", "Content-Type: \(attachment.contentType); name=\"\(attachment.filename)\"",
            "Content-Disposition: attachment; filename=\"\(attachment.filename)\"", "Content-Transfer-Encoding: base64", "",
        ]
        body += encoded.components(separatedBy: "\r")
        body.append("--\(boundary)--")
        return Email.envelope(integration, headers: headers, body: body)
    }
}
