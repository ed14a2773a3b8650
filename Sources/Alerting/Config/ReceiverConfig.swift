/// A receiver: a name and the integrations (channels) a notification goes out through.
public struct ReceiverConfig: Sendable {
    public var name: String
    public var integrations: [Integration]
}

/// One channel of a receiver, with Alertmanager's key names where Alertmanager has the channel.
public struct Integration: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case webhook = "webhook_configs", slack = "slack_configs", discord = "discord_configs"
        case telegram = "telegram_configs", pagerduty = "pagerduty_configs", email = "email_configs", sms = "sms_configs"

        /// Alertmanager's default for `send_resolved`, per channel.
        var sendsResolvedByDefault: Bool {
            switch self {
            case .webhook, .discord, .telegram, .pagerduty: true
            case .slack, .email, .sms: false
            }
        }

        /// The keys each channel accepts.
        var keys: [String] {
            let specific: [String] = switch self {
            case .webhook: ["url", "max_alerts"]
            case .slack: ["api_url", "channel", "username", "title", "text", "icon_emoji"]
            case .discord: ["webhook_url", "title", "message"]
            case .telegram: ["api_url", "bot_token", "chat_id", "message", "parse_mode", "disable_notifications"]
            case .pagerduty: ["url", "routing_key", "severity", "client", "client_url", "description"]
            case .email: ["to", "from", "smarthost", "hello", "auth_username", "auth_password", "require_tls", "implicit_tls", "tls_config", "headers", "text"]
            case .sms: ["api_url", "account_sid", "auth_token", "from", "to", "message"]
            }
            return ["send_resolved"] + specific
        }

        /// Keys that must be present.
        var required: [String] {
            switch self {
            case .webhook: ["url"]
            case .slack: ["api_url"]
            case .discord: ["webhook_url"]
            case .telegram: ["bot_token", "chat_id"]
            case .pagerduty: ["routing_key"]
            case .email: ["to", "from", "smarthost"]
            case .sms: ["account_sid", "auth_token", "from", "to"]
            }
        }

        /// Keys whose value is a credential: `${env:…}`/`${file:…}`/`${credential:…}` recommended.
        var secrets: Set<String> {
            switch self {
            case .webhook: ["url"]
            case .slack: ["api_url"]
            case .discord: ["webhook_url"]
            case .telegram: ["bot_token"]
            case .pagerduty: ["routing_key"]
            case .email: ["auth_password"]
            case .sms: ["auth_token"]
            }
        }
    }

    public var kind: Kind
    /// The receiver and position, e.g. `ops/slack_configs[0]`: names the channel in metrics and the outbox.
    public var id: String
    public var sendResolved: Bool
    /// Settings as written (secrets resolved), read by the channel's request builder.
    public var settings: [String: String]
    /// Titles and messages given as templates.
    public var templates: [String: Template]

    public func setting(_ key: String) -> String? { settings[key] }
}
