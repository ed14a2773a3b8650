/// What was last notified for a group on one channel, as Alertmanager's notification log keeps it:
/// deciding whether a flush is news or a repeat.
public struct NotificationLogEntry: Sendable, Codable, Equatable {
    public var groupKey: String
    public var integration: String
    public var firing: Set<String>
    public var resolved: Set<String>
    public var sentAt: Int64

    public init(groupKey: String, integration: String, firing: Set<String>, resolved: Set<String>, sentAt: Int64) {
        self.groupKey = groupKey
        self.integration = integration
        self.firing = firing
        self.resolved = resolved
        self.sentAt = sentAt
    }

    /// Alertmanager's DedupStage: notify on anything new firing, on everything resolving, on
    /// newly resolved alerts when the channel sends resolved ones, and otherwise once per repeat
    /// interval (not while every firing alert is acknowledged).
    static func needsUpdate(
        _ entry: NotificationLogEntry?, firing: Set<String>, resolved: Set<String>, sendResolved: Bool,
        repeatInterval: Int64, acknowledged: Set<String>, now: Int64
    ) -> Bool {
        guard let entry else { return !firing.isEmpty }
        if !firing.isSubset(of: entry.firing) { return true }
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return true }
        if firing.isSubset(of: acknowledged) { return false }
        return entry.sentAt <= now - repeatInterval
    }
}
