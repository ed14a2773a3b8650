import Foundation

/// Alertmanager's webhook payload, version 4.
enum Webhook {
    static func payload(_ notification: AlertNotification, maxAlerts: Int) -> [String: Any] {
        let kept = maxAlerts > 0 ? Array(notification.alerts.prefix(maxAlerts)) : notification.alerts
        return [
            "version": "4", "groupKey": notification.groupKey, "truncatedAlerts": notification.alerts.count - kept.count,
            "status": notification.status, "receiver": notification.receiver, "groupLabels": notification.groupLabels,
            "commonLabels": notification.commonLabels, "commonAnnotations": notification.commonAnnotations,
            "externalURL": notification.externalURL,
            "alerts": kept.map { alert in
                [
                    "status": alert.status, "labels": alert.labels, "annotations": alert.annotations,
                    "startsAt": Timestamp.rfc3339(alert.startsAt), "endsAt": Timestamp.rfc3339(alert.endsAt),
                    "generatorURL": "", "fingerprint": alert.fingerprint,
                ] as [String: Any]
            },
        ]
    }

    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let maxAlerts = Int(integration.setting("max_alerts") ?? "0") ?? 0
        return try ChannelRequests.json(integration.setting("url")!, payload(notification, maxAlerts: maxAlerts),
                                        headers: [("Idempotency-Key", notification.idempotencyKey)])
    }
}

/// Slack incoming webhook: one attachment, as Alertmanager sends it (title at most 1024 characters).
enum Slack {
    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let title = Truncate.characters(ChannelRequests.text("title", notification, integration) { notification.title }, 1024)
        let text = Truncate.characters(ChannelRequests.text("text", notification, integration) { Truncate.body(notification) }, 40_000)
        var attachment: [String: Any] = [
            "title": title, "text": text, "fallback": title, "color": notification.status == "firing" ? "danger" : "good",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        ]
        if notification.kind == .test { attachment["color"] = "#439FE0" }
        var body: [String: Any] = ["attachments": [attachment]]
        for key in ["channel", "username", "icon_emoji"] { if let value = integration.setting(key) { body[key] = value } }
        return try ChannelRequests.json(integration.setting("api_url")!, body)
    }
}

/// Discord webhook: one embed (title ≤ 256, description ≤ 4096 characters).
enum Discord {
    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let title = Truncate.characters(ChannelRequests.text("title", notification, integration) { notification.title }, 256)
        let description = Truncate.characters(ChannelRequests.text("message", notification, integration) { Truncate.body(notification) }, 4096)
        let embed: [String: Any] = ["title": title, "description": description, "color": notification.status == "firing" ? 0x992D22 : 0x2ECC71]
        return try ChannelRequests.json(integration.setting("webhook_url")!, ["embeds": [embed]])
    }
}

/// Telegram Bot API sendMessage, HTML parse mode, at most 4096 characters.
enum Telegram {
    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let base = integration.setting("api_url") ?? "https://api.telegram.org"
        let html = (integration.setting("parse_mode") ?? "HTML") == "HTML"
        let message = ChannelRequests.text("message", notification, integration) {
            let title = html ? "<b>\(notification.title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;"))</b>" : notification.title
            return title + "\n\n" + Truncate.body(notification, html: html)
        }
        var body: [String: Any] = ["text": Truncate.characters(message, 4096)]
        let chat = integration.setting("chat_id")!
        body["chat_id"] = Int64(chat).map { $0 as Any } ?? chat
        if let mode = integration.setting("parse_mode") ?? "HTML" as String?, !mode.isEmpty { body["parse_mode"] = mode }
        if integration.setting("disable_notifications") == "true" { body["disable_notification"] = true }
        return try ChannelRequests.json("\(base)/bot\(integration.setting("bot_token")!)/sendMessage", body)
    }
}

