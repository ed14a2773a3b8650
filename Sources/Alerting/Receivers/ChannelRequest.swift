import Foundation

/// What a channel sends for one notification: an HTTP request or an email.
public enum ChannelRequest: Sendable {
    case http(HTTPRequestSpec)
    case email(EmailMessage)
}

public struct HTTPRequestSpec: Sendable {
    public var method = "POST"
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
}

public struct EmailMessage: Sendable {
    /// smtp://host:port (STARTTLS or plain) or smtps://host:port.
    public var url: String
    public var from: String
    public var recipients: [String]
    public var message: String
    public var username: String?
    public var password: String?
    public var requireTLS: Bool
    /// A CA bundle to verify the server with instead of the system's.
    public var caFile: String?
    public var insecureSkipVerify = false
}

/// Builds each channel's documented request from a notification and the channel's settings.
public enum ChannelRequests {
    static let userAgent = "Warden/0.1.0"

    public static func build(_ notification: AlertNotification, _ integration: Integration) throws -> ChannelRequest {
        switch integration.kind {
        case .webhook: return .http(try Webhook.request(notification, integration))
        case .slack: return .http(try Slack.request(notification, integration))
        case .discord: return .http(try Discord.request(notification, integration))
        case .telegram: return .http(try Telegram.request(notification, integration))
        case .pagerduty: return .http(try PagerDuty.request(notification, integration))
        case .sms: return .http(try SMS.request(notification, integration))
        case .email: return .email(Email.message(notification, integration))
        }
    }

    static func json(_ url: String, _ object: Any, headers: [(String, String)] = []) throws -> HTTPRequestSpec {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return HTTPRequestSpec(
            url: url, headers: [("Content-Type", "application/json"), ("User-Agent", userAgent)] + headers, body: Array(body))
    }

    /// A template's text if the channel sets one, else Warden's default.
    static func text(_ key: String, _ notification: AlertNotification, _ integration: Integration, default fallback: () -> String) -> String {
        guard let template = integration.templates[key] else { return fallback() }
        return template.render(Template.Data(fields: notification.templateFields))
    }
}

/// Cuts text to a channel's limit at a character boundary, marking the cut with "…".
enum Truncate {
    static func characters(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    /// The default body: one block per alert with its summary/description, labels and times.
    static func body(_ notification: AlertNotification, html: Bool = false) -> String {
        func escape(_ text: String) -> String {
            html ? text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") : text
        }
        var lines: [String] = []
        for alert in notification.alerts {
            let name = alert.labels["alertname"] ?? "alert"
            let headline = alert.annotations["summary"] ?? name
            lines.append(html ? "<b>\(escape(alert.status.uppercased())): \(escape(headline))</b>" : "\(alert.status.uppercased()): \(headline)")
            if let description = alert.annotations["description"] { lines.append(escape(description)) }
            let labels = alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append(escape("labels: \(labels)"))
            if let runbook = alert.annotations["runbook_url"] { lines.append(escape("runbook: \(runbook)")) }
            lines.append("")
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// RFC 3339 with milliseconds in UTC, as Alertmanager writes times.
enum Timestamp {
    static func rfc3339(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "0001-01-01T00:00:00Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
