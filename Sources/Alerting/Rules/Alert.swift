import Crypto
import Foundation

/// One alert an alerting rule produced: its identity is its label set.
public struct Alert: Sendable, Hashable {
    public enum State: String, Sendable, Codable { case pending, firing, inactive }

    public var labels: Labels
    public var annotations: [String: String]
    public var value: Double
    public var state: State
    /// Milliseconds: when the condition first held, when it fired, when it resolved.
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    var keepFiringSince: Int64?

    public var name: String { labels["alertname"] ?? "" }

    public init(labels: Labels, annotations: [String: String], value: Double, state: State, activeAt: Int64, firedAt: Int64? = nil, resolvedAt: Int64? = nil) {
        self.labels = labels
        self.annotations = annotations
        self.value = value
        self.state = state
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
    }

    /// A stable identity for the label set (hex of its SHA-256 prefix), as Alertmanager's fingerprint.
    public var fingerprint: String { Self.fingerprint(labels) }

    public static func fingerprint(_ labels: Labels) -> String {
        var text = ""
        for label in labels.labels { text += label.name + "\u{ff}" + label.value + "\u{ff}" }
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
