import Foundation
import WardenCore

/// restic's `forget` policy applied to recorded backup times (UTC): keep the newest `keep_last`;
/// for the newest `keep_daily` days (weeks, months) that have backups, keep the newest of each.
/// A backup kept by any rule stays. The newest verified backup always stays.
public struct RetentionPlan: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Encodable {
        public var id: String
        public var startedAt: Date
        public var keep: Bool
        public var reasons: [String]

        enum CodingKeys: String, CodingKey { case id, keep, reasons, startedAt = "started_at" }
    }

    /// Newest first.
    public var entries: [Entry]

    public var removals: [Entry] { entries.filter { !$0.keep } }

    public init(backups: [BackupManifest], policy: RetentionSettings) {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = .gmt
        let sorted = backups.sorted { $0.startedAt > $1.startedAt }
        let newestVerified = sorted.first { $0.verifiedAt != nil }?.id
        struct Rule {
            var name: String
            var remaining: Int
            var bucket: (Date) -> String
            var last: String?
        }
        var rules = [
            Rule(name: "last", remaining: policy.keepLast, bucket: { _ in UUID().uuidString }),
            Rule(name: "daily", remaining: policy.keepDaily, bucket: { date in
                let c = calendar.dateComponents([.year, .month, .day], from: date)
                return "\(c.year!)-\(c.month!)-\(c.day!)"
            }),
            Rule(name: "weekly", remaining: policy.keepWeekly, bucket: { date in
                let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
                return "\(c.yearForWeekOfYear!)-W\(c.weekOfYear!)"
            }),
            Rule(name: "monthly", remaining: policy.keepMonthly, bucket: { date in
                let c = calendar.dateComponents([.year, .month], from: date)
                return "\(c.year!)-\(c.month!)"
            }),
        ]
        entries = sorted.map { backup in
            var reasons: [String] = []
            for index in rules.indices where rules[index].remaining > 0 {
                let bucket = rules[index].bucket(backup.startedAt)
                if bucket != rules[index].last {
                    rules[index].last = bucket
                    rules[index].remaining -= 1
                    reasons.append(rules[index].name)
                }
            }
            if backup.id == newestVerified { reasons.append("newest verified") }
            if policy.isEmpty { reasons.append("no retention policy") }
            return Entry(id: backup.id, startedAt: backup.startedAt, keep: !reasons.isEmpty, reasons: reasons)
        }
    }
}