/// PagerDuty Events API v2: trigger, resolve and acknowledge share the group's dedup_key, so
/// PagerDuty itself deduplicates retries.
enum PagerDuty {
    static func dedupKey(_ groupKey: String) -> String { Alert.fingerprint(Labels([Label("group", groupKey)])) }

    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let url = integration.setting("url") ?? "https://events.pagerduty.com/v2/enqueue"
        let action = notification.kind == .acknowledge ? "acknowledge" : notification.status == "firing" ? "trigger" : "resolve"
        var body: [String: Any] = [
            "routing_key": integration.setting("routing_key")!, "event_action": action,
            "dedup_key": notification.kind == .test ? "warden-test-\(notification.idempotencyKey)" : dedupKey(notification.groupKey),
        ]
        if action == "trigger" {
            let summary = ChannelRequests.text("description", notification, integration) {
                let first = notification.firing.first?.annotations["summary"]
                return notification.title + (first.map { ": \($0)" } ?? "")
            }
            var details: [String: String] = ["firing": Truncate.body(notification), "num_firing": String(notification.firing.count)]
            for (key, value) in notification.commonLabels { details[key] = value }
            body["payload"] = [
                "summary": Truncate.characters(summary, 1024), "source": notification.commonLabels["instance"] ?? "warden",
                "severity": pagerDutySeverity(integration.setting("severity") ?? notification.commonLabels["severity"]),
                "custom_details": details,
            ] as [String: Any]
            body["client"] = integration.setting("client") ?? "Warden"
            if let clientURL = integration.setting("client_url") ?? (notification.externalURL.isEmpty ? nil : notification.externalURL) {
                body["client_url"] = clientURL
            }
        }
        return try ChannelRequests.json(url, body)
    }

    /// PagerDuty knows critical, error, warning and info.
    static func pagerDutySeverity(_ text: String?) -> String {
        let value = text?.lowercased() ?? "error"
        return ["critical", "error", "warning", "info"].contains(value) ? value : value == "page" ? "critical" : "error"
    }
}

/// Twilio Messages API: form-encoded To, From, Body (at most 1600 characters), HTTP basic auth.
enum SMS {
    static func request(_ notification: AlertNotification, _ integration: Integration) throws -> HTTPRequestSpec {
        let base = integration.setting("api_url") ?? "https://api.twilio.com"
        let sid = integration.setting("account_sid")!
        let message = ChannelRequests.text("message", notification, integration) {
            ([notification.title] + notification.alerts.map { "\($0.status == "firing" ? "" : "RESOLVED: ")\($0.annotations["summary"] ?? $0.labels["alertname"] ?? "")" })
                .joined(separator: "\n")
        }
        let fields = [("To", integration.setting("to")!), ("From", integration.setting("from")!), ("Body", Truncate.characters(message, 1600))]
        let body = fields.map { "\($0.0)=\(formEncode($0.1))" }.joined(separator: "&")
        let credentials = Data("\(sid):\(integration.setting("auth_token")!)".utf8).base64EncodedString()
        return HTTPRequestSpec(
            url: "\(base)/2010-04-01/Accounts/\(sid)/Messages.json",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic \(credentials)"), ("User-Agent", ChannelRequests.userAgent)],
            body: Array(body.utf8))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
    }
}

/// An email: RFC 5322 headers, a plain-text body, sent by libcurl.
enum Email {
    static func message(_ notification: AlertNotification, _ integration: Integration) -> EmailMessage {
        let data = Template.Data(fields: notification.templateFields)
        var headers: [(String, String)] = [
            ("Subject", integration.templates["header.Subject"]?.render(data) ?? notification.title),
            ("Date", rfc5322Date(notification.createdAt)), ("Message-ID", "<\(notification.idempotencyKey)@warden>"),
            ("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "8bit"),
        ]
        for (key, template) in integration.templates where key.hasPrefix("header.") && key != "header.Subject" {
            headers.append((String(key.dropFirst("header.".count)), template.render(data)))
        }
        let body = ChannelRequests.text("text", notification, integration) { Truncate.body(notification) }
        return envelope(integration, headers: headers, body: body.components(separatedBy: "\n"))
    }

    /// The channel's transport (server, TLS, login, recipients) around a message of `headers`
    /// (From and To are added) and `body` lines.
    static func envelope(_ integration: Integration, headers: [(String, String)], body: [String]) -> EmailMessage {
        let host = integration.setting("smarthost")!
        let port = host.split(separator: ":").last.map(String.init) ?? "25"
        let requireTLS = integration.setting("require_tls").map { $0 != "false" } ?? true
        // Implicit TLS (SMTPS) on port 465 as Alertmanager decides it; `implicit_tls` says so for other ports.
        let implicitTLS = integration.setting("implicit_tls").map { $0 == "true" } ?? (port == "465")
        var url = (implicitTLS ? "smtps://" : "smtp://") + host
        if let hello = integration.setting("hello") { url += "/" + hello }  // libcurl says EHLO with the URL's path
        let recipients = integration.setting("to")!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let all = [("From", integration.setting("from")!), ("To", recipients.joined(separator: ", "))] + headers
        // Header values lose any line breaks (no header injection); the body uses CRLF and
        // dot-stuffing is libcurl's job.
        let head = all.map { "\($0.0): \($0.1.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "))" }
        let text = (head + [""] + body).joined(separator: "\r\n") + "\r\n"
        return EmailMessage(
            url: url, from: integration.setting("from")!, recipients: recipients, message: text,
            username: integration.setting("auth_username"), password: integration.setting("auth_password"), requireTLS: requireTLS,
            caFile: integration.setting("tls.ca_file"), insecureSkipVerify: integration.setting("tls.insecure_skip_verify") == "true")
    }

    static func rfc5322Date(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
